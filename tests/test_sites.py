"""Sites as input, news sitemaps and backfill: real crawls of a local web of three outlets
(tests/news_sites.py, 127.0.0.2-4), every request counted at the servers."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

import pytest

from crawler import exitcodes
from crawler.urls import canonical_url
from tests.conftest import run_spider
from tests.news_sites import NewsSites


def stored(db_path) -> dict[str, tuple[str, str]]:
    db = sqlite3.connect(db_path)
    try:
        return {url: (title, published) for url, title, published in db.execute("SELECT url, title, published FROM articles")}
    finally:
        db.close()


def article_hits(web: NewsSites) -> dict[str, int]:
    return {article.url: web.hits(article) for article in web.all_articles()}


@pytest.fixture
def web():
    with NewsSites() as news:
        yield news


def test_a_backfill_takes_every_article_of_its_window_once_and_fetches_nothing_else(web, tmp_path):
    since = (web.now - timedelta(days=6)).date()
    until = (web.now - timedelta(days=3)).date()
    result = run_spider(tmp_path / "news.db", [f"sites={web.site_urls()}", f"since={since}", f"until={until}"])
    assert result.returncode == exitcodes.OK, result.stderr[-3000:]
    expected = {canonical_url(a.url) for a in web.all_articles() if since <= a.published.date() <= until}
    assert len(expected) == 3 * 4  # four days of each of the three outlets
    assert set(stored(tmp_path / "news.db")) == expected
    hits = article_hits(web)
    assert {url for url, count in hits.items() if count} == expected, "an article outside the window was fetched"
    assert all(count == 1 for url, count in hits.items() if url in expected), "an article was fetched twice"
    # The old sitemap's lastmod in the archive index is before the window: not even fetched.
    assert web.sitemap.hits.get("/sitemaps/old.xml") is None


def test_sites_sources_are_discovered_and_registered_with_their_kind(web, tmp_path):
    result = run_spider(tmp_path / "news.db", [f"sites={web.site_urls()}"])
    assert result.returncode == exitcodes.OK, result.stderr[-3000:]
    db = sqlite3.connect(tmp_path / "news.db")
    kinds = {url: (kind, found_from) for url, kind, found_from in db.execute("SELECT url, kind, discovered_from FROM feeds")}
    site, feed, quiet = web.sitemap, web.feed, web.quiet
    assert kinds == {
        site.url("/sitemap_index.xml"): ("sitemap_index", site.url("/")),  # robots.txt's Sitemap: line
        site.url("/news-sitemap.xml.gz"): ("news_sitemap", site.url("/sitemap_index.xml")),
        site.url("/sitemaps/archive-index.xml"): ("sitemap_index", site.url("/sitemap_index.xml")),
        site.url("/sitemaps/recent.xml"): ("sitemap", site.url("/sitemaps/archive-index.xml")),
        feed.url("/feed.xml"): ("feed", feed.url("/")),  # the homepage's <link rel="alternate">
        feed.url("/sitemap.xml"): ("sitemap", feed.url("/")),  # the usual path
        quiet.url("/rss"): ("feed", quiet.url("/")),  # the usual path
    }
    sites = db.execute("SELECT url, feeds_found, sitemaps_found, discovered FROM sites ORDER BY url").fetchall()
    assert [row[:3] for row in sites] == [(site.url("/"), 0, 1), (feed.url("/"), 1, 1), (quiet.url("/"), 1, 0)]
    assert all(row[3] for row in sites)
    assert db.execute("SELECT count(*) FROM errors").fetchone() == (0,)
    # No feed link on the sitemap outlet's homepage: the usual paths were tried, none is a feed.
    assert site.hits.get("/rss") == 1 and feed.hits.get("/rss") is None


def test_cron_runs_take_the_last_days_then_only_what_is_new(web, tmp_path):
    db_path = tmp_path / "news.db"
    first = run_spider(db_path, [f"sites={web.site_urls()}"])
    assert first.returncode == exitcodes.OK, first.stderr[-3000:]
    after_first = article_hits(web)
    articles = stored(db_path)
    # From a sitemap read for the first time, NEWS_SITEMAP_FIRST_DAYS (2) days: the sitemap outlet's
    # two newest; the feeds give all they list (the feed outlet's three days, the quiet outlet's ten).
    sitemap_outlet = {canonical_url(a.url) for a in web.articles["sitemap"] if a.published >= web.now - timedelta(days=2)}
    assert {url for url in articles if url.startswith(web.sitemap.base)} == sitemap_outlet
    assert len([url for url in articles if url.startswith(web.feed.base)]) == 3
    assert len([url for url in articles if url.startswith(web.quiet.base)]) == 10
    # A page without a title or a date of its own keeps the news sitemap's title and time.
    untitled = web.articles["sitemap"][1]
    assert untitled.title not in untitled.host.routes[untitled.path][2].decode()
    assert articles[canonical_url(untitled.url)] == (untitled.title, untitled.published.isoformat())
    robots = web.sitemap.hits["/robots.txt"]
    assert (web.sitemap.hits["/"], robots) == (1, 2)  # Scrapy's robots.txt, and discovery's

    added = web.add_article()
    second = run_spider(db_path, [f"sites={web.site_urls()}"])
    assert second.returncode == exitcodes.OK, second.stderr[-3000:]
    fetched = {url for url, count in article_hits(web).items() if count > after_first.get(url, 0)}
    assert fetched == {a.url for a in added}, "the second run fetched more than the new articles"
    assert set(stored(db_path)) == set(articles) | {canonical_url(a.url) for a in added}
    # Discovered once a day: the second run read the sources it registered, not the homepages.
    assert (web.sitemap.hits["/"], web.sitemap.hits["/robots.txt"]) == (1, robots + 1)  # only Scrapy's
    # The unchanged index answered 304; its news sitemap (listed without a lastmod) was read again.
    db = sqlite3.connect(db_path)
    status = dict(db.execute("SELECT url, last_status FROM feeds").fetchall())
    assert status[web.sitemap.url("/sitemap_index.xml")] == 304
    assert status[web.sitemap.url("/news-sitemap.xml.gz")] == 200
    assert web.sitemap.hits["/sitemaps/recent.xml"] == 1  # its lastmod says it did not change since
    runs = db.execute("SELECT articles_new FROM crawl_runs ORDER BY id").fetchall()
    assert runs == [(len(articles),), (3,)]

    after_second = article_hits(web)
    third = run_spider(db_path, [f"sites={web.site_urls()}"])
    assert third.returncode == exitcodes.OK, third.stderr[-3000:]
    assert article_hits(web) == after_second  # nothing new: no article fetched
    # 304s: the index, its news sitemap (listed without a lastmod), the feed outlet's feed and
    # sitemap, the quiet outlet's feed.
    assert db.execute("SELECT articles_new, feeds_not_modified FROM crawl_runs ORDER BY id DESC").fetchone() == (0, 5)


def test_the_cap_leaves_the_rest_of_a_backfill_for_the_next_run(web, tmp_path):
    db_path = tmp_path / "news.db"
    oldest_first = sorted(web.articles["sitemap"], key=lambda a: a.published)
    # From the oldest article's day: "9 days ago" missed it in the first hour of a UTC day (it is
    # published 9 days and an hour back), and the run stored 9 articles of the 10.
    since = oldest_first[0].published.date()
    arguments = [f"sites={web.sitemap.url('/')}", f"since={since}"]
    counts = []
    for _ in range(3):
        result = run_spider(db_path, arguments, "NEWS_BACKFILL_MAX_PER_SITE=4")
        assert result.returncode == exitcodes.OK, result.stderr[-3000:]
        counts.append(len(stored(db_path)))
        if len(counts) == 1:
            # The news sitemap (two days) is read first; the plain sitemap's entries go oldest first.
            assert canonical_url(oldest_first[0].url) in stored(db_path)
    assert counts == [4, 8, 10]
    assert set(stored(db_path)) == {canonical_url(a.url) for a in oldest_first}
    assert all(count <= 1 for count in article_hits(web).values())


def test_a_feed_backfill_takes_only_its_window(web, tmp_path):
    day = (web.now - timedelta(days=1)).date()
    result = run_spider(tmp_path / "news.db", [f"feeds={web.quiet.url('/rss')}", f"since={day}", f"until={day}"])
    assert result.returncode == exitcodes.OK, result.stderr[-3000:]
    assert set(stored(tmp_path / "news.db")) == {
        canonical_url(a.url) for a in web.articles["quiet"] if a.published.date() == day
    }


def test_a_bad_window_is_an_error_row_and_nothing_is_fetched(web, tmp_path):
    result = run_spider(tmp_path / "news.db", [f"sites={web.site_urls()}", "since=last week"])
    db = sqlite3.connect(tmp_path / "news.db")
    assert "since='last week' is not a date" in db.execute("SELECT reason FROM errors").fetchone()[0]
    assert web.hit_counts() == {}, result.stderr[-3000:]


def test_a_site_with_nothing_to_read_says_so(tmp_path):
    from tests.news_sites import Host

    with Host("127.0.0.2") as empty:
        empty.page("/", "<html><head><title>Nothing</title></head><body><p>Under construction</p></body></html>")
        result = run_spider(tmp_path / "news.db", [f"sites={empty.url('/')}"])
    assert result.returncode in (exitcodes.OK, exitcodes.FAILURES), result.stderr[-3000:]
    db = sqlite3.connect(tmp_path / "news.db")
    stage, url, reason = db.execute("SELECT stage, url, reason FROM errors").fetchone()
    assert (stage, url) == ("discovery", empty.url("/"))
    assert reason.startswith(f"no feed and no sitemap found for site {empty.url('/')}")
    assert db.execute("SELECT discovered FROM sites").fetchone()[0]  # not tried again within the day


def test_window_arguments_are_read_as_instants():
    from crawler.sitemaps import publication_window

    assert publication_window("2024-12-01", None) == ("2024-12-01T00:00:00+00:00", None)
    assert publication_window(None, "2024-12-20T10:00:00+02:00") == (None, "2024-12-20T08:00:00+00:00")
    with pytest.raises(ValueError, match="before since"):
        publication_window("2024-12-20", "2024-12-01")
    assert datetime.fromisoformat(publication_window("2024-12-01", "2024-12-01")[1]).hour == 23


def test_a_feed_named_as_a_sitemap_in_robots_is_read_as_a_feed(tmp_path):
    from tests.hostile_server import article_html, rss
    from tests.news_sites import Host

    with Host("127.0.0.2") as site:
        site.page("/", "<html><head><title>Outlet</title></head><body><p>Front page</p></body></html>")
        site.page("/robots.txt", f"User-agent: *\nSitemap: {site.url('/rss.xml')}\n", "text/plain")
        story = site.page("/story.html", article_html("A story listed by a feed robots.txt names", 5))
        site.page("/rss.xml", rss([(story, "1")]), "application/rss+xml; charset=utf-8")
        result = run_spider(tmp_path / "news.db", [f"sites={site.url('/')}"])
        assert result.returncode == exitcodes.OK, result.stderr[-3000:]
    db = sqlite3.connect(tmp_path / "news.db")
    assert db.execute("SELECT url, kind FROM feeds").fetchall() == [(site.url("/rss.xml"), "feed")]
    assert db.execute("SELECT url FROM articles").fetchall() == [(story,)]


def test_backfilled_copies_join_the_clusters_of_stored_articles(web, tmp_path):
    db_path = tmp_path / "news.db"
    first = run_spider(db_path, [f"sites={web.sitemap.url('/')}"])
    assert first.returncode == exitcodes.OK, first.stderr[-3000:]
    since = (web.now - timedelta(days=3)).date()
    backfill = run_spider(db_path, [f"sites={web.sitemap.url('/')},{web.feed.url('/')}", f"since={since}"])
    assert backfill.returncode == exitcodes.OK, backfill.stderr[-3000:]
    db = sqlite3.connect(db_path)
    # The outlets' pages are copies of one text (tests/hostile_server.article_html): a backfilled copy
    # published within NEWS_DEDUP_WINDOW_HOURS of a stored one joins its cluster.
    joined = db.execute(
        "SELECT count(*) FROM articles a JOIN articles first ON first.id = a.cluster_id"
        " WHERE a.run_id = 2 AND first.run_id = 1"
    ).fetchone()[0]
    assert joined > 0
    window = {canonical_url(a.url) for a in web.articles["sitemap"] + web.articles["feed"] if a.published.date() >= since}
    first_run = {row[0] for row in db.execute("SELECT url FROM articles WHERE run_id = 1")}
    assert {row[0] for row in db.execute("SELECT url FROM articles WHERE run_id = 2")} == window - first_run


def test_a_cron_run_after_a_backfill_of_past_days_takes_what_came_after_them(web, tmp_path):
    db_path = tmp_path / "news.db"
    since, until = (web.now - timedelta(days=6)).date(), (web.now - timedelta(days=3)).date()
    backfill = run_spider(db_path, [f"sites={web.sitemap.url('/')}", f"since={since}", f"until={until}"])
    assert backfill.returncode == exitcodes.OK, backfill.stderr[-3000:]
    cron = run_spider(db_path, [f"sites={web.sitemap.url('/')}"])
    assert cron.returncode == exitcodes.OK, cron.stderr[-3000:]
    # The backfill's sitemaps left newer entries out: they were read in full again, from their mark on.
    assert set(stored(db_path)) == {canonical_url(a.url) for a in web.articles["sitemap"] if a.published.date() >= since}
    assert all(count <= 1 for count in article_hits(web).values())
