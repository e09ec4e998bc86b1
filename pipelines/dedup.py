"""Wire-copy clustering: the rule that puts an article in a cluster, and DedupPipeline.

An article's text is signed after its site's known boilerplate lines are removed
(``storage/site_lines.py``), with MinHash over word 3-grams (``pipelines/article/signature.py``).
Then ``ClusterAssigner.assign`` decides, against the persistent index:

1. Candidates: indexed articles the LSH index proposes (a shared band; about 9 in 10 pairs
   of Jaccard 0.2 are proposed, so short excerpts are too; an exact copy shares every band
   and has similarity 1). Only articles published within ``NEWS_DEDUP_WINDOW_HOURS`` of
   this one count: copies of a dispatch appear within about two days, and a templated brief
   on another day (a market close, the weather) is another story.
2. Verification of each candidate: it is a copy when the estimated Jaccard similarity is at
   least ``NEWS_DEDUP_THRESHOLD`` (copies of about the same length), or when the shorter text
   lies mostly inside the longer one, estimated containment at least
   ``NEWS_DEDUP_CONTAINMENT``, for texts of unequal length (the shorter at most
   ``MAX_CONTAINED_LENGTH_RATIO`` of the longer, and at least ``MIN_CONTAINED_SHINGLES``
   shingles): excerpts, truncated copies, updates with new paragraphs. A paragraph two stories share (a common
   lead or background paragraph) is a minority of either text and stays below it.
3. Clustering without chains: the article joins the cluster of its most similar verified
   candidate, or starts a new cluster whose id is its own id, and is its representative.
   Clusters are never merged afterwards, so one weak link cannot chain two stories together,
   and a cluster's id never changes.

Each new cluster then gets its story (``pipelines/stories.py``); a copy takes its cluster's.
``python -m crawler dedup`` runs the same classes on JSON lines.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from storage import DedupIndex, SiteLines, article_id_for, hours_between, site_of

from .database import news_database
from .evidence import Evidence
from .stories import StoryLinker
from .article.signature import Signature, sign, without_known_lines

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

# Below this many shingles a text is too short for containment to mean anything.
MIN_CONTAINED_SHINGLES = 20
# Containment is for texts of unequal length (an excerpt, an update with new paragraphs): the
# shorter must be at most this share of the longer. Between texts of about the same length it
# would only be a lenient Jaccard, and two briefs of one template would pass it.
MAX_CONTAINED_LENGTH_RATIO = 0.8


@dataclass(frozen=True)
class Assignment:
    cluster_id: int
    # Estimated Jaccard similarity to the article it matched; None for a new cluster.
    similarity: float | None
    matched_article_id: int | None


class ClusterAssigner:
    """Assign clusters from a ``DedupIndex`` and add each assigned article to it.

    >>> assigner = ClusterAssigner(db.dedup_index())
    >>> assigner.assign(article_id, signature.hashvalues, signature.shingles, signature.text_hash, published)
    Assignment(cluster_id=..., similarity=0.82, matched_article_id=...)
    """

    def __init__(
        self,
        index: DedupIndex,
        threshold: float = 0.5,
        containment: float = 0.65,
    ):
        self.index = index
        self.threshold = threshold
        self.containment = containment

    @classmethod
    def from_settings(cls, index: DedupIndex, settings: BaseSettings) -> ClusterAssigner:
        return cls(
            index,
            threshold=settings.getfloat("NEWS_DEDUP_THRESHOLD"),
            containment=settings.getfloat("NEWS_DEDUP_CONTAINMENT"),
        )

    def assign(
        self,
        article_id: int,
        hashvalues: np.ndarray,
        shingles: int,
        text_hash: str,
        published: str | None = None,
    ) -> Assignment:
        keys = self.index.band_keys(hashvalues)
        assignment = self._match(hashvalues, keys, shingles, published) or Assignment(article_id, None, None)
        self.index.add(article_id, assignment.cluster_id, hashvalues, shingles, text_hash, published, keys=keys)
        return assignment

    def _in_window(self, published: str | None, other: str | None) -> bool:
        hours = hours_between(published, other)
        return hours is None or hours <= self.index.window_hours

    def _match(self, hashvalues: np.ndarray, keys: list[int], shingles: int, published: str | None) -> Assignment | None:
        # An exact copy (same normalized text) has the same signature, so it comes first here.
        for candidate in self.index.candidates(hashvalues, published, keys=keys):
            if not self._in_window(published, candidate.published):
                continue
            resembles = candidate.jaccard >= self.threshold
            shorter, longer = sorted((shingles, candidate.shingles))
            contained = (
                shorter >= MIN_CONTAINED_SHINGLES
                and shorter <= MAX_CONTAINED_LENGTH_RATIO * longer
                and candidate.containment_in(shingles) >= self.containment
            )
            if resembles or contained:  # candidates come most similar first
                return Assignment(candidate.cluster_id, round(candidate.jaccard, 4), candidate.article_id)
        return None


def cluster_text(
    assigner: ClusterAssigner,
    site_lines: SiteLines,
    article_id: int,
    site: str,
    text: str,
    published: str | None = None,
    num_perm: int = 128,
    shingle_words: int = 3,
) -> Assignment:
    """One article's text through the crawl's steps in one call: the site's known boilerplate
    removed, signed, assigned, and its lines counted for the site.

    The crawl runs the first two steps in a worker process (``extract_article``) and the rest
    in ``DedupPipeline``; ``python -m crawler dedup`` runs them here. The caller owns the
    transaction.
    """
    kept, keys = without_known_lines(text, site_lines.known(site))
    signature = sign(kept, num_perm=num_perm, shingle_words=shingle_words)
    assignment = assigner.assign(article_id, signature.hashvalues, signature.shingles, signature.text_hash, published)
    site_lines.observe(site, keys, assignment.cluster_id)
    return assignment


def dedup_index_from_settings(db: Any, settings: BaseSettings) -> DedupIndex:
    return db.dedup_index(
        num_perm=settings.getint("NEWS_DEDUP_NUM_PERM"),
        candidate_threshold=settings.getfloat("NEWS_DEDUP_CANDIDATE_THRESHOLD"),
        window_hours=settings.getfloat("NEWS_DEDUP_WINDOW_HOURS"),
    )


def precomputed_evidence(item: Any) -> Evidence | None:
    """The evidence a distributed crawl's worker read from the article (``extract_for_writer``),
    if it was read from the title the article has now; else None, and it is read here."""
    found = item.pop("evidence", None) if hasattr(item, "pop") and "evidence" in item else None
    if not found or found.get("title") != item.get("title"):
        return None
    return Evidence(frozenset(found["numbers"]), frozenset(found["dates"]), frozenset(found["names"]))


class Deduplicator:
    """An article's cluster and story, assigned against the database's persistent index: the
    crawl's ``DedupPipeline`` and the distributed writer (``pipelines/ingest.py``) both use it.
    ``assign`` sets the item's id, cluster_id, similarity and story_id; the caller owns the
    transaction. ``count`` is told each stat to add one to."""

    def __init__(self, db: Any, settings: BaseSettings, count: Any = None):
        self.db = db
        self.assigner = ClusterAssigner.from_settings(dedup_index_from_settings(db, settings), settings)
        self.site_lines: SiteLines = db.site_lines(settings.getint("NEWS_BOILERPLATE_CLUSTERS"))
        self.linker = StoryLinker.from_settings(db.conn, settings)
        self.count = count or (lambda stat: None)

    def assign(self, item: Any) -> Any:
        url = item["url"]
        item["id"] = article_id_for(url)
        self.db.begin()
        assignment = self.assigner.assign(
            item["id"],
            Signature.hashvalues_from_bytes(item.pop("minhash")),
            item["shingles"],
            item["text_hash"],
            item.get("published") or item.get("fetched"),
        )
        item["cluster_id"] = assignment.cluster_id
        item["similarity"] = assignment.similarity
        self.site_lines.observe(site_of(url), item.pop("line_keys", ()), assignment.cluster_id)
        self.count("wirecrawl/dedup/new_cluster" if assignment.matched_article_id is None else "wirecrawl/dedup/joined_cluster")
        story = self.linker.story_for(
            assignment.cluster_id,
            assignment.matched_article_id is None,
            item.get("title"),
            item["text"],
            item.get("language"),
            item.get("published") or item.get("fetched"),
            found=precomputed_evidence(item),
        )
        item["story_id"] = story.story_id
        if story.matched_cluster_id is not None:
            self.count("wirecrawl/stories/linked_cluster")
        for absorbed in story.absorbed:
            self.db.absorb_story(absorbed, story.story_id)
            self.count("wirecrawl/stories/joined_story")
        return item


class DedupPipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.db = news_database(crawler)
        self.dedup = Deduplicator(self.db, crawler.settings, count=crawler.stats.inc_value)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        started = time.process_time()
        try:
            return self._process(item)
        finally:
            self.crawler.stats.inc_value("wirecrawl/dedup/cpu_seconds", time.process_time() - started)

    def _process(self, item: Any) -> Any:
        url = item["url"]
        if self.db.known_urls([url]):
            # Two feeds linked the same article in one run; the first copy is stored.
            self.crawler.stats.inc_value("wirecrawl/articles_known")
            # Imported here: the command line uses this module's cluster rule without Scrapy.
            from scrapy.exceptions import DropItem

            raise DropItem(f"already stored: {url}")
        return self.dedup.assign(item)
