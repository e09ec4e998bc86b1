"""The news database's tables, created and migrated with sqlite-utils.

The schema version lives in ``PRAGMA user_version``. ``ensure_schema`` brings any database,
new or old, to ``SCHEMA_VERSION`` by running each missing step of ``MIGRATIONS`` in order, so
a later release adds a function to the list and never edits a shipped one.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

SCHEMA_VERSION = 9


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
    # The persistent near-duplicate index (storage/dedup_index.py). Band rows point at a
    # compact ``doc`` number and lead with the day, so a day's inserts land in one small
    # region of the b-tree and a lookup reads only the days of its time window.
    db.execute(
        "CREATE TABLE dedup_signatures (doc INTEGER PRIMARY KEY, article_id INTEGER NOT NULL UNIQUE,"
        " cluster_id INTEGER NOT NULL, published TEXT, shingles INTEGER NOT NULL, text_hash TEXT,"
        " minhash BLOB NOT NULL)"
    )
    db.execute("CREATE INDEX dedup_signatures_text_hash ON dedup_signatures (text_hash)")
    # The LSH layout is fixed when the first article is indexed: band keys depend on it.
    db.execute("CREATE TABLE dedup_layout (num_perm INTEGER NOT NULL, bands INTEGER NOT NULL, rows INTEGER NOT NULL)")
    db.execute(
        "CREATE TABLE dedup_bands (day INTEGER NOT NULL, band INTEGER NOT NULL, doc INTEGER NOT NULL,"
        " PRIMARY KEY (day, band, doc)) WITHOUT ROWID"
    )
    # What each site repeats on many pages (storage/site_lines.py): one row per site and line.
    db.execute(
        "CREATE TABLE site_lines (site TEXT NOT NULL, line INTEGER NOT NULL, clusters INTEGER NOT NULL,"
        " last_cluster INTEGER, PRIMARY KEY (site, line)) WITHOUT ROWID"
    )


def _feed_backoff_v2(db: sqlite_utils.Database) -> None:
    """Backoff for failing feeds (issue 5): when a feed may be fetched again, and skipped feeds per run."""
    db["feeds"].add_column("next_attempt", str)
    db["crawl_runs"].add_column("feeds_skipped", int)


def _dedup_periods_v3(db: sqlite_utils.Database) -> None:
    """Dedup at scale (issue 4): band rows keyed by one integer, a period of several days times
    2^32 plus a 32-bit band key (about 13 bytes a row instead of 18), and no index on text_hash
    (an exact copy is found through its bands, with similarity 1).

    An index created before keeps its band rows, repacked, and a period of one day; a new one
    gets ``dedup_index.PERIOD_DAYS``.
    """
    db.execute("DROP INDEX IF EXISTS dedup_signatures_text_hash")
    db.execute(
        "CREATE TABLE dedup_bands_v3 (key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (key, doc)) WITHOUT ROWID"
    )
    # The v2 band key's top 32 bits, as band_keys now gives them (>> 32 of the unsigned value).
    db.execute(
        "INSERT OR IGNORE INTO dedup_bands_v3 (key, doc)"
        " SELECT (day << 32) + ((band >> 32) & 4294967295), doc FROM dedup_bands"
    )
    db.execute("DROP TABLE dedup_bands")
    db.execute("ALTER TABLE dedup_bands_v3 RENAME TO dedup_bands")
    db.execute("ALTER TABLE dedup_layout ADD COLUMN period_days INTEGER NOT NULL DEFAULT 1")


def _article_modified_v4(db: sqlite_utils.Database) -> None:
    """When the page says the article was last changed (issue 3); empty for articles stored before."""
    db["articles"].add_column("modified", str)


# FTS5 holds the terms of a transaction's articles in memory and writes them to the index as
# one segment at the commit, or earlier, as several, once they pass its 'hashsize' (1 MB by
# default). A batch of NEWS_STORE_BATCH_SIZE (200) articles passes 1 MB, and the extra
# segments are merged again later: about a quarter of the index's CPU per article, in the
# crawl's main process. 8 MB holds a batch of long articles; it is memory only while a batch
# is open.
FTS_HASHSIZE = 8 * 1024 * 1024


def _fts_hashsize_v5(db: sqlite_utils.Database) -> None:
    """The full-text index flushes one segment per committed batch (see FTS_HASHSIZE)."""
    db.execute(f"INSERT INTO articles_fts (articles_fts, rank) VALUES ('hashsize', {FTS_HASHSIZE})")


def _site_templates_v6(db: sqlite_utils.Database) -> None:
    """Each site's learned article templates (issue 14), as JSON: see pipelines/article/templates.py."""
    db["site_templates"].create(
        {"site": str, "templates": str, "pages": int, "hits": int, "updated": str},
        pk="site",
        not_null={"templates"},
        defaults={"pages": 0, "hits": 0},
    )


def _stories_v7(db: sqlite_utils.Database) -> None:
    """Stories above clusters (issue 16): a story groups the clusters of one event in several
    languages. ``stories`` holds one row per story and ``clusters.story_id`` its clusters; the
    story index (``storage/story_index.py``) holds each cluster's evidence keys.

    Every cluster stored before gets a story of its own, with the cluster's id, and no evidence:
    ``python -m crawler relink`` reads their texts and links them.
    """
    db.execute(
        "CREATE TABLE stories (id INTEGER PRIMARY KEY, representative_id INTEGER, title TEXT, first_seen TEXT,"
        " first_published TEXT, last_published TEXT, languages TEXT, clusters INTEGER NOT NULL DEFAULT 1,"
        " size INTEGER NOT NULL DEFAULT 1)"
    )
    db.execute("ALTER TABLE clusters ADD COLUMN story_id INTEGER REFERENCES stories(id)")
    db.execute("CREATE INDEX clusters_story_id ON clusters (story_id)")
    db.execute(
        "CREATE TABLE story_clusters (cluster_id INTEGER PRIMARY KEY, story_id INTEGER NOT NULL, language TEXT,"
        " published TEXT, at REAL, numbers INTEGER NOT NULL DEFAULT 0, dates INTEGER NOT NULL DEFAULT 0,"
        " names INTEGER NOT NULL DEFAULT 0, indexed INTEGER NOT NULL DEFAULT 1)"
    )
    db.execute("CREATE INDEX story_clusters_story_id ON story_clusters (story_id)")
    db.execute(
        "CREATE TABLE story_evidence (period INTEGER NOT NULL, key INTEGER NOT NULL, cluster_id INTEGER NOT NULL,"
        " PRIMARY KEY (period, key, cluster_id)) WITHOUT ROWID"
    )
    db.execute("UPDATE clusters SET story_id = id")
    db.execute(
        "INSERT INTO stories (id, representative_id, title, first_seen, first_published, last_published, languages,"
        " clusters, size)"
        " SELECT c.id, c.representative_id, c.title, c.first_seen, c.first_published, c.last_published,"
        " (SELECT group_concat(language, ',') FROM (SELECT DISTINCT language FROM articles"
        "  WHERE cluster_id = c.id AND language IS NOT NULL ORDER BY language)), 1, c.size FROM clusters c"
    )
    db.execute(
        "INSERT INTO story_clusters (cluster_id, story_id, language, published, at, indexed)"
        " SELECT c.id, c.id, a.language, coalesce(a.published, a.fetched),"
        " unixepoch(coalesce(a.published, a.fetched)), 0"
        " FROM clusters c LEFT JOIN articles a ON a.id = c.representative_id"
    )


def _links_and_failures_v8(db: sqlite_utils.Database) -> None:
    """Issue 19: tracking parameters learned per site, links that led to an article stored under its
    page's own address, per-article fetch failures (backoff, dead links), and one errors row per
    failure kind and article (``kind``, ``occurrences``) instead of one per run."""
    # storage/url_params.py
    db.execute(
        "CREATE TABLE site_params (site TEXT NOT NULL, param TEXT NOT NULL, left_out INTEGER NOT NULL DEFAULT 0,"
        " kept INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (site, param)) WITHOUT ROWID"
    )
    db.execute("CREATE TABLE article_links (url TEXT PRIMARY KEY, article_id INTEGER NOT NULL)")
    # storage/article_failures.py
    db.execute(
        "CREATE TABLE article_failures (url TEXT PRIMARY KEY, feed_url TEXT, kind TEXT, last_status INTEGER,"
        " last_error TEXT, failures INTEGER NOT NULL DEFAULT 0, first_failed TEXT, last_failed TEXT,"
        " next_attempt TEXT, dead INTEGER NOT NULL DEFAULT 0)"
    )
    db["errors"].add_column("kind", str)
    db["errors"].add_column("occurrences", int, not_null_default=1)
    # A row seen again is updated, so the latest errors are those by time (recent_errors).
    db["errors"].create_index(["time"])


def _sites_v9(db: sqlite_utils.Database) -> None:
    """Issue 18: sites as input (``storage/sites.py``): each site's discovery, and the sources it found
    registered in ``feeds`` with their ``kind`` (``feed``, ``news_sitemap``, ``sitemap``,
    ``sitemap_index``) and ``discovered_from`` (the site, or the sitemap index that listed them);
    a sitemap's ``listed_lastmod`` (its index's lastmod) and ``newest_entry`` (the newest
    publication time it gave in a complete run: a cron run takes only what is newer)."""
    db["feeds"].add_column("kind", str, not_null_default="feed")
    db["feeds"].add_column("discovered_from", str)
    db["feeds"].add_column("listed_lastmod", str)
    db["feeds"].add_column("newest_entry", str)
    db["feeds"].create_index(["discovered_from"])
    db.execute(
        "CREATE TABLE sites (url TEXT PRIMARY KEY, site TEXT NOT NULL, name TEXT, language TEXT, country TEXT,"
        " discovered TEXT, feeds_found INTEGER, sitemaps_found INTEGER, last_error TEXT)"
    )


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _create_v1,
    _feed_backoff_v2,
    _dedup_periods_v3,
    _article_modified_v4,
    _fts_hashsize_v5,
    _site_templates_v6,
    _stories_v7,
    _links_and_failures_v8,
    _sites_v9,
]
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
