"""The news database: one SQLite file in WAL mode, written in explicit transactions.

Readers (Datasette, a second terminal) never block the crawl and never see half a batch:
the crawl opens a transaction on its first write and commits it when a batch is complete
(``commit``). A killed process leaves the file as of its last commit.

A write that fails (disk full, read-only file, I/O error) rolls back the whole open
transaction at once and makes the connection refuse every later write (``StorageFailed``),
so no half of a batch (an article without its index rows, or the reverse) can be committed
by whoever commits next. ``on_failure`` lets the crawl stop when that happens.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils
import xxhash

from .article_failures import ArticleFailures, backoff_delay
from .dedup_index import DedupIndex
from .schema import ensure_schema
from .site_lines import BOILERPLATE_CLUSTERS, SiteLines
from .site_templates import SiteTemplates
from .sites import SiteSources
from .url_params import UrlParams

ARTICLE_COLUMNS = (
    "id", "url", "fetched_url", "feed_url", "site", "site_name", "title", "text", "description",
    "authors", "tags", "published", "modified", "language", "image", "words", "text_hash", "cluster_id",
    "similarity", "fetched", "run_id",
)  # fmt: skip


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class StorageFailed(Exception):
    """The database can no longer be written (disk full, read-only, I/O error); stop the crawl."""


class _GuardedConnection(sqlite3.Connection):
    """A connection that, once armed, rolls back at the first failed statement and remembers why.

    Armed after the schema is in place: sqlite-utils probes features with statements that
    are allowed to fail.
    """

    armed = False
    failure: sqlite3.Error | None = None
    on_failure: Callable[[sqlite3.Error], None] | None = None

    def _failed(self, error: sqlite3.Error) -> None:
        if not self.armed:
            return
        if self.in_transaction:
            try:
                super().execute("ROLLBACK")
            except sqlite3.Error:
                pass  # SQLite may already have rolled back (SQLITE_FULL, SQLITE_IOERR)
        first = self.failure is None
        if first:
            self.failure = error
        if first and self.on_failure is not None:
            self.on_failure(error)

    def execute(self, *args: Any, **kwargs: Any) -> sqlite3.Cursor:
        try:
            return super().execute(*args, **kwargs)
        except sqlite3.Error as error:
            self._failed(error)
            raise

    def executemany(self, *args: Any, **kwargs: Any) -> sqlite3.Cursor:
        try:
            return super().executemany(*args, **kwargs)
        except sqlite3.Error as error:
            self._failed(error)
            raise

    def executescript(self, *args: Any, **kwargs: Any) -> sqlite3.Cursor:
        try:
            return super().executescript(*args, **kwargs)
        except sqlite3.Error as error:
            self._failed(error)
            raise

    def commit(self) -> None:
        if self.failure is not None:
            raise StorageFailed(f"the database failed earlier ({self.failure}); nothing more is committed")
        try:
            super().commit()
        except sqlite3.Error as error:
            self._failed(error)
            raise


logger = logging.getLogger(__name__)


class BackgroundCheckpoints:
    """Checkpoint a database's WAL in a thread of its own, after its commits, one at a time.

    >>> checkpoints = BackgroundCheckpoints(db)  # the connection stops checkpointing by itself
    >>> db.commit(); checkpoints.request()
    >>> checkpoints.close()  # waits for a running checkpoint
    """

    def __init__(self, db: NewsDatabase):
        self.db = db
        db.defer_checkpoints()
        self._executor: ThreadPoolExecutor | None = None
        self._running: Future | None = None

    def request(self) -> None:
        """Start a checkpoint, unless one is still running (the next request copies the rest)."""
        if self._running is not None and not self._running.done():
            return
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wal-checkpoint")
        self._running = self._executor.submit(self._checkpoint)

    def _checkpoint(self) -> None:
        try:
            self.db.checkpoint()
        except sqlite3.Error as error:
            # Nothing is lost: the pages stay in the WAL, and the next checkpoint copies them.
            logger.warning("WAL checkpoint failed (the next one will retry): %s", error)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None


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
        # The file's path (None in memory), read once here: checkpoint() runs in other threads,
        # where this connection may not be used.
        self.path = self._file_path()
        self._site_lines: SiteLines | None = None
        self._site_templates: SiteTemplates | None = None
        # Stories joined into others in this process (StoryLinker's rule 5): old id -> new id.
        self._absorbed_stories: dict[int, int] = {}
        self.url_params = UrlParams(conn)
        self.article_failures = ArticleFailures(conn)
        self.site_sources = SiteSources(conn)
        self.db = sqlite_utils.Database(conn)
        ensure_schema(self.db)
        if isinstance(conn, _GuardedConnection):
            conn.armed = True

    @classmethod
    def open(cls, path: str | Path, timeout: float = 30.0) -> NewsDatabase:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=timeout, factory=_GuardedConnection)
        try:
            if str(path) != ":memory:":
                conn.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL never corrupts the file; a power cut may lose the last commits.
            conn.execute("PRAGMA synchronous=NORMAL")
            # 64 MB of page cache: the dedup index's recent days and its unique keys stay in memory.
            conn.execute("PRAGMA cache_size=-65536")
            database = cls(conn)
        except BaseException:
            conn.close()
            raise
        return database

    def check_writable(self) -> None:
        """Raise sqlite3.Error now if the file cannot be written (read-only file or folder, locked)."""
        self.begin()
        try:
            self.conn.execute("INSERT INTO crawl_runs (started) VALUES (NULL)")
        finally:
            self.rollback()

    @property
    def failure(self) -> BaseException | None:
        """The error that made this connection refuse writes, if one did."""
        return getattr(self.conn, "failure", None)

    def set_on_failure(self, callback: Callable[[sqlite3.Error], None]) -> None:
        if isinstance(self.conn, _GuardedConnection):
            self.conn.on_failure = callback

    # --- transactions ---

    def begin(self) -> None:
        if self.failure is not None:
            raise StorageFailed(f"the database failed earlier ({self.failure}); nothing more is written")
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        templates = self._site_templates
        if templates is not None and templates.dirty and self.conn.in_transaction and self.failure is None:
            templates.write()
        if self.conn.in_transaction:
            if self.failure is not None:  # never commit what followed a failed statement
                self.rollback()
                raise StorageFailed(f"the database failed earlier ({self.failure}); nothing more is committed")
            self.conn.execute("COMMIT")

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def defer_checkpoints(self) -> None:
        """Stop this connection from checkpointing the WAL at its commits; call ``checkpoint`` instead.

        SQLite copies the WAL into the database file (and syncs it) in whichever commit passes
        a thousand pages: tens of milliseconds that a crawl would rather spend in a thread.
        """
        self.conn.execute("PRAGMA wal_autocheckpoint=0")

    def checkpoint(self) -> None:
        """Copy committed WAL pages into the database file, from a connection of its own.

        Safe to call from another thread while this connection writes: a PASSIVE checkpoint
        never waits for the writer or for readers (what they still read stays in the WAL for
        the next time). Raises sqlite3.Error if it could not run.
        """
        path = self.path
        if path is None:
            return
        side = sqlite3.connect(path, timeout=5.0, isolation_level=None, check_same_thread=False)
        try:
            side.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        finally:
            side.close()

    def _file_path(self) -> str | None:
        for _seq, name, file in self.conn.execute("PRAGMA database_list"):
            if name == "main":
                return file or None
        return None

    def close(self) -> None:
        try:
            if self.failure is None:
                self.commit()
            else:
                self.rollback()
        finally:
            self.conn.close()

    def dedup_index(
        self, num_perm: int = 128, candidate_threshold: float = 0.15, window_hours: float = 48.0
    ) -> DedupIndex:
        return DedupIndex(self.conn, num_perm, candidate_threshold, window_hours)

    def site_lines(self, threshold: int = BOILERPLATE_CLUSTERS) -> SiteLines:
        """The per-site line model; one instance per database, so every user sees one cache."""
        if getattr(self, "_site_lines", None) is None or self._site_lines.threshold != threshold:
            self._site_lines = SiteLines(self.conn, threshold)
        return self._site_lines

    def site_templates(self) -> SiteTemplates:
        """Each site's learned article templates; one instance per database, one cache."""
        if self._site_templates is None:
            self._site_templates = SiteTemplates(self.conn)
        return self._site_templates

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
            " consecutive_failures = 0, next_attempt = NULL, entries_seen = coalesce(?, entries_seen),"
            " name = coalesce(name, ?) WHERE url = ?",
            [now, status, now, entries, title, url],
        )

    def save_feed_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self.begin()
        self.conn.execute("UPDATE feeds SET etag = ?, last_modified = ? WHERE url = ?", [etag, last_modified, url])

    def record_feed_failure(
        self,
        url: str,
        reason: str,
        status: int | None = None,
        backoff_base: float = 0.0,
        backoff_cap: float = 0.0,
        retry_after: float | None = None,
    ) -> str | None:
        """Count a failure; with a backoff base, the feed is not fetched again before ``next_attempt``.

        The wait is ``backoff_delay`` of its consecutive failures, or the server's Retry-After if
        that is longer (both capped at ``backoff_cap``). Returns ``next_attempt`` (None: no wait).
        """
        self.begin()
        row = self.conn.execute("SELECT consecutive_failures FROM feeds WHERE url = ?", [url]).fetchone()
        failures = (row[0] or 0) + 1 if row else 1
        now = datetime.now(timezone.utc)
        delay = backoff_delay(failures, backoff_base, backoff_cap)
        if retry_after and backoff_base > 0:
            delay = max(delay, min(retry_after, backoff_cap))
        next_attempt = (now + timedelta(seconds=delay)).isoformat(timespec="seconds") if delay > 0 else None
        self.conn.execute(
            "UPDATE feeds SET last_fetched = ?, last_status = ?, last_error = ?,"
            " consecutive_failures = consecutive_failures + 1, next_attempt = ? WHERE url = ?",
            [now.isoformat(timespec="seconds"), status, reason, next_attempt, url],
        )
        return next_attempt

    def feed_next_attempt(self, url: str) -> str | None:
        """When a failing feed may be fetched again (UTC, ISO 8601), or None if it may be now."""
        row = self.conn.execute("SELECT next_attempt FROM feeds WHERE url = ?", [url]).fetchone()
        if not row or not row[0] or row[0] <= utc_now():
            return None
        return row[0]

    # --- articles and clusters ---

    def site_texts(self, site: str) -> Iterator[tuple[int, str]]:
        """(id, text) of every stored article of a site."""
        yield from self.conn.execute("SELECT id, text FROM articles WHERE site = ? ORDER BY id", [site])

    def sites(self) -> list[str]:
        return [row[0] for row in self.conn.execute("SELECT DISTINCT site FROM articles WHERE site IS NOT NULL ORDER BY 1")]

    def replace_text(self, article_id: int, text: str, words: int) -> None:
        """A stored article's cleaner text (the full-text index follows through its triggers)."""
        self.begin()
        self.conn.execute("UPDATE articles SET text = ?, words = ? WHERE id = ?", [text, words, article_id])

    def known_urls(self, urls: Sequence[str]) -> set[str]:
        """The subset of ``urls`` (canonical) already stored: an article's own address, or a link that
        led to an article stored under its page's address (``article_links``)."""
        known: set[str] = set()
        for start in range(0, len(urls), 500):
            chunk = list(urls[start : start + 500])
            placeholders = ",".join("?" * len(chunk))
            known.update(row[0] for row in self.conn.execute(f"SELECT url FROM articles WHERE url IN ({placeholders})", chunk))
            if len(known) < len(urls):
                rows = self.conn.execute(f"SELECT url FROM article_links WHERE url IN ({placeholders})", chunk)
                known.update(row[0] for row in rows)
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
        story_id = article.get("story_id") or record["cluster_id"]
        story_id = self._absorbed_stories.get(story_id, story_id)
        if record["cluster_id"] == record["id"]:
            self.conn.execute(
                "INSERT INTO clusters (id, representative_id, title, first_seen, first_published, last_published, size,"
                " story_id) VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
                [record["id"], record["id"], record["title"], record["fetched"], record["published"], record["published"],
                 story_id],
            )
        else:
            self.conn.execute(
                "UPDATE clusters SET size = size + 1,"
                " first_published = min(coalesce(first_published, :p), coalesce(:p, first_published)),"
                " last_published = max(coalesce(last_published, :p), coalesce(:p, last_published))"
                " WHERE id = :cluster",
                {"p": record["published"], "cluster": record["cluster_id"]},
            )
        self._count_in_story(story_id, record, new_cluster=record["cluster_id"] == record["id"])
        return True

    def _count_in_story(self, story_id: int, record: dict[str, Any], new_cluster: bool) -> None:
        """Count one article in its story's row, created with its first cluster."""
        values = {"story": story_id, "p": record["published"], "lang": record["language"], "new": int(new_cluster)}
        cursor = self.conn.execute(
            "UPDATE stories SET size = size + 1, clusters = clusters + :new,"
            " first_published = min(coalesce(first_published, :p), coalesce(:p, first_published)),"
            " last_published = max(coalesce(last_published, :p), coalesce(:p, last_published)),"
            " languages = CASE WHEN :lang IS NULL OR instr(',' || coalesce(languages, '') || ',', ',' || :lang || ',')"
            " THEN languages ELSE trim(coalesce(languages, '') || ',' || :lang, ',') END"
            " WHERE id = :story",
            values,
        )
        if cursor.rowcount == 0:
            self.conn.execute(
                "INSERT INTO stories (id, representative_id, title, first_seen, first_published, last_published,"
                " languages, clusters, size) VALUES (?, ?, ?, ?, ?, ?, ?, 1, 1)",
                [story_id, record["cluster_id"], record["title"], record["fetched"], record["published"],
                 record["published"], record["language"]],
            )

    def clusters_to_relink(self) -> list[tuple[int, str | None, str, str | None, str | None]]:
        """(cluster, title, text, language, published) of each stored cluster whose evidence is not
        indexed yet (stored before stories), its representative's, in publication order."""
        return self.conn.execute(
            "SELECT s.cluster_id, a.title, a.text, a.language, coalesce(a.published, a.fetched)"
            " FROM story_clusters s JOIN clusters c ON c.id = s.cluster_id JOIN articles a ON a.id = c.representative_id"
            " WHERE s.indexed = 0 ORDER BY coalesce(a.published, a.fetched), s.cluster_id"
        ).fetchall()

    def absorb_story(self, story_id: int, into_story_id: int) -> None:
        """Put a story's clusters under another story and drop its row. Articles of the story not
        yet written (the crawl writes in batches) are written under the other story too."""
        self.begin()
        self._absorbed_stories[story_id] = into_story_id
        self.conn.execute("UPDATE clusters SET story_id = ? WHERE story_id = ?", [into_story_id, story_id])
        self.conn.execute("UPDATE story_clusters SET story_id = ? WHERE story_id = ?", [into_story_id, story_id])
        self._recount_story(story_id)
        if self.conn.execute("SELECT 1 FROM stories WHERE id = ?", [into_story_id]).fetchone():
            self._recount_story(into_story_id)
        elif self.conn.execute("SELECT 1 FROM clusters WHERE story_id = ?", [into_story_id]).fetchone():
            # Its first article is still pending while the absorbed cluster's are stored.
            self._create_story_from_clusters(into_story_id)

    def _create_story_from_clusters(self, story_id: int) -> None:
        self.conn.execute(
            "INSERT INTO stories (id, representative_id, title, first_seen, first_published, last_published, clusters,"
            " size) SELECT :s, representative_id, title, first_seen, first_published, last_published, 0, 0"
            " FROM clusters WHERE story_id = :s ORDER BY first_seen LIMIT 1",
            {"s": story_id},
        )
        self._recount_story(story_id)

    def move_cluster(self, cluster_id: int, story_id: int) -> None:
        """Put a cluster under another story, and recount both stories (a story left empty goes)."""
        old = self.conn.execute("SELECT story_id FROM clusters WHERE id = ?", [cluster_id]).fetchone()
        self.begin()
        self.conn.execute("UPDATE clusters SET story_id = ? WHERE id = ?", [story_id, cluster_id])
        self.conn.execute("UPDATE story_clusters SET story_id = ? WHERE cluster_id = ?", [story_id, cluster_id])
        for story in {story_id, old[0] if old else None} - {None}:
            self._recount_story(story)

    def _recount_story(self, story_id: int) -> None:
        if not self.conn.execute("SELECT 1 FROM clusters WHERE story_id = ?", [story_id]).fetchone():
            self.conn.execute("DELETE FROM stories WHERE id = ?", [story_id])
            return
        self.conn.execute(
            "UPDATE stories SET clusters = (SELECT count(*) FROM clusters WHERE story_id = :s),"
            " size = (SELECT sum(size) FROM clusters WHERE story_id = :s),"
            " first_published = (SELECT min(first_published) FROM clusters WHERE story_id = :s),"
            " last_published = (SELECT max(last_published) FROM clusters WHERE story_id = :s),"
            " languages = (SELECT group_concat(language, ',') FROM (SELECT DISTINCT a.language FROM articles a"
            "  JOIN clusters c ON c.id = a.cluster_id WHERE c.story_id = :s AND a.language IS NOT NULL"
            "  ORDER BY a.language))"
            " WHERE id = :s",
            {"s": story_id},
        )

    # --- errors and runs ---

    def record_error(
        self, stage: str, url: str | None, reason: str, run_id: int | None = None, kind: str | None = None
    ) -> None:
        """Leave a row a user will find in the ``errors`` table (committed with the next batch).

        With a ``kind`` (an article's fetch failures: ``HTTP 404``, ``TimeoutError``...), a URL keeps one
        row per stage and kind: a failure seen before updates its row (time, run, reason) and counts
        it in ``occurrences``, so a link that fails on every run is one row, not one per run.
        """
        self.begin()
        now = utc_now()
        if kind is not None:
            updated = self.conn.execute(
                "UPDATE errors SET run_id = ?, time = ?, reason = ?, occurrences = occurrences + 1"
                " WHERE url = ? AND stage = ? AND kind = ?",
                [run_id, now, reason, url, stage, kind],
            )
            if updated.rowcount:
                return
        self.conn.execute(
            "INSERT INTO errors (run_id, time, stage, url, reason, kind) VALUES (?, ?, ?, ?, ?, ?)",
            [run_id, now, stage, url, reason, kind],
        )

    def start_run(self) -> int:
        self.begin()
        cursor = self.conn.execute("INSERT INTO crawl_runs (started) VALUES (?)", [utc_now()])
        self.commit()
        return int(cursor.lastrowid)

    def finish_run(self, run_id: int, **fields: Any) -> None:
        """Complete a run's row; after a storage failure too (in a transaction of its own), if the file allows."""
        fields = {"finished": utc_now(), **fields}
        if isinstance(fields.get("stats"), dict):
            fields["stats"] = json.dumps(fields["stats"], default=str, sort_keys=True)
        assignments = ", ".join(f"{name} = :{name}" for name in fields)
        if self.conn.in_transaction:
            if self.failure is not None:
                self.rollback()
            else:
                self.conn.execute("COMMIT")
        self.conn.execute("BEGIN IMMEDIATE")
        self.conn.execute(f"UPDATE crawl_runs SET {assignments} WHERE id = :run_id", {**fields, "run_id": run_id})
        self.conn.execute("COMMIT")
