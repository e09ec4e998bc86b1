"""The persistent near-duplicate index: MinHash signatures and their LSH bands in SQLite.

Every signed article leaves one row in ``dedup_signatures`` (its signature, shingle count,
cluster and publication time) and one row per band in ``dedup_bands``. Looking up a new
signature reads only the rows whose band keys it shares, through the primary key, so a cron
run starts at once whatever the size of the index: nothing is loaded at start.

The band layout (how many bands, how many rows each) comes from datasketch's own optimiser
for a candidate threshold, so the probability curve is the one datasketch's MinHashLSH would
have; only the storage is ours, because datasketch keeps its LSH in memory or in Redis.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import numpy as np
import xxhash
from datasketch.lsh import _optimal_param

# Signatures are datasketch "affine32" MinHash values.
HASH_DTYPE = np.uint32

# The most candidates read for one lookup: a band shared by thousands of articles is site
# boilerplate, not a story, and reading them all would make one lookup slow.
MAX_CANDIDATES = 500


@dataclass(frozen=True)
class Candidate:
    article_id: int
    cluster_id: int
    published: str | None
    shingles: int
    jaccard: float

    def containment_in(self, shingles: int) -> float:
        """Estimated share of the smaller of the two shingle sets that lies in the other."""
        smaller = min(self.shingles, shingles)
        if smaller <= 0:
            return 0.0
        intersection = self.jaccard / (1 + self.jaccard) * (self.shingles + shingles)
        return min(1.0, intersection / smaller)


def _signed64(value: int) -> int:
    """SQLite integers are signed 64-bit."""
    return value - (1 << 64) if value >= (1 << 63) else value


class DedupIndex:
    """LSH lookups and inserts on an open SQLite connection of the news database.

    >>> index = DedupIndex(conn, num_perm=128, candidate_threshold=0.4)
    >>> index.candidates(hashvalues)  # articles that share at least one band
    """

    def __init__(self, conn: sqlite3.Connection, num_perm: int = 128, candidate_threshold: float = 0.4):
        self.conn = conn
        self.num_perm = num_perm
        self.bands, self.rows = _optimal_param(candidate_threshold, num_perm, 0.5, 0.5)

    def band_keys(self, hashvalues: np.ndarray) -> list[int]:
        if len(hashvalues) != self.num_perm:
            raise ValueError(
                f"signature has {len(hashvalues)} permutations but the index uses {self.num_perm};"
                " NEWS_DEDUP_NUM_PERM must not change once a database has articles"
            )
        values = np.ascontiguousarray(hashvalues, dtype=HASH_DTYPE)
        keys = []
        for band in range(self.bands):
            chunk = values[band * self.rows : (band + 1) * self.rows].tobytes()
            keys.append(_signed64(xxhash.xxh64_intdigest(chunk, seed=band)))
        return keys

    def candidates(self, hashvalues: np.ndarray) -> list[Candidate]:
        """Indexed articles sharing a band with ``hashvalues``, most similar first."""
        keys = self.band_keys(hashvalues)
        placeholders = ",".join("?" * len(keys))
        rows = self.conn.execute(
            f"""
            SELECT s.article_id, s.cluster_id, s.published, s.shingles, s.minhash
            FROM dedup_signatures s
            WHERE s.article_id IN (
                SELECT DISTINCT article_id FROM dedup_bands WHERE band IN ({placeholders}) LIMIT ?
            )
            """,
            [*keys, MAX_CANDIDATES],
        ).fetchall()
        values = np.ascontiguousarray(hashvalues, dtype=HASH_DTYPE)
        found = [
            Candidate(
                article_id=article_id,
                cluster_id=cluster_id,
                published=published,
                shingles=shingles,
                jaccard=float(np.count_nonzero(np.frombuffer(blob, dtype=HASH_DTYPE) == values)) / self.num_perm,
            )
            for article_id, cluster_id, published, shingles, blob in rows
        ]
        found.sort(key=lambda c: c.jaccard, reverse=True)
        return found

    def cluster_of_exact_copy(self, text_hash: str) -> tuple[int, int] | None:
        """(article id, cluster id) of an indexed article with the same normalized text."""
        row = self.conn.execute(
            "SELECT article_id, cluster_id FROM dedup_signatures WHERE text_hash = ? LIMIT 1", [text_hash]
        ).fetchone()
        return (row[0], row[1]) if row else None

    def add(
        self,
        article_id: int,
        cluster_id: int,
        hashvalues: np.ndarray,
        shingles: int,
        text_hash: str | None = None,
        published: str | None = None,
    ) -> None:
        """Index one article (again, if it was); the caller owns the transaction."""
        values = np.ascontiguousarray(hashvalues, dtype=HASH_DTYPE)
        self.conn.execute(
            "INSERT OR REPLACE INTO dedup_signatures (article_id, cluster_id, published, shingles, text_hash, minhash)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [article_id, cluster_id, published, shingles, text_hash, values.tobytes()],
        )
        self.conn.executemany(
            "INSERT OR IGNORE INTO dedup_bands (band, article_id) VALUES (?, ?)",
            [(key, article_id) for key in self.band_keys(values)],
        )
