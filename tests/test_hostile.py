"""Hostile input: real crawls of tests/hostile_server.py. Every bad case leaves an error row, the crawl goes on.

One crawl reads every hostile feed at once (each lists a good article next to its bad ones);
the good articles must all be stored. A second crawl checks the private-address guard.
"""

from __future__ import annotations

import sqlite3

import pytest

from crawler import exitcodes
from tests.conftest import run_crawl
from tests.hostile_server import HostileWeb


@pytest.fixture(scope="module")
def hostile_web():
    with HostileWeb() as web:
        yield web


@pytest.fixture(scope="module")
def hostile_crawl(hostile_web, tmp_path_factory):
    db_path = tmp_path_factory.mktemp("hostile") / "news.db"
    result = run_crawl(db_path, ",".join(hostile_web.feed_urls()), "DOWNLOAD_TIMEOUT=3")
    db = sqlite3.connect(db_path)
    yield result, db, hostile_web
    db.close()


def errors_for(db: sqlite3.Connection, web: HostileWeb, path: str) -> list[tuple[str, str]]:
    return db.execute("SELECT stage, reason FROM errors WHERE url = ? ORDER BY id", [web.url(path)]).fetchall()


def stored(db: sqlite3.Connection, web: HostileWeb, path: str) -> bool:
    return db.execute("SELECT count(*) FROM articles WHERE url = ?", [web.url(path)]).fetchone()[0] == 1


# (feed or page path, stage, text expected in the reason)
CASES = [
    ("/feeds/malformed-truncated.xml", "feed", "malformed feed:"),
    ("/feeds/not-a-feed.xml", "feed", "malformed feed: text/html is not an XML media type"),
    ("/feeds/empty.xml", "feed", "empty feed"),
    ("/feeds/http-404.xml", "feed", "HTTP 404"),
    ("/feeds/http-410.xml", "feed", "HTTP 410"),
    ("/feeds/http-500.xml", "feed", "HTTP 500"),
    ("/feeds/http-503.xml", "feed", "HTTP 503 (Retry-After: 7200)"),
    ("/feeds/feed-cp1256.xml", "feed", "feed encoding: document declared as utf-8"),
    ("/feeds/feed-latin1.xml", "feed", "feed encoding: document declared as utf-8"),
    ("/feeds/entity-bomb.xml", "feed", "refused: the feed declares XML entities"),
    ("/feeds/external-entity.xml", "feed", "refused: the feed declares XML entities"),
    ("/pages/cp1256-no-charset.html", "extract", "declares no charset but is not valid UTF-8; read as cp1256"),
    ("/pages/latin1-declared-utf8.html", "extract", "declares UTF-8 but is not valid UTF-8; read as cp1252"),
    ("/pages/report.pdf.html", "fetch", "not a text page: PDF served as text/html"),
    ("/pages/image.html", "fetch", "not a text page: binary file"),
    ("/pages/declared-50mb.html", "fetch", "larger than download max size"),
    ("/pages/streamed-50mb.html", "fetch", "DownloadCancelledError"),
    ("/pages/gzip-bomb.html", "fetch", "exceeded DOWNLOAD_MAXSIZE"),
    ("/pages/loop-a.html", "fetch", "redirect loop:"),
    ("/pages/slow-drip.html", "fetch", "took longer than 3.0 seconds"),
    ("/pages/http-404.html", "fetch", "HTTP 404"),
    ("/pages/http-410.html", "fetch", "HTTP 410"),
    ("/pages/http-500.html", "fetch", "HTTP 500"),
    ("/pages/http-503.html", "fetch", "HTTP 503 (Retry-After: 120)"),
    ("/pages/empty.html", "fetch", "empty page"),
]


@pytest.mark.parametrize("path, stage, reason", CASES, ids=[case[0].rsplit("/", 1)[1] for case in CASES])
def test_hostile_case_leaves_an_error_row(hostile_crawl, path, stage, reason):
    _, db, web = hostile_crawl
    rows = errors_for(db, web, path)
    assert any(row_stage == stage and reason in row_reason for row_stage, row_reason in rows), rows


def test_the_log_has_no_warning_about_the_referer_wirecrawl_does_not_send(hostile_crawl):
    result, _, _ = hostile_crawl
    assert "Redirect" in result.stderr or "redirect" in result.stderr  # the web does redirect
    assert "Referer" not in result.stderr


def test_the_crawl_goes_on_and_stores_every_good_article(hostile_crawl):
    result, db, web = hostile_crawl
    assert result.returncode == exitcodes.FAILURES, result.stderr[-3000:]
    readable = [case for case in web.FEEDS if case not in {
        "not-a-feed", "empty", "http-404", "http-410", "http-500", "http-503", "entity-bomb", "external-entity"}]  # fmt: skip
    missing = [case for case in readable if not stored(db, web, f"/good/{case}.html")]
    assert missing == []
    run = db.execute("SELECT finish_reason, feeds_failed, feeds_ok FROM crawl_runs").fetchone()
    assert run == ("finished", 8, len(readable))


def test_wrongly_declared_pages_are_stored_with_their_real_text(hostile_crawl):
    _, db, web = hostile_crawl
    texts = dict(db.execute("SELECT url, text FROM articles").fetchall())
    assert "قال وزير المالية" in texts[web.url("/pages/cp1256-no-charset.html")]
    assert "Élus et habitants se sont réunis à l'hôtel de ville" in texts[web.url("/pages/latin1-declared-utf8.html")]


def test_nothing_of_a_bad_page_is_stored(hostile_crawl):
    _, db, web = hostile_crawl
    for path in ("/pages/report.pdf.html", "/pages/image.html", "/pages/gzip-bomb.html", "/pages/streamed-50mb.html",
                 "/pages/empty.html", "/pages/http-404.html", "/pages/slow-drip.html", "/pages/loop-a.html"):  # fmt: skip
        assert not stored(db, web, path), path


def test_entries_links_and_guids(hostile_crawl):
    _, db, web = hostile_crawl
    reasons = [reason for _, reason in errors_for(db, web, "/feeds/links.xml")]
    assert sum("entry has no link" in reason for reason in reasons) == 2  # no <link>, blank link
    assert any("link scheme 'javascript' is not http(s)" in reason for reason in reasons)
    assert any("link scheme 'data' is not http(s)" in reason for reason in reasons)
    assert stored(db, web, "/pages/relative.html")  # resolved against the feed's URL
    # Duplicate GUIDs: each distinct canonical link is stored once, whatever the GUIDs say.
    assert stored(db, web, "/pages/dup-1.html") and stored(db, web, "/pages/dup-2.html")
    assert db.execute("SELECT count(*) - count(DISTINCT url) FROM articles").fetchone()[0] == 0
    assert web.hits["/pages/dup-1.html"] == 1


def test_entities_are_never_expanded(hostile_crawl):
    _, db, web = hostile_crawl
    names = [row[0] or "" for row in db.execute("SELECT name FROM feeds")]
    assert not any("lol" in name or "root:" in name for name in names)


def test_failing_feeds_back_off(hostile_crawl):
    _, db, web = hostile_crawl
    rows = dict(db.execute("SELECT url, next_attempt FROM feeds WHERE consecutive_failures > 0").fetchall())
    assert len(rows) == 8 and all(rows.values())
    # Retry-After: 7200 waits longer than the first backoff step (10 minutes).
    assert rows[web.url("/feeds/http-503.xml")] > rows[web.url("/feeds/http-404.xml")]


def test_a_second_run_skips_failing_feeds_until_their_next_attempt(hostile_web, tmp_path):
    db_path = tmp_path / "news.db"
    feeds = ",".join(hostile_web.feed_urls(("http-404", "malformed-truncated")))
    first = run_crawl(db_path, feeds)
    assert first.returncode == exitcodes.FAILURES
    second = run_crawl(db_path, feeds)
    assert second.returncode == exitcodes.OK, second.stderr[-3000:]
    db = sqlite3.connect(db_path)
    runs = db.execute("SELECT feeds_failed, feeds_skipped, feeds_ok FROM crawl_runs ORDER BY id").fetchall()
    assert runs == [(1, 0, 1), (0, 1, 1)]
    assert db.execute("SELECT consecutive_failures FROM feeds WHERE url LIKE '%http-404%'").fetchone() == (1,)
    third = run_crawl(db_path, feeds, "NEWS_BACKOFF_BASE=0")  # backoff off: fetched (and failing) again
    assert third.returncode == exitcodes.FAILURES
    assert db.execute("SELECT consecutive_failures FROM feeds WHERE url LIKE '%http-404%'").fetchone() == (2,)


def test_private_addresses_are_refused(hostile_web, tmp_path):
    db_path = tmp_path / "news.db"
    port = hostile_web.server.server_address[1]
    feeds = ",".join([
        hostile_web.url("/feeds/private-targets.xml"),   # allowed through NEWS_ALLOWED_NETWORKS
        f"http://[::1]:{port}/feeds/links.xml",          # not in the allowed network
    ])  # fmt: skip
    result = run_crawl(db_path, feeds, "NEWS_ALLOW_PRIVATE_ADDRESSES=False", "NEWS_ALLOWED_NETWORKS=127.0.0.0/8")
    assert result.returncode == exitcodes.FAILURES, result.stderr[-3000:]
    db = sqlite3.connect(db_path)
    reasons = dict(db.execute("SELECT url, reason FROM errors").fetchall())
    metadata = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
    assert "resolves to private address 169.254.169.254" in reasons[metadata]
    assert reasons[hostile_web.url("/pages/redirect-to-private.html")].startswith("refused: http://10.0.0.1/admin")
    assert "resolves to private address ::1" in reasons[f"http://[::1]:{port}/feeds/links.xml"]
    assert stored(db, hostile_web, "/good/private-targets.html")
    assert hostile_web.hits.get("/pages/redirect-to-private.html") == 1


def test_loopback_feed_is_refused_by_default(hostile_web, tmp_path):
    db_path = tmp_path / "news.db"
    port = hostile_web.server.server_address[1]
    by_name = f"http://localhost:{port}/feeds/links.xml"  # a DNS name that resolves to loopback
    result = run_crawl(db_path, f"{hostile_web.url('/feeds/links.xml')},{by_name}", "NEWS_ALLOW_PRIVATE_ADDRESSES=False")
    assert result.returncode == exitcodes.FAILURES
    db = sqlite3.connect(db_path)
    reasons = dict(db.execute("SELECT url, reason FROM errors WHERE stage = 'feed'").fetchall())
    assert reasons[hostile_web.url("/feeds/links.xml")].startswith("refused: ")
    assert "127.0.0.1 resolves to private address 127.0.0.1" in reasons[hostile_web.url("/feeds/links.xml")]
    assert "localhost resolves to private address" in reasons[by_name]
    assert db.execute("SELECT count(*) FROM articles").fetchone() == (0,)
