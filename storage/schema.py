"""The news database's tables, created and migrated with sqlite-utils.

The schema version lives in ``PRAGMA user_version``. ``ensure_schema`` brings any database,
new or old, to ``SCHEMA_VERSION`` by running each missing step of ``MIGRATIONS`` in order, so
a later release adds a function to the list and never edits a shipped one.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

SCHEMA_VERSION = 1


def _create_v1(db: sqlite_utils.Database) -> None:
    db["feeds"].create(
        {
            "url": str,
            "name": str,
            "language": str,
            "country": str,
            "etag": str,
            "last_modified": str,
            "last_fetched": str,
            "last_status": int,
            "last_success": str,
            "last_error": str,
            "consecutive_failures": int,
            "entries_seen": int,
        },
        pk="url",
        defaults={"consecutive_failures": 0, "entries_seen": 0},
    )
    db["crawl_runs"].create(
        {
            "id": int,
            "started": str,
            "finished": str,
            "finish_reason": str,
            "feeds_ok": int,
            "feeds_failed": int,
            "feeds_not_modified": int,
            "articles_new": int,
            "articles_known": int,
            "articles_dropped": int,
            "errors": int,
            "stats": str,
        },
        pk="id",
    )
    db["clusters"].create(
        {
            "id": int,
            "representative_id": int,
            "title": str,
            "first_seen": str,
            "first_published": str,
            "last_published": str,
            "size": int,
        },
        pk="id",
        defaults={"size": 1},
    )
    db["articles"].create(
        {
            "id": int,
            "url": str,
            "fetched_url": str,
            "feed_url": str,
            "site": str,
            "site_name": str,
            "title": str,
            "text": str,
            "description": str,
            "authors": str,
            "tags": str,
            "published": str,
            "language": str,
            "image": str,
            "words": int,
            "text_hash": str,
            "cluster_id": int,
            "similarity": float,
            "fetched": str,
            "run_id": int,
        },
        pk="id",
        not_null={"url", "text", "cluster_id"},
        foreign_keys=[
            ("feed_url", "feeds", "url"),
            ("cluster_id", "clusters", "id"),
            ("run_id", "crawl_runs", "id"),
        ],
    )
    db["articles"].create_index(["url"], unique=True)
    db["articles"].create_index(["cluster_id"])
    db["articles"].create_index(["text_hash"])
    db["articles"].create_index(["published"])
    db["articles"].create_index(["site"])
    db["articles"].enable_fts(["title", "text"], create_triggers=True, tokenize="unicode61 remove_diacritics 2")
    db["errors"].create(
        {"id": int, "run_id": int, "time": str, "stage": str, "url": str, "reason": str},
        pk="id",
        foreign_keys=[("run_id", "crawl_runs", "id")],
    )
    db["errors"].create_index(["url"])
    # The persistent near-duplicate index (storage/dedup_index.py). Bands are looked up by
    # key only, so a WITHOUT ROWID table keeps them in one b-tree with no second index.
    db["dedup_signatures"].create(
        {"article_id": int, "cluster_id": int, "published": str, "shingles": int, "text_hash": str, "minhash": bytes},
        pk="article_id",
    )
    db["dedup_signatures"].create_index(["text_hash"])
    db.execute(
        "CREATE TABLE dedup_bands (band INTEGER NOT NULL, article_id INTEGER NOT NULL,"
        " PRIMARY KEY (band, article_id)) WITHOUT ROWID"
    )


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_create_v1]
assert len(MIGRATIONS) == SCHEMA_VERSION


class SchemaTooNew(Exception):
    pass


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create or migrate the tables of ``db`` to ``SCHEMA_VERSION``, each step in one transaction.

    ``db`` must be in autocommit mode (``isolation_level=None``), as ``NewsDatabase`` opens it.
    """
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"{db.conn} has schema version {version}, newer than this wirecrawl ({SCHEMA_VERSION});"
            " upgrade wirecrawl or point NEWS_DB_PATH at another file"
        )
    for step in range(version, SCHEMA_VERSION):
        db.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[step](db)
            db.execute(f"PRAGMA user_version = {step + 1}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
