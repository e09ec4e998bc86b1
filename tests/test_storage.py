import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from storage import SCHEMA_VERSION, NewsDatabase, SchemaTooNew, article_id_for, site_of


def article(url, cluster_id=None, **fields):
    article_id = article_id_for(url)
    return {
        "id": article_id,
        "url": url,
        "title": "Titre",
        "text": "Le texte de l'article.",
        "cluster_id": cluster_id or article_id,
        "published": "2024-12-19T10:00:00+00:00",
        "fetched": "2024-12-19T10:05:00+00:00",
        "authors": ["Sara"],
        **fields,
    }


def database_at_version(path, version):
    """A database as wirecrawl left it at schema ``version``, to migrate."""
    from storage.schema import MIGRATIONS

    db = sqlite_utils.Database(path)
    for step in MIGRATIONS[:version]:
        step(db)
    db.execute(f"PRAGMA user_version = {version}")
    return db


def test_new_database_has_schema_wal_and_fts(db_path, news_db):
    db = sqlite_utils.Database(db_path)
    assert {"feeds", "articles", "clusters", "crawl_runs", "errors", "dedup_signatures", "dedup_bands"} <= set(
        db.table_names()
    )
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db["articles"].detect_fts() == "articles_fts"


def test_reopening_keeps_rows_and_does_not_migrate_again(db_path):
    db = NewsDatabase.open(db_path)
    db.add_article(article("https://a.example/1"))
    db.close()
    db = NewsDatabase.open(db_path)
    assert db.conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
    db.close()


def test_database_from_a_newer_wirecrawl_is_refused(db_path):
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaTooNew, match="upgrade wirecrawl or point NEWS_DB_PATH at another file"):
        NewsDatabase.open(db_path)


def test_same_url_is_stored_once(news_db):
    assert news_db.add_article(article("https://a.example/1")) is True
    assert news_db.add_article(article("https://a.example/1")) is False
    news_db.commit()
    assert news_db.conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 1
    assert news_db.conn.execute("SELECT size FROM clusters").fetchone()[0] == 1


def test_copies_count_in_their_cluster_and_widen_its_time_span(news_db):
    first = article("https://a.example/1")
    news_db.add_article(first)
    news_db.add_article(article("https://b.example/2", cluster_id=first["id"], published="2024-12-19T12:30:00+00:00"))
    news_db.add_article(article("https://c.example/3", cluster_id=first["id"], published="2024-12-19T08:00:00+00:00"))
    news_db.commit()
    row = news_db.conn.execute(
        "SELECT representative_id, size, first_published, last_published FROM clusters"
    ).fetchone()
    assert row == (first["id"], 3, "2024-12-19T08:00:00+00:00", "2024-12-19T12:30:00+00:00")


def test_uncommitted_batch_is_invisible_to_readers_and_lost_on_rollback(db_path, news_db):
    news_db.add_article(article("https://a.example/1"))
    reader = sqlite3.connect(db_path)
    assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
    news_db.rollback()
    news_db.add_article(article("https://a.example/2"))
    news_db.commit()
    assert [r[0] for r in reader.execute("SELECT url FROM articles")] == ["https://a.example/2"]
    reader.close()


def test_full_text_search_finds_french_and_arabic(news_db):
    news_db.add_article(article("https://a.example/1", text="Retour des militaires syriens, sécurité à Al Qaim"))
    news_db.add_article(article("https://a.example/2", text="عودة الجنود السوريين من العراق"))
    news_db.commit()
    search = "SELECT a.url FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid WHERE articles_fts MATCH ?"
    assert [r[0] for r in news_db.conn.execute(search, ["militaires"])] == ["https://a.example/1"]
    assert [r[0] for r in news_db.conn.execute(search, ["السوريين"])] == ["https://a.example/2"]
    # remove_diacritics: a search typed without accents finds the accented word
    assert [r[0] for r in news_db.conn.execute(search, ["securite"])] == ["https://a.example/1"]


def test_feed_state_conditional_get_and_failures(news_db):
    url = "https://a.example/rss"
    news_db.upsert_feeds([{"url": url, "name": "A", "language": "fr"}])
    assert news_db.feed_validators(url) == (None, None)
    news_db.record_feed_failure(url, "HTTP 503", 503)
    news_db.record_feed_failure(url, "HTTP 503", 503)
    news_db.record_feed_success(url, 200, entries=12, title="Feed title")
    news_db.save_feed_validators(url, '"abc"', "Fri, 20 Dec 2024 18:00:00 GMT")
    news_db.commit()
    row = news_db.conn.execute("SELECT name, consecutive_failures, last_error, entries_seen FROM feeds").fetchone()
    assert row == ("A", 0, None, 12)  # a configured name is not replaced by the feed's title
    assert news_db.feed_validators(url) == ('"abc"', "Fri, 20 Dec 2024 18:00:00 GMT")


def test_errors_and_runs_are_recorded(news_db):
    run_id = news_db.start_run()
    news_db.record_error("fetch", "https://a.example/x", "HTTP 404", run_id)
    news_db.finish_run(run_id, finish_reason="finished", articles_new=3, stats={"x": 1})
    assert news_db.conn.execute("SELECT stage, url, reason, run_id FROM errors").fetchone() == (
        "fetch", "https://a.example/x", "HTTP 404", run_id,
    )
    run = news_db.conn.execute("SELECT finish_reason, articles_new, stats, finished IS NOT NULL FROM crawl_runs").fetchone()
    assert run == ("finished", 3, '{"x": 1}', 1)


def test_article_ids_are_stable_positive_integers():
    assert article_id_for("https://a.example/1") == article_id_for("https://a.example/1")
    assert 0 < article_id_for("https://a.example/1") < 2**63
    assert article_id_for("https://a.example/1") != article_id_for("https://a.example/2")


def test_site_is_host_and_port_without_www():
    assert site_of("https://www.Le-Monde.fr/a") == "le-monde.fr"
    assert site_of("http://127.0.0.1:8701/a") == "127.0.0.1:8701"


def test_v2_dedup_index_with_day_bands_still_finds_its_copies_after_upgrade(db_path):
    """A v2 index keyed bands by day; v3 keys them by period and keeps a v2 index's period at one day."""
    from datetime import datetime

    import numpy as np

    signature = np.random.default_rng(5).integers(0, 2**32, 128, dtype=np.uint32)
    published = "2024-12-19T10:00:00+00:00"
    v2 = database_at_version(db_path, 2)
    v2.execute("INSERT INTO dedup_layout (num_perm, bands, rows) VALUES (128, 51, 2)")
    v2.execute(
        "INSERT INTO dedup_signatures (doc, article_id, cluster_id, published, shingles, text_hash, minhash)"
        " VALUES (1, 42, 42, ?, 300, 'abc', ?)",
        [published, signature.tobytes()],
    )
    # v2 stored the band hashes whole, as signed 64-bit integers.
    keys = [int(key) for key in NewsDatabase.open(":memory:").dedup_index().band_hashes(signature).view(np.int64)]
    day = int(datetime.fromisoformat(published).timestamp() // 86400)
    v2.conn.executemany("INSERT INTO dedup_bands (day, band, doc) VALUES (?, ?, 1)", [(day, key) for key in keys])
    v2.conn.commit()
    v2.close()

    db = NewsDatabase.open(db_path)
    index = db.dedup_index()
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert index.period_seconds == 86400
    found = index.candidates(signature, "2024-12-20T09:00:00+00:00")
    assert [(candidate.article_id, candidate.jaccard) for candidate in found] == [(42, 1.0)]
    db.close()


def test_a_v3_database_gets_the_modified_column_and_keeps_its_articles(db_path):
    v3 = database_at_version(db_path, 3)
    v3["clusters"].insert({"id": 7, "representative_id": 7, "title": "Al Qaim", "size": 1})
    v3["articles"].insert({"id": 7, "url": "https://a.example/1", "title": "Al Qaim", "text": "Retour des soldats.", "cluster_id": 7})
    v3.conn.commit()
    v3.close()

    db = NewsDatabase.open(db_path)
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.conn.execute("SELECT title, modified FROM articles").fetchall() == [("Al Qaim", None)]
    # still searchable: the full-text index kept up with the table
    assert db.conn.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'soldats'").fetchall() == [(7,)]
    db.close()


def test_new_dedup_index_keys_bands_by_week(news_db):
    from storage.dedup_index import PERIOD_DAYS

    index = news_db.dedup_index()
    assert index.period_seconds == PERIOD_DAYS * 86400 == 7 * 86400
    # A ±48 h window touches one or two weeks, never more.
    assert all(1 <= len(index.periods_around(f"2024-12-{day:02d}T12:00:00+00:00")) <= 2 for day in range(1, 31))


def test_deferred_checkpoints_leave_the_wal_to_checkpoint_from_another_thread(db_path):
    import threading

    db = NewsDatabase.open(db_path)
    db.defer_checkpoints()
    size_before = db_path.stat().st_size
    db.begin()
    for number in range(600):  # about 6 MB: well past the 1,000 pages of an automatic checkpoint
        db.add_article(article(f"https://a.example/{number}", text="mot " * 2500))
    db.commit()
    assert db_path.stat().st_size == size_before, "the commit checkpointed by itself"
    assert Path(f"{db_path}-wal").stat().st_size > 4_000_000

    thread = threading.Thread(target=db.checkpoint)
    thread.start()
    thread.join()
    assert db_path.stat().st_size > 4_000_000, "the checkpoint did not copy the WAL into the file"
    reader = sqlite3.connect(db_path)
    assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == 600
    reader.close()
    db.close()


def test_checkpoint_of_an_in_memory_database_does_nothing():
    db = NewsDatabase.open(":memory:")
    assert db.path is None
    db.checkpoint()


def test_the_full_text_index_writes_a_batch_as_one_segment_in_new_and_migrated_databases(db_path, tmp_path):
    from storage.schema import FTS_HASHSIZE

    v4 = database_at_version(tmp_path / "v4.db", 4)
    v4.conn.commit()
    v4.close()
    for path in (db_path, tmp_path / "v4.db"):
        db = NewsDatabase.open(path)
        config = dict(db.conn.execute("SELECT k, v FROM articles_fts_config"))
        assert config["hashsize"] == FTS_HASHSIZE
        db.add_article(article("https://a.example/1", text="Retour de 1.905 militaires syriens à Al Qaim."))
        db.commit()
        assert db.conn.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH '\"Al Qaim\"'").fetchall() == [
            (article_id_for("https://a.example/1"),)
        ]
        db.close()


def test_v5_database_gains_site_templates_and_keeps_its_rows(tmp_path):
    path = tmp_path / "v5.db"
    old = database_at_version(path, 5)
    old["feeds"].insert({"url": "https://a.example/rss", "name": "A"})
    old.conn.close()
    db = NewsDatabase.open(path)
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.conn.execute("SELECT count(*) FROM feeds").fetchone()[0] == 1
    templates = db.site_templates()
    assert templates.get("a.example") == []
    db.begin()
    templates.put("a.example", [{"chain": [["div", [".body"]]], "pages": 3, "hits": 7}])
    db.commit()
    db.close()
    reopened = NewsDatabase.open(path)
    assert reopened.site_templates().get("a.example")[0]["hits"] == 7
    assert reopened.conn.execute("SELECT pages, hits FROM site_templates").fetchone() == (3, 7)
    reopened.close()


def test_v5_database_gains_the_links_failures_and_per_kind_errors_keeping_its_rows(tmp_path):
    v5 = database_at_version(tmp_path / "v5.db", 5)
    v5.execute("INSERT INTO errors (run_id, time, stage, url, reason) VALUES (NULL, '2024-12-19T10:00:00+00:00',"
               " 'fetch', 'https://a.example/gone', 'HTTP 404')")  # fmt: skip
    v5.execute("INSERT INTO feeds (url, etag) VALUES ('https://a.example/rss', '\"v1\"')")
    v5.conn.commit()
    v5.close()
    db = NewsDatabase.open(tmp_path / "v5.db")
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 9
    assert db.conn.execute("SELECT url, reason, kind, occurrences FROM errors").fetchall() == [
        ("https://a.example/gone", "HTTP 404", None, 1)
    ]
    assert db.feed_validators("https://a.example/rss") == ('"v1"', None)
    # The old row has no kind: a new failure of that link starts its own row, counted from there.
    db.record_error("fetch", "https://a.example/gone", "HTTP 404", kind="HTTP 404")
    db.record_error("fetch", "https://a.example/gone", "HTTP 404", kind="HTTP 404")
    assert db.conn.execute("SELECT kind, occurrences FROM errors ORDER BY id").fetchall() == [(None, 1), ("HTTP 404", 2)]
    db.article_failures.record("https://a.example/gone", "https://a.example/rss", "HTTP 404", "HTTP 404", 404)
    db.url_params.observe("a.example", {"maca"}, set())
    db.url_params.add_link("https://a.example/1?maca=x", article_id_for("https://a.example/1"))
    db.add_article(article("https://a.example/1"))
    assert db.known_urls(["https://a.example/1?maca=x", "https://a.example/1", "https://a.example/2"]) == {
        "https://a.example/1?maca=x", "https://a.example/1"
    }  # fmt: skip
    db.close()


def test_a_parameter_is_tracking_once_three_pages_left_it_out_and_none_kept_it(news_db):
    params = news_db.url_params
    for _ in range(2):
        params.observe("a.example", {"maca", "ref"}, {"id"})
    assert params.tracking("a.example") == frozenset()
    params.observe("a.example", {"maca"}, {"id", "ref"})  # one page keeps ref: never tracking
    params.observe("a.example", {"ref"}, set())
    assert params.tracking("a.example") == frozenset({"maca"})
    assert params.tracking("b.example") == frozenset()


def test_v8_database_gains_sites_and_the_kind_of_its_feeds(tmp_path):
    v8 = database_at_version(tmp_path / "v8.db", 8)
    v8.execute("INSERT INTO feeds (url, etag) VALUES ('https://a.example/rss', '\"v1\"')")
    v8.conn.commit()
    v8.close()
    db = NewsDatabase.open(tmp_path / "v8.db")
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 9
    assert db.conn.execute("SELECT kind, discovered_from, newest_entry FROM feeds").fetchall() == [("feed", None, None)]
    assert db.feed_validators("https://a.example/rss") == ('"v1"', None)
    db.begin()
    db.site_sources.upsert([{"url": "https://a.example/", "site": "a.example", "name": "A"}])
    db.site_sources.register([
        {"url": "https://a.example/sitemap.xml", "kind": "sitemap_index", "discovered_from": "https://a.example/"},
        {"url": "https://a.example/news.xml", "discovered_from": "https://a.example/sitemap.xml", "listed_lastmod": None},
    ])  # fmt: skip
    assert db.site_sources.kind("https://a.example/news.xml") == "sitemap"  # not read yet
    db.site_sources.set_kind("https://a.example/news.xml", "news_sitemap")
    db.site_sources.register([{"url": "https://a.example/news.xml", "discovered_from": "https://a.example/sitemap.xml"}])
    assert db.site_sources.kind("https://a.example/news.xml") == "news_sitemap"  # listed again: its kind kept
    assert [source["url"] for source in db.site_sources.sources("https://a.example/")] == ["https://a.example/sitemap.xml"]
    assert db.site_sources.children_to_read("https://a.example/sitemap.xml") == ["https://a.example/news.xml"]
    db.site_sources.advance_newest_entry("https://a.example/news.xml", "2024-12-19T10:00:00+00:00")
    db.site_sources.advance_newest_entry("https://a.example/news.xml", "2024-12-01T10:00:00+00:00")  # a backfill
    assert db.site_sources.newest_entry("https://a.example/news.xml") == "2024-12-19T10:00:00+00:00"
    db.site_sources.record_discovery("https://a.example/", "2024-12-19T11:00:00+00:00", 0, 1, None)
    assert db.site_sources.discovered("https://a.example/") == "2024-12-19T11:00:00+00:00"
    db.close()
