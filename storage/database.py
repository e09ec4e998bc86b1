"""The news database: one SQLite file in WAL mode, written in explicit transactions.

Readers (Datasette, a second terminal) never block the crawl and never see half a batch:
the crawl opens a transaction on its first write and commits it when a batch is complete
(``commit``). A killed process leaves the file as of its last commit.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils
import xxhash

from .dedup_index import DedupIndex
from .schema import ensure_schema

ARTICLE_COLUMNS = (
    "id", "url", "fetched_url", "feed_url", "site", "site_name", "title", "text", "description",
    "authors", "tags", "published", "language", "image", "words", "text_hash", "cluster_id",
    "similarity", "fetched", "run_id",
)  # fmt: skip


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def article_id_for(url: str) -> int:
    """A stable id for an article's canonical URL: the same page gets the same id in every run.

    63 bits of xxh64, so it is a positive SQLite integer; at a million articles the chance of
    any two URLs sharing an id is about one in ten million.
    """
    return xxhash.xxh64_intdigest(url.encode("utf-8")) >> 1


def site_of(url: str) -> str:
    """The site an article belongs to: its host (and port), without a leading ``www.``."""
    netloc = urlsplit(url).netloc.lower()
    return netloc.removeprefix("www.")


class NewsDatabase:
    """The crawl's connection to the news database.

    >>> db = NewsDatabase.open("data/news.db")
    >>> db.known_urls(["https://example.com/a"])
    set()
    """

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        ensure_schema(self.db)

    @classmethod
    def open(cls, path: str | Path, timeout: float = 30.0) -> NewsDatabase:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=timeout)
        if str(path) != ":memory:":
            conn.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL never corrupts the file; a power cut may lose the last commits.
        conn.execute("PRAGMA synchronous=NORMAL")
        return cls(conn)

    # --- transactions ---

    def begin(self) -> None:
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("COMMIT")

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def close(self) -> None:
        self.commit()
        self.conn.close()

    def dedup_index(self, num_perm: int = 128, candidate_threshold: float = 0.4) -> DedupIndex:
        return DedupIndex(self.conn, num_perm=num_perm, candidate_threshold=candidate_threshold)

    # --- feeds ---

    def upsert_feeds(self, feeds: Iterable[dict[str, Any]]) -> None:
        """Register feeds by URL; their name, language and country are updated, their state kept."""
        self.begin()
        for feed in feeds:
            self.conn.execute(
                "INSERT INTO feeds (url, name, language, country) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(url) DO UPDATE SET name = coalesce(excluded.name, name),"
                " language = coalesce(excluded.language, language), country = coalesce(excluded.country, country)",
                [feed["url"], feed.get("name"), feed.get("language"), feed.get("country")],
            )

    def feed_validators(self, url: str) -> tuple[str | None, str | None]:
        """The ETag and Last-Modified stored for a feed, for a conditional GET."""
        row = self.conn.execute("SELECT etag, last_modified FROM feeds WHERE url = ?", [url]).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def record_feed_success(self, url: str, status: int, entries: int | None, title: str | None = None) -> None:
        """A feed answered: reset its failures; ``entries`` is None for a 304 (nothing read)."""
        now = utc_now()
        self.begin()
        self.conn.execute(
            "UPDATE feeds SET last_fetched = ?, last_status = ?, last_success = ?, last_error = NULL,"
            " consecutive_failures = 0, entries_seen = coalesce(?, entries_seen), name = coalesce(name, ?)"
            " WHERE url = ?",
            [now, status, now, entries, title, url],
        )

    def save_feed_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self.begin()
        self.conn.execute("UPDATE feeds SET etag = ?, last_modified = ? WHERE url = ?", [etag, last_modified, url])

    def record_feed_failure(self, url: str, reason: str, status: int | None = None) -> None:
        self.begin()
        self.conn.execute(
            "UPDATE feeds SET last_fetched = ?, last_status = ?, last_error = ?,"
            " consecutive_failures = consecutive_failures + 1 WHERE url = ?",
            [utc_now(), status, reason, url],
        )

    # --- articles and clusters ---

    def known_urls(self, urls: Sequence[str]) -> set[str]:
        """The subset of ``urls`` (canonical) already stored."""
        known: set[str] = set()
        for start in range(0, len(urls), 500):
            chunk = list(urls[start : start + 500])
            placeholders = ",".join("?" * len(chunk))
            known.update(row[0] for row in self.conn.execute(f"SELECT url FROM articles WHERE url IN ({placeholders})", chunk))
        return known

    def add_article(self, article: dict[str, Any]) -> bool:
        """Insert one article and count it in its cluster; False if its URL is already stored."""
        record = {column: article.get(column) for column in ARTICLE_COLUMNS}
        for column in ("authors", "tags"):
            if isinstance(record[column], (list, tuple)):
                record[column] = json.dumps(list(record[column]), ensure_ascii=False)
        self.begin()
        cursor = self.conn.execute(
            f"INSERT OR IGNORE INTO articles ({', '.join(ARTICLE_COLUMNS)})"
            f" VALUES ({', '.join('?' * len(ARTICLE_COLUMNS))})",
            [record[column] for column in ARTICLE_COLUMNS],
        )
        if cursor.rowcount == 0:
            return False
        if record["cluster_id"] == record["id"]:
            self.conn.execute(
                "INSERT INTO clusters (id, representative_id, title, first_seen, first_published, last_published, size)"
                " VALUES (?, ?, ?, ?, ?, ?, 1)",
                [record["id"], record["id"], record["title"], record["fetched"], record["published"], record["published"]],
            )
        else:
            self.conn.execute(
                "UPDATE clusters SET size = size + 1,"
                " first_published = min(coalesce(first_published, :p), coalesce(:p, first_published)),"
                " last_published = max(coalesce(last_published, :p), coalesce(:p, last_published))"
                " WHERE id = :cluster",
                {"p": record["published"], "cluster": record["cluster_id"]},
            )
        return True

    # --- errors and runs ---

    def record_error(self, stage: str, url: str | None, reason: str, run_id: int | None = None) -> None:
        """Leave a row a user will find in the ``errors`` table (committed with the next batch)."""
        self.begin()
        self.conn.execute(
            "INSERT INTO errors (run_id, time, stage, url, reason) VALUES (?, ?, ?, ?, ?)",
            [run_id, utc_now(), stage, url, reason],
        )

    def start_run(self) -> int:
        self.begin()
        cursor = self.conn.execute("INSERT INTO crawl_runs (started) VALUES (?)", [utc_now()])
        self.commit()
        return int(cursor.lastrowid)

    def finish_run(self, run_id: int, **fields: Any) -> None:
        fields = {"finished": utc_now(), **fields}
        if isinstance(fields.get("stats"), dict):
            fields["stats"] = json.dumps(fields["stats"], default=str, sort_keys=True)
        assignments = ", ".join(f"{name} = :{name}" for name in fields)
        self.begin()
        self.conn.execute(f"UPDATE crawl_runs SET {assignments} WHERE id = :run_id", {**fields, "run_id": run_id})
        self.commit()
