"""Hostile sitemaps (tests/hostile_sitemaps.py): each an errors row with its URL and reason, the rest of
the crawl stored, and not one request to another host. The crawl's peak RSS: scripts/bench_sitemaps.py."""

from __future__ import annotations

import sqlite3

import pytest

from crawler import exitcodes
from tests.conftest import run_spider
from tests.hostile_sitemaps import CASES, NESTED_ERROR, HostileSitemaps

# The guard on: only the hostile outlet's address may be fetched, whatever the code under test does.
SETTINGS = ("NEWS_ALLOW_PRIVATE_ADDRESSES=False", "NEWS_ALLOWED_NETWORKS=127.0.0.5/32", "DOWNLOAD_TIMEOUT=20")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("hostile-sitemaps") / "news.db"
    with HostileSitemaps() as web:
        result = run_spider(db_path, [f"sites={web.url('/')}"], *SETTINGS)
        db = sqlite3.connect(db_path)
        yield result, db, web
        db.close()


def reasons(db: sqlite3.Connection, url: str) -> list[str]:
    return [row[0] for row in db.execute("SELECT reason FROM errors WHERE url = ? AND stage = 'sitemap'", [url])]


@pytest.mark.parametrize("path", [path for path, reason in CASES.items() if reason])
def test_each_hostile_sitemap_leaves_an_error_row(hostile, path):
    _, db, web = hostile
    found = reasons(db, web.url(path))
    assert any(CASES[path] in reason for reason in found), found


def test_nesting_stops_at_the_depth_limit(hostile):
    _, db, web = hostile
    path, reason = NESTED_ERROR
    assert any(reason in found for found in reasons(db, web.url(path)))
    assert web.site.hits.get("/nest/4.xml") is None  # never fetched past the limit


def test_the_rest_of_the_crawl_is_stored_and_nothing_else_is_reached(hostile):
    result, db, web = hostile
    assert result.returncode == exitcodes.FAILURES, result.stderr[-3000:]
    assert db.execute("SELECT finish_reason FROM crawl_runs").fetchone() == ("finished",)
    urls = {row[0] for row in db.execute("SELECT url FROM articles")}
    assert urls == {web.url(f"/good/{case}.html") for case in web.STORED}
    assert web.other.hits == {}  # another site's URLs and sitemaps: never requested
    assert not any(path.startswith(("/m/", "/dates/", "/huge/")) for path in web.site.hits)
    assert reasons(db, web.url("/good.xml")) == []
    assert web.site.hits["/self.xml"] == 1


def test_entities_are_never_expanded(hostile):
    _, db, _ = hostile
    assert db.execute("SELECT count(*) FROM feeds WHERE name LIKE '%lol%' OR url LIKE '%lol%'").fetchone() == (0,)
