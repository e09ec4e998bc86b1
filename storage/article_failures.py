"""Articles whose fetch failed: a failure count with backoff, as feeds have, and dead links.

A link that fails is not fetched again before its ``next_attempt`` (``backoff_delay`` of its
failures in a row, or the server's Retry-After if longer). One that answered 404 or 410 on
``dead_after`` tries in a row is dead (a tombstone): never fetched again, and no reason to read its
feed in full. A 5xx, a timeout or a network error is only retried later. A link fetched in the end
loses its row.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

# HTTP statuses that say the page is not there (rather than that the server failed).
GONE_STATUSES = (404, 410)


@dataclass(frozen=True)
class FailureState:
    failures: int
    dead: bool
    next_attempt: str | None  # UTC ISO 8601; None: may be fetched now


def backoff_delay(failures: int, base: float, cap: float) -> float:
    """Seconds a feed or link that failed ``failures`` times in a row is left alone: base × 2^(failures-1), capped.

    >>> [backoff_delay(n, 600, 86400) for n in (1, 2, 3, 8, 9)]
    [600.0, 1200.0, 2400.0, 76800.0, 86400.0]
    """
    if failures <= 0 or base <= 0:
        return 0.0
    return float(min(cap, base * 2 ** min(failures - 1, 62)))


class ArticleFailures:
    """The ``article_failures`` table on an open connection; writes join the caller's transaction."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def states(self, urls: Sequence[str]) -> dict[str, FailureState]:
        """The failure state of those of ``urls`` that failed before."""
        states: dict[str, FailureState] = {}
        for start in range(0, len(urls), 500):
            chunk = list(urls[start : start + 500])
            rows = self.conn.execute(
                f"SELECT url, failures, dead, next_attempt FROM article_failures WHERE url IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            for url, failures, dead, next_attempt in rows:
                states[url] = FailureState(failures, bool(dead), next_attempt)
        return states

    def record(
        self,
        url: str,
        feed_url: str | None,
        kind: str,
        reason: str,
        status: int | None = None,
        dead_after: int = 3,
        backoff_base: float = 0.0,
        backoff_cap: float = 0.0,
        retry_after: float | None = None,
    ) -> FailureState:
        """Count one failed fetch of ``url``; a 404 or 410 on the ``dead_after``-th try in a row makes it dead."""
        row = self.conn.execute("SELECT failures FROM article_failures WHERE url = ?", [url]).fetchone()
        failures = row[0] + 1 if row else 1
        dead = status in GONE_STATUSES and dead_after > 0 and failures >= dead_after
        now = datetime.now(timezone.utc)
        delay = backoff_delay(failures, backoff_base, backoff_cap)
        if retry_after and backoff_base > 0:
            delay = max(delay, min(retry_after, backoff_cap))
        next_attempt = None if dead or delay <= 0 else (now + timedelta(seconds=delay)).isoformat(timespec="seconds")
        stamp = now.isoformat(timespec="seconds")
        self.conn.execute(
            "INSERT INTO article_failures (url, feed_url, kind, last_status, last_error, failures, first_failed,"
            " last_failed, next_attempt, dead) VALUES (:url, :feed, :kind, :status, :reason, :failures, :now, :now, :next, :dead)"
            " ON CONFLICT (url) DO UPDATE SET feed_url = coalesce(:feed, feed_url), kind = :kind, last_status = :status,"
            " last_error = :reason, failures = :failures, last_failed = :now, next_attempt = :next, dead = :dead",
            {"url": url, "feed": feed_url, "kind": kind, "status": status, "reason": reason, "failures": failures,
             "now": stamp, "next": next_attempt, "dead": int(dead)},
        )  # fmt: skip
        return FailureState(failures, dead, next_attempt)

    def clear(self, url: str) -> None:
        """``url`` was fetched: its failures are forgotten."""
        self.conn.execute("DELETE FROM article_failures WHERE url = ?", [url])
