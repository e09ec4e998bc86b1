"""Wire-copy clustering: the rule that puts an article in a cluster, and DedupPipeline.

The rule (``ClusterAssigner.assign``), in order:

1. An article whose normalized text equals an indexed article's is an exact copy: it joins
   that article's cluster (similarity 1.0).
2. Otherwise the persistent LSH index gives the indexed articles that share a band with its
   MinHash signature. The most similar one whose estimated Jaccard similarity is at least
   ``NEWS_DEDUP_THRESHOLD`` gives the article its cluster.
3. Otherwise the article starts a new cluster and is its representative; the cluster's id
   is the article's id, so it never changes.

An article joins exactly one existing cluster and clusters are never merged afterwards, so
one weak link cannot chain two stories together. ``python -m crawler dedup`` runs the same
class on JSON lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scrapy.exceptions import DropItem

from storage import DedupIndex, article_id_for

from .database import news_database
from .signature import Signature

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


@dataclass(frozen=True)
class Assignment:
    cluster_id: int
    # Estimated Jaccard similarity to the article it matched; None for a new cluster.
    similarity: float | None
    matched_article_id: int | None


class ClusterAssigner:
    """Assign clusters from a ``DedupIndex`` and add each assigned article to it.

    >>> assigner = ClusterAssigner(db.dedup_index(), threshold=0.5)
    >>> assigner.assign(article_id, signature.hashvalues, signature.shingles, signature.text_hash)
    Assignment(cluster_id=..., similarity=0.82, matched_article_id=...)
    """

    def __init__(self, index: DedupIndex, threshold: float = 0.5):
        self.index = index
        self.threshold = threshold

    def assign(
        self,
        article_id: int,
        hashvalues: np.ndarray,
        shingles: int,
        text_hash: str,
        published: str | None = None,
    ) -> Assignment:
        assignment = self._match(hashvalues, text_hash) or Assignment(article_id, None, None)
        self.index.add(article_id, assignment.cluster_id, hashvalues, shingles, text_hash, published)
        return assignment

    def _match(self, hashvalues: np.ndarray, text_hash: str) -> Assignment | None:
        exact = self.index.cluster_of_exact_copy(text_hash)
        if exact is not None:
            return Assignment(cluster_id=exact[1], similarity=1.0, matched_article_id=exact[0])
        for candidate in self.index.candidates(hashvalues):
            if candidate.jaccard >= self.threshold:
                return Assignment(candidate.cluster_id, round(candidate.jaccard, 4), candidate.article_id)
            break  # candidates come most similar first
        return None


class DedupPipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.db = news_database(crawler)
        settings = crawler.settings
        self.assigner = ClusterAssigner(
            self.db.dedup_index(num_perm=settings.getint("NEWS_DEDUP_NUM_PERM")),
            threshold=settings.getfloat("NEWS_DEDUP_THRESHOLD"),
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        url = item["url"]
        if self.db.known_urls([url]):
            # Two feeds linked the same article in one run; the first copy is stored.
            self.crawler.stats.inc_value("wirecrawl/articles_known")
            raise DropItem(f"already stored: {url}")
        item["id"] = article_id_for(url)
        self.db.begin()
        assignment = self.assigner.assign(
            item["id"],
            Signature.hashvalues_from_bytes(item.pop("minhash")),
            item["shingles"],
            item["text_hash"],
            item.get("published"),
        )
        item["cluster_id"] = assignment.cluster_id
        item["similarity"] = assignment.similarity
        stat = "new_cluster" if assignment.matched_article_id is None else "joined_cluster"
        self.crawler.stats.inc_value(f"wirecrawl/dedup/{stat}")
        return item
