"""ExtractPipeline with site templates, in real crawls: what one run learns, the next reads by it."""

import json

import sqlite_utils

from tests.conftest import run_crawl
from tests.hostile_server import HostileWeb, rss
from tests.site_pages import article_paragraphs, page


def serve_site(web: HostileWeb, numbers: range) -> str:
    links = [(web.page(f"/news/{number}.html", page(number)), f"n{number}") for number in numbers]
    web.page("/feed.xml", rss(links, title="Harbour Gazette"), "application/rss+xml; charset=utf-8")
    return web.url("/feed.xml")


def last_run_stats(db_path) -> dict:
    row = next(sqlite_utils.Database(db_path).query("SELECT stats FROM crawl_runs ORDER BY id DESC LIMIT 1"))
    return json.loads(row["stats"])


def test_a_site_learned_in_one_run_is_read_by_its_template_in_the_next(tmp_path):
    db_path = tmp_path / "news.db"
    with HostileWeb() as web:
        first = run_crawl(db_path, serve_site(web, range(6)), "NEWS_TEMPLATE_MIN_PAGES=4")
        assert first.returncode == 0, first.stderr[-3000:]
        stats = last_run_stats(db_path)
        assert stats.get("wirecrawl/templates/hit", 0) == 0  # every page is read as the site's first
        assert stats["wirecrawl/templates/new"] == 1 and stats["wirecrawl/templates/learned"] == 5
        second = run_crawl(db_path, serve_site(web, range(6, 10)), "NEWS_TEMPLATE_MIN_PAGES=4")
        assert second.returncode == 0, second.stderr[-3000:]
    stats = last_run_stats(db_path)
    assert stats["wirecrawl/templates/hit"] == 4
    db = sqlite_utils.Database(db_path)
    texts = {row["url"].rsplit("/", 1)[1]: row["text"] for row in db.query("SELECT url, text FROM articles")}
    assert len(texts) == 10
    assert texts["9.html"].splitlines() == article_paragraphs(9)  # read by the template, no chrome
    assert [(row["pages"], row["hits"]) for row in db.query("SELECT pages, hits FROM site_templates")] == [(6, 4)]


def test_templates_off_learns_nothing(tmp_path):
    db_path = tmp_path / "news.db"
    with HostileWeb() as web:
        result = run_crawl(db_path, serve_site(web, range(3)), "NEWS_TEMPLATE_MIN_PAGES=0")
    assert result.returncode == 0, result.stderr[-3000:]
    assert sqlite_utils.Database(db_path)["site_templates"].count == 0
    assert not any(key.startswith("wirecrawl/templates/") for key in last_run_stats(db_path))
