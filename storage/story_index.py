"""The persistent story index: each cluster's language-independent evidence, and its story.

A story groups the clusters (same-language copies, ``storage/dedup_index.py``) that report one
event in several languages. Every new cluster leaves one row in ``story_clusters`` (its story,
language, publication time and how many evidence keys of each kind it has) and one row per
evidence key in ``story_evidence``, keyed by the cluster's period (the day of publication)
first, then the key: a lookup reads only the periods its time window touches, through the
primary key, and a day's inserts land in one small part of the b-tree. Nothing is loaded at
start and nothing grows in memory, as with the dedup index.

The rule that decides a link is ``pipelines/stories.py``; this module only stores and looks up.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field

from .dedup_index import SECONDS_PER_DAY, DedupIndex

# A key that more clusters than this of one day share is a year, a round figure or a country:
# it says nothing of one story, and reading its rows would make every lookup slow.
MAX_CLUSTERS_PER_KEY = 50
COMPOUND_TERMS = 400
# Periods whose common keys this process remembers (a window of 24 hours touches 3 or 4).
REMEMBERED_PERIODS = 16


@dataclass
class StoryCandidate:
    cluster_id: int
    story_id: int
    language: str | None
    published: str | None
    sizes: dict[str, int]  # evidence keys of each kind the cluster has
    shared: dict[int, str] = field(default_factory=dict)  # key -> kind, the keys it shares


class StoryIndex:
    """Evidence lookups and inserts on an open connection of the news database.

    >>> index = StoryIndex(conn, window_hours=24)
    >>> candidates, frequency = index.candidates({key: "n", ...}, "2024-12-19T10:00:00+00:00")
    """

    def __init__(self, conn: sqlite3.Connection, window_hours: float = 24.0):
        self.conn = conn
        self.window_hours = window_hours
        # The keys found held by more than MAX_CLUSTERS_PER_KEY clusters of a period. A period's
        # count of a key only grows, so a key once found common stays common and is not read
        # again: without this, every lookup reads the 51 rows of each of its common keys (most
        # of its time, as the year or the country of the day are in most clusters).
        self._common: OrderedDict[int, set[int]] = OrderedDict()

    @staticmethod
    def period_of(published: str | None) -> int:
        return int(DedupIndex.timestamp_of(published) // SECONDS_PER_DAY)

    def periods_around(self, published: str | None) -> list[int]:
        moment = DedupIndex.timestamp_of(published)
        reach = self.window_hours * 3600
        return list(range(int((moment - reach) // SECONDS_PER_DAY), int((moment + reach) // SECONDS_PER_DAY) + 1))

    def story_of(self, cluster_id: int) -> int | None:
        row = self.conn.execute("SELECT story_id FROM story_clusters WHERE cluster_id = ?", [cluster_id]).fetchone()
        return row[0] if row else None

    def languages_of(self, story_id: int) -> set[str | None]:
        return {row[0] for row in self.conn.execute("SELECT language FROM story_clusters WHERE story_id = ?", [story_id])}

    def clusters_in(self, story_id: int) -> int:
        return self.conn.execute("SELECT count(*) FROM story_clusters WHERE story_id = ?", [story_id]).fetchone()[0]

    def move_story(self, story_id: int, into_story_id: int) -> None:
        """Index a story's clusters under another story (the stored rows: ``NewsDatabase.absorb_story``)."""
        self.conn.execute("UPDATE story_clusters SET story_id = ? WHERE story_id = ?", [into_story_id, story_id])

    def candidates(
        self, keys: dict[int, str], published: str | None, min_shared: int = 1
    ) -> tuple[list[StoryCandidate], dict[int, int]]:
        """The clusters of the time window sharing at least ``min_shared`` keys, and for each key
        the number of clusters of the window's days (the periods it touches) holding it, its
        document frequency: counted from the key rows alone, so that only the clusters that
        share enough keys to be candidates are read from ``story_clusters`` (a lookup meets tens
        of clusters sharing one or two keys, and reading each was most of its time).

        A key held by more than ``MAX_CLUSTERS_PER_KEY`` clusters of a period (a year, a country)
        is left out: it would weigh under 1/50 and its rows are what would make a lookup slow.
        """
        if not keys:
            return [], {}
        periods = self.periods_around(published)
        common = set().union(*(self._common.get(period, ()) for period in periods))
        pairs = [(period, key) for period in periods for key in keys if key not in common]
        # One bounded read per (period, key) through the primary key, a few hundred to a statement
        # (SQLite allows 500 terms in a compound select).
        rows = []
        for start in range(0, len(pairs), COMPOUND_TERMS):
            chunk = pairs[start : start + COMPOUND_TERMS]
            sql = " UNION ALL ".join(
                "SELECT * FROM (SELECT period, key, cluster_id FROM story_evidence WHERE period = ? AND key = ?"
                f" LIMIT {MAX_CLUSTERS_PER_KEY + 1})"
                for _ in chunk
            )
            rows += self.conn.execute(sql, [value for pair in chunk for value in pair]).fetchall()
        per_key: dict[int, list[int]] = defaultdict(list)
        per_pair: dict[tuple[int, int], int] = defaultdict(int)
        for period, key, cluster_id in rows:
            per_key[key].append(cluster_id)
            per_pair[period, key] += 1
        for (period, key), count in per_pair.items():
            if count > MAX_CLUSTERS_PER_KEY:
                self._remember_common(period, key)
        per_key = {key: clusters for key, clusters in per_key.items() if len(clusters) <= MAX_CLUSTERS_PER_KEY}
        shared_count: dict[int, int] = defaultdict(int)
        for clusters in per_key.values():
            for cluster_id in clusters:
                shared_count[cluster_id] += 1
        wanted = {cluster_id for cluster_id, count in shared_count.items() if count >= min_shared}
        if not wanted:
            return [], {}
        moment = DedupIndex.timestamp_of(published)
        reach = self.window_hours * 3600
        clusters = {
            row[0]: row
            for row in self.conn.execute(
                f"SELECT cluster_id, story_id, language, published, at, numbers, dates, names FROM story_clusters"
                f" WHERE cluster_id IN ({','.join('?' * len(wanted))}) AND at BETWEEN ? AND ?",
                [*wanted, moment - reach, moment + reach],
            )
        }
        frequency: dict[int, int] = {}
        found: dict[int, StoryCandidate] = {}
        for key, holders in per_key.items():
            frequency[key] = len(holders)
            for cluster_id in holders:
                if cluster_id not in clusters:
                    continue
                candidate = found.get(cluster_id)
                if candidate is None:
                    _c, story_id, language, other_published, _at, n, d, e = clusters[cluster_id]
                    candidate = found[cluster_id] = StoryCandidate(
                        cluster_id, story_id, language, other_published, {"n": n, "d": d, "e": e}
                    )
                candidate.shared[key] = keys[key]
        return list(found.values()), frequency

    def _remember_common(self, period: int, key: int) -> None:
        if period not in self._common:
            self._common[period] = set()
            while len(self._common) > REMEMBERED_PERIODS:
                self._common.popitem(last=False)
        self._common.move_to_end(period)
        self._common[period].add(key)

    def add(
        self, cluster_id: int, story_id: int, language: str | None, published: str | None, keys: dict[int, str]
    ) -> None:
        """Index one new cluster under its story; the caller owns the transaction."""
        sizes = {kind: sum(1 for k in keys.values() if k == kind) for kind in ("n", "d", "e")}
        self.conn.execute(
            "INSERT OR REPLACE INTO story_clusters (cluster_id, story_id, language, published, at, numbers, dates, names)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [cluster_id, story_id, language, published, DedupIndex.timestamp_of(published), sizes["n"], sizes["d"],
             sizes["e"]],
        )
        if keys:
            self.conn.execute(
                "INSERT OR IGNORE INTO story_evidence (period, key, cluster_id) SELECT ?, value, ? FROM json_each(?)",
                [self.period_of(published), cluster_id, "[" + ",".join(map(str, keys)) + "]"],
            )
