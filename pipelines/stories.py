"""Stories above clusters: the rule that links a new cluster to a story in another language.

A cluster (same-language copies of one dispatch, ``pipelines/dedup.py``) joins a story when
it is created, once, and keeps it: a later copy joins its cluster, hence its story, and a
story's id (its first cluster's id) never changes. ``StoryLinker.link`` decides from the
cluster's first article's evidence (``pipelines/evidence.py``: figures, dates, names):

1. Candidates: the indexed clusters in another language, published within
   ``NEWS_STORY_WINDOW_HOURS`` of it, sharing at least one evidence key
   (``storage/story_index.py``). Same-language copies are the clusters' business.
2. Each shared key weighs by how rare it is in the window's days: ``1 / (clusters of those
   days that hold it)``, so a year, a round figure or a country that many stories of the day
   mention counts for little, and a figure or a name that only these two hold counts fully.
3. A candidate is the same story when, at once,
   - they share at least one name, and at least two unless they share ``MIN_FACTS_FOR_ONE_NAME``
     figures or dates (a market report names little and counts much);
   - the weighted shared evidence is at least ``MIN_SCORE``;
   - it covers at least ``MIN_COVERAGE`` of the smaller side's evidence, or
     ``MIN_COVERAGE_NAMES_ONLY`` when they share no figure or date: versions of one dispatch keep
     most of its facts, while two stories on the same people and places (two matches of the
     same clubs, a follow-up with new figures) meet on names and part ways on figures.
4. The cluster joins the story of the best-scoring candidate, or starts a story of its own
   (id = the cluster's id). Stories of several clusters are never merged, so one weak link
   cannot chain events, and a story's id never changes once it holds two clusters.
5. A cluster still alone in its story whose language the joined story lacks, and which the new
   cluster matches by the same rule, joins the story too (``StoryLink.absorbed``): versions
   arrive in any order, and a short rewrite may share too little with one language's version
   while a third language's version matches both. Without this the story would stay split by
   the order of arrival (French and English+Arabic, or French+English and Arabic).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storage.story_index import StoryCandidate, StoryIndex

from .evidence import DATE, NAME, NUMBER, Evidence, evidence, kind_of_keys

MIN_FACTS_FOR_ONE_NAME = 4
MIN_SCORE = 3.0
MIN_COVERAGE = 0.5
MIN_COVERAGE_NAMES_ONLY = 0.6


@dataclass(frozen=True)
class StoryLink:
    story_id: int
    # The cluster it was linked through, and the score; None for a story of its own.
    matched_cluster_id: int | None = None
    score: float | None = None
    # Stories of one cluster that this link joined into ``story_id`` (rule 5): their ids go.
    absorbed: tuple[int, ...] = ()


@dataclass(frozen=True)
class Features:
    facts: int  # shared figures and dates
    names: int
    score: float  # shared keys weighed by their rarity in the window
    coverage: float  # shared keys / the smaller side's keys


def features(candidate: StoryCandidate, own: Evidence, frequency: dict[int, int]) -> Features:
    kinds = list(candidate.shared.values())
    facts = sum(1 for kind in kinds if kind in (NUMBER, DATE))
    names = sum(1 for kind in kinds if kind == NAME)
    score = sum(1.0 / max(1, frequency.get(key, 1)) for key in candidate.shared)
    smaller = min(len(own.keys()), sum(candidate.sizes.values())) or 1
    return Features(facts, names, score, len(kinds) / smaller)


def same_story(found: Features) -> bool:
    if found.names < 1 or (found.names < 2 and found.facts < MIN_FACTS_FOR_ONE_NAME):
        return False
    coverage = MIN_COVERAGE if found.facts else MIN_COVERAGE_NAMES_ONLY
    return found.score >= MIN_SCORE and found.coverage >= coverage


class StoryLinker:
    """>>> linker = StoryLinker(StoryIndex(conn, window_hours=24))
    >>> linker.link(cluster_id, "fr", "2024-12-19T10:00:00+00:00", evidence(title, text))
    StoryLink(story_id=..., matched_cluster_id=..., score=...)
    """

    def __init__(self, index: StoryIndex):
        self.index = index

    @classmethod
    def from_settings(cls, conn: Any, settings: Any) -> StoryLinker:
        return cls(StoryIndex(conn, window_hours=settings.getfloat("NEWS_STORY_WINDOW_HOURS")))

    def link(self, cluster_id: int, language: str | None, published: str | None, own: Evidence) -> StoryLink:
        """The story of a new cluster, indexed with its evidence; the caller owns the transaction."""
        keys = kind_of_keys(own)
        matches = self._matches(language, published, own, keys)
        link = self._best(matches) or StoryLink(cluster_id)
        if link.matched_cluster_id is not None:
            link = StoryLink(link.story_id, link.matched_cluster_id, link.score, self._absorbable(link.story_id, matches))
        self.index.add(cluster_id, link.story_id, language, published, keys)
        for story in link.absorbed:
            self.index.move_story(story, link.story_id)
        return link

    def _matches(
        self, language: str | None, published: str | None, own: Evidence, keys: dict[int, str]
    ) -> list[tuple[StoryCandidate, float]]:
        """The candidates in other languages that are the same story, with their scores."""
        candidates, frequency = self.index.candidates(keys, published, min_shared=int(MIN_SCORE))
        matches = []
        for candidate in candidates:
            # Each shared key weighs at most 1: fewer than MIN_SCORE of them can never pass.
            if len(candidate.shared) < MIN_SCORE or (language and candidate.language == language):
                continue
            found = features(candidate, own, frequency)
            if same_story(found):
                matches.append((candidate, found.score))
        return matches

    @staticmethod
    def _best(matches: list[tuple[StoryCandidate, float]]) -> StoryLink | None:
        if not matches:
            return None
        candidate, score = max(matches, key=lambda match: match[1])
        return StoryLink(candidate.story_id, candidate.cluster_id, round(score, 3))

    def _absorbable(self, story_id: int, matches: list[tuple[StoryCandidate, float]]) -> tuple[int, ...]:
        """Rule 5: the matched stories of one cluster, in a language the joined story lacks."""
        languages = self.index.languages_of(story_id)
        absorbed = []
        for candidate, _score in sorted(matches, key=lambda match: -match[1]):
            if candidate.story_id == story_id or candidate.story_id in absorbed or candidate.language in languages:
                continue
            if self.index.clusters_in(candidate.story_id) == 1:
                absorbed.append(candidate.story_id)
                languages.add(candidate.language)
        return tuple(absorbed)

    def relink(self, db: Any, commit_every: int = 500) -> tuple[int, int]:
        """Index the stored clusters that have no evidence yet (stored before stories) and link each
        that is still a story of its own; linked stories keep their ids. (clusters read, linked)."""
        read = linked = 0
        for cluster_id, title, text, language, published in db.clusters_to_relink():
            db.begin()
            own_story = self.index.story_of(cluster_id)
            alone = own_story == cluster_id and db.conn.execute(
                "SELECT count(*) FROM clusters WHERE story_id = ?", [cluster_id]
            ).fetchone()[0] <= 1
            found = evidence(title, text or "", language)
            keys = kind_of_keys(found)
            best = self._best(self._matches(language, published, found, keys)) if alone else None
            story = best.story_id if best else own_story
            self.index.add(cluster_id, story, language, published, keys)
            if best is not None:
                db.move_cluster(cluster_id, story)
                linked += 1
            read += 1
            if read % commit_every == 0:
                db.commit()
        db.commit()
        return read, linked

    def story_for(
        self, cluster_id: int, is_new_cluster: bool, title: str | None, text: str, language: str | None,
        published: str | None,
        found: Evidence | None = None,
    ) -> StoryLink:
        """The story of an article just assigned to a cluster: its cluster's, or a new link.
        ``found``: its evidence, if it was read already (by a worker of a distributed crawl)."""
        if not is_new_cluster:
            story = self.index.story_of(cluster_id)
            if story is not None:
                return StoryLink(story)
        return self.link(cluster_id, language, published, found or evidence(title, text, language))
