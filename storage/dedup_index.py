"""The persistent near-duplicate index: MinHash signatures and their LSH bands in SQLite.

Every signed article leaves one row in ``dedup_signatures`` (its signature, shingle count,
cluster and publication time) and one row per LSH band in ``dedup_bands``, keyed by the
article's period (a week of publication time, ``PERIOD_DAYS``) and a 32-bit key of the band,
packed in one integer (period × 2^32 + band key): a row of about 13 bytes. Looking up a new
signature reads only the band rows of the one or two periods its time window touches, through
the primary key, so a cron run starts at once and a lookup costs the same whatever the size of
the index: nothing is loaded at start, nothing grows in memory.

Why a week: a period's inserts land in one region of the b-tree, which stays in SQLite's
page cache while the period is current (a week of a large crawl is a few tens of MB), and a
±48 h window touches at most two periods, so a lookup is 51 to 102 b-tree seeks. Day periods
made it 255 seeks; no periods at all would scatter every insert over the whole file.

The band layout (how many bands, how many rows each) comes from datasketch's own optimiser
for a candidate threshold, so the probability curve is the one datasketch's MinHashLSH would
have; only the storage is ours, because datasketch keeps its LSH in memory or in Redis.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from .times import parse_time

# Signatures are datasketch "affine32" MinHash values.
HASH_DTYPE = np.uint32

# The most candidates read for one lookup: a band shared by hundreds of articles within a
# few days is a template or site boilerplate, not a story, and reading them all is slow.
MAX_CANDIDATES = 500

SECONDS_PER_DAY = 86400

# The period of a new index; an index keeps the period it was created with (dedup_layout).
PERIOD_DAYS = 7


@dataclass(frozen=True)
class Candidate:
    article_id: int
    cluster_id: int
    published: str | None
    shingles: int
    jaccard: float
    text_hash: str | None = None

    def containment_in(self, shingles: int) -> float:
        """Estimated share of the smaller of the two shingle sets that lies in the other.

        |A ∩ B| = J / (1 + J) · (|A| + |B|), from the estimated Jaccard similarity J.
        """
        smaller = min(self.shingles, shingles)
        if smaller <= 0:
            return 0.0
        intersection = self.jaccard / (1 + self.jaccard) * (self.shingles + shingles)
        return min(1.0, intersection / smaller)


# Odd 64-bit constants of the band-key mix (from splitmix64); changing them orphans stored bands.
_MIX_SEED = np.uint64(0x9E3779B97F4A7C15)
_MIX_BAND = np.uint64(0xBF58476D1CE4E5B9)
_MIX_MULTIPLY = np.uint64(0x94D049BB133111EB)


class DedupIndex:
    """LSH lookups and inserts on an open SQLite connection of the news database.

    >>> index = DedupIndex(conn, num_perm=128, candidate_threshold=0.15, window_hours=48)
    >>> index.candidates(hashvalues, published="2024-12-19T10:00:00+00:00")
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        num_perm: int = 128,
        candidate_threshold: float = 0.15,
        window_hours: float = 48.0,
    ):
        self.conn = conn
        self.num_perm = num_perm
        self.window_hours = window_hours
        self.bands, self.rows, period_days = self._layout(candidate_threshold)
        self.period_seconds = period_days * SECONDS_PER_DAY

    def _layout(self, candidate_threshold: float) -> tuple[int, int, int]:
        """The stored (bands, rows, period_days), or datasketch's optimum for a new index, then stored."""
        row = self.conn.execute("SELECT num_perm, bands, rows, period_days FROM dedup_layout").fetchone()
        if row is not None:
            if row[0] != self.num_perm:
                raise ValueError(
                    f"the dedup index was built with {row[0]} permutations, not {self.num_perm};"
                    " NEWS_DEDUP_NUM_PERM must not change once a database has articles"
                )
            return row[1], row[2], row[3]
        # Imported here: datasketch.lsh brings scipy, a second of start-up a cron run never needs.
        from datasketch.lsh import _optimal_param

        bands, rows = _optimal_param(candidate_threshold, self.num_perm, 0.5, 0.5)
        in_transaction = self.conn.in_transaction
        self.conn.execute(
            "INSERT INTO dedup_layout (num_perm, bands, rows, period_days) VALUES (?, ?, ?, ?)",
            [self.num_perm, bands, rows, PERIOD_DAYS],
        )
        if not in_transaction:
            self.conn.commit()
        return bands, rows, PERIOD_DAYS

    def band_hashes(self, hashvalues: np.ndarray) -> np.ndarray:
        """One 64-bit hash per LSH band: a multiply-xorshift mix of the band's values and number
        (vectorized over the bands: a few microseconds a signature)."""
        if len(hashvalues) != self.num_perm:
            raise ValueError(
                f"signature has {len(hashvalues)} permutations but the index uses {self.num_perm};"
                " NEWS_DEDUP_NUM_PERM must not change once a database has articles"
            )
        values = np.asarray(hashvalues, dtype=np.uint64)[: self.bands * self.rows].reshape(self.bands, self.rows)
        keys = (np.arange(1, self.bands + 1, dtype=np.uint64) * _MIX_BAND) ^ _MIX_SEED
        for column in range(self.rows):
            keys = (keys ^ values[:, column]) * _MIX_MULTIPLY
            keys ^= keys >> np.uint64(31)
        return keys

    def band_keys(self, hashvalues: np.ndarray) -> list[int]:
        """One 32-bit key per LSH band: the top half of its ``band_hashes``.

        Two different bands may share a key by chance (a period of a large crawl holds about a
        million band rows, so about one lookup in forty meets one such stranger); that only adds
        a candidate, which verification then rejects.
        """
        return (self.band_hashes(hashvalues) >> np.uint64(32)).tolist()

    @staticmethod
    def timestamp_of(published: str | None) -> float:
        """Seconds since the epoch of a publication time; now when it is unknown."""
        return (parse_time(published) or datetime.now(timezone.utc)).timestamp()

    def period_of(self, published: str | None) -> int:
        """The period bucket of a publication time (now when it is unknown)."""
        return int(self.timestamp_of(published) // self.period_seconds)

    def periods_around(self, published: str | None) -> list[int]:
        """The periods that the time window around ``published`` touches (one or two for a week)."""
        moment = self.timestamp_of(published)
        reach = self.window_hours * 3600
        first = int((moment - reach) // self.period_seconds)
        last = int((moment + reach) // self.period_seconds)
        return list(range(first, last + 1))

    def candidates(
        self, hashvalues: np.ndarray, published: str | None = None, keys: list[int] | None = None
    ) -> list[Candidate]:
        """Indexed articles of the time window's periods sharing a band with ``hashvalues``, most
        similar first (an exact copy has similarity 1). ``keys``: its ``band_keys``, if known.

        The caller checks the window itself: a period reaches a few days beyond it.
        """
        keys = keys if keys is not None else self.band_keys(hashvalues)
        row_keys = [period << 32 | key for period in self.periods_around(published) for key in keys]
        rows = self.conn.execute(
            f"""
            SELECT s.article_id, s.cluster_id, s.published, s.shingles, s.text_hash, s.minhash
            FROM dedup_signatures s
            WHERE s.doc IN (
                SELECT DISTINCT doc FROM dedup_bands WHERE key IN ({",".join("?" * len(row_keys))}) LIMIT ?
            )
            """,
            [*row_keys, MAX_CANDIDATES],
        ).fetchall()
        if not rows:
            return []
        values = np.ascontiguousarray(hashvalues, dtype=HASH_DTYPE)
        matrix = np.frombuffer(b"".join(row[5] for row in rows), dtype=HASH_DTYPE).reshape(len(rows), -1)
        similarities = np.count_nonzero(matrix == values, axis=1) / self.num_perm
        found = [
            Candidate(row[0], row[1], row[2], row[3], float(similarity), row[4])
            for row, similarity in zip(rows, similarities)
        ]
        found.sort(key=lambda candidate: candidate.jaccard, reverse=True)
        return found

    def add(
        self,
        article_id: int,
        cluster_id: int,
        hashvalues: np.ndarray,
        shingles: int,
        text_hash: str | None = None,
        published: str | None = None,
        keys: list[int] | None = None,
    ) -> None:
        """Index one article (again, if it was); the caller owns the transaction.

        ``keys``: its ``band_keys``, if known."""
        values = np.ascontiguousarray(hashvalues, dtype=HASH_DTYPE)
        # An article indexed again keeps its doc number; its old band rows stay harmless.
        cursor = self.conn.execute(
            "INSERT INTO dedup_signatures (article_id, cluster_id, published, shingles, text_hash, minhash)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (article_id) DO UPDATE SET cluster_id = excluded.cluster_id,"
            " published = excluded.published, shingles = excluded.shingles, text_hash = excluded.text_hash,"
            " minhash = excluded.minhash RETURNING doc",
            [article_id, cluster_id, published, shingles, text_hash, values.tobytes()],
        )
        doc = cursor.fetchone()[0]
        keys = keys if keys is not None else self.band_keys(values)
        # One statement for all the bands: json_each is a third faster than executemany here.
        self.conn.execute(
            "INSERT OR IGNORE INTO dedup_bands (key, doc) SELECT ? + value, ? FROM json_each(?)",
            [self.period_of(published) << 32, doc, "[" + ",".join(map(str, keys)) + "]"],
        )
