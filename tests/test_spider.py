"""The feeds spider's callbacks, fed with responses built in memory and a real SQLite file."""

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response, XmlResponse

from crawler.spiders.feeds import FeedsSpider
from pipelines.database import news_database
from storage import article_id_for
from tests.conftest import project_crawler

FEED_URL = "https://news.example/rss/monde.xml"

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Le Courrier — Monde</title><link>https://news.example/</link>
<item><title>Irak : retour de 1 905 militaires syriens</title>
  <link>https://news.example/monde/irak.html?utm_source=rss&amp;utm_medium=feed</link>
  <guid>1</guid><pubDate>Thu, 19 Dec 2024 10:00:00 +0100</pubDate></item>
<item><title>Relative</title><link>/monde/relatif.html</link><guid>2</guid></item>
<item><title>Script</title><link>javascript:void(0)</link><guid>3</guid></item>
<item><title>No link</title><guid isPermaLink="false">4</guid></item>
<item><title>Same article again</title><link>https://news.example/monde/irak.html</link><guid>5</guid></item>
</channel></rss>"""


@pytest.fixture
def spider(db_path):
    crawler = project_crawler(db_path, FeedsSpider)
    spider = FeedsSpider.from_crawler(crawler, feeds=FEED_URL)
    crawler.spider = spider
    news_database(crawler).upsert_feeds([{"url": FEED_URL, "name": None}])
    yield spider
    news_database(crawler).close()


def feed_response(body: str | bytes, status: int = 200, headers=None) -> Response:
    request = Request(FEED_URL, meta={"feed_url": FEED_URL})
    body = body.encode("utf-8") if isinstance(body, str) else body
    headers = {"Content-Type": "application/rss+xml; charset=utf-8", **(headers or {})}
    return XmlResponse(FEED_URL, body=body, status=status, headers=headers, request=request)


def errors(spider):
    return news_database(spider.crawler).conn.execute("SELECT stage, url, reason FROM errors ORDER BY id").fetchall()


def test_feed_entries_become_requests_for_canonical_urls(spider):
    requests = list(spider.parse_feed(feed_response(RSS, headers={"ETag": '"v1"'})))
    assert [r.url for r in requests] == ["https://news.example/monde/irak.html", "https://news.example/monde/relatif.html"]
    assert requests[0].meta["feed_published"] == "2024-12-19T09:00:00+00:00"
    assert requests[0].meta["feed_title"] == "Irak : retour de 1 905 militaires syriens"
    assert spider.crawler.stats.get_value("wirecrawl/feeds_ok") == 1


def test_unusable_entries_leave_an_error_row_each(spider):
    list(spider.parse_feed(feed_response(RSS)))
    reasons = [reason for stage, url, reason in errors(spider)]
    assert len(reasons) == 2
    assert "link scheme 'javascript' is not http(s)" in reasons[0]
    assert "entry has no link" in reasons[1]
    assert all(stage == "feed" and url == FEED_URL for stage, url, _ in errors(spider))


def test_stored_articles_are_not_requested_again(spider):
    db = news_database(spider.crawler)
    url = "https://news.example/monde/irak.html"
    db.add_article({"id": article_id_for(url), "url": url, "text": "x", "cluster_id": article_id_for(url)})
    requests = list(spider.parse_feed(feed_response(RSS)))
    assert [r.url for r in requests] == ["https://news.example/monde/relatif.html"]
    assert spider.crawler.stats.get_value("wirecrawl/articles_known") == 1


def test_not_modified_feed_is_counted_not_an_error(spider):
    assert list(spider.parse_feed(feed_response(b"", status=304))) == []
    assert spider.crawler.stats.get_value("wirecrawl/feeds_not_modified") == 1
    assert errors(spider) == []
    status = news_database(spider.crawler).conn.execute("SELECT last_status FROM feeds").fetchone()[0]
    assert status == 304


def test_malformed_feed_yields_what_parses_and_records_why(spider):
    broken = RSS.replace("</channel></rss>", "<item><title>cut off")
    requests = list(spider.parse_feed(feed_response(broken)))
    assert len(requests) == 2
    stage, url, reason = errors(spider)[0]
    assert (stage, url) == ("feed", FEED_URL)
    assert reason.startswith("malformed feed:") and "entries read" in reason


def test_feed_that_is_not_a_feed_fails_with_a_reason(spider):
    response = HtmlResponse(FEED_URL, body=b"<html><body>Maintenance</body></html>", request=Request(FEED_URL, meta={"feed_url": FEED_URL}))
    assert list(spider.parse_feed(response)) == []
    row = news_database(spider.crawler).conn.execute("SELECT consecutive_failures, last_error FROM feeds").fetchone()
    assert row[0] == 1 and row[1].startswith("malformed feed:")
    assert spider.crawler.stats.get_value("wirecrawl/feeds_failed") == 1


@pytest.mark.parametrize(
    "body",
    [
        """<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>a</id>
        <updated>2024-12-19T12:00:00Z</updated><entry><title>T</title><id>x</id>
        <link href="https://news.example/a.html"/><updated>2024-12-19T12:00:00Z</updated></entry></feed>""",
        """<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
        xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
        <channel rdf:about="https://news.example/"><title>A</title><link>https://news.example/</link></channel>
        <item rdf:about="https://news.example/a.html"><title>T</title><link>https://news.example/a.html</link>
        <dc:date>2024-12-19T12:00:00Z</dc:date></item></rdf:RDF>""",
    ],
    ids=["atom", "rss1.0"],
)
def test_atom_and_rss1_feeds(spider, body):
    requests = list(spider.parse_feed(feed_response(body)))
    assert [r.url for r in requests] == ["https://news.example/a.html"]
    assert requests[0].meta["feed_published"] == "2024-12-19T12:00:00+00:00"


def test_validators_are_saved_only_when_every_article_was_fetched(spider):
    list(spider.parse_feed(feed_response(RSS, headers={"ETag": '"v1"', "Last-Modified": "Thu, 19 Dec 2024 10:00:00 GMT"})))
    spider.closed("shutdown")
    db = news_database(spider.crawler)
    assert db.feed_validators(FEED_URL) == (None, None)
    spider.feeds_with_failures.add(FEED_URL)
    spider.closed("finished")
    assert db.feed_validators(FEED_URL) == (None, None)
    spider.feeds_with_failures.clear()
    spider.closed("finished")
    assert db.feed_validators(FEED_URL) == ('"v1"', "Thu, 19 Dec 2024 10:00:00 GMT")


def test_binary_page_is_an_error_not_an_item(spider):
    url = "https://news.example/monde/rapport.pdf"
    request = Request(url, meta={"feed_url": FEED_URL, "canonical_url": url})
    response = Response(url, body=b"%PDF-1.7", headers={"Content-Type": "application/pdf"}, request=request)
    assert list(spider.parse_article(response)) == []
    assert errors(spider) == [("fetch", url, "not a text page (application/pdf)")]


def test_dead_links_are_not_requested_and_links_in_backoff_hold_their_feed_back(spider):
    db = news_database(spider.crawler)
    dead, waiting = "https://news.example/monde/irak.html", "https://news.example/monde/relatif.html"
    for _ in range(3):
        db.article_failures.record(dead, FEED_URL, "HTTP 404", "HTTP 404", 404, dead_after=3)
    db.article_failures.record(waiting, FEED_URL, "HTTP 500", "HTTP 500", 500, backoff_base=600, backoff_cap=86400)
    assert list(spider.parse_feed(feed_response(RSS))) == []
    assert spider.crawler.stats.get_value("wirecrawl/articles_dead") == 1
    assert spider.crawler.stats.get_value("wirecrawl/articles_backoff") == 1
    assert FEED_URL in spider.feeds_with_failures  # the link in backoff is retried from the feed later


def test_learned_tracking_parameters_are_stripped_before_fetching(spider):
    db = news_database(spider.crawler)
    for _ in range(3):
        db.url_params.observe("news.example", {"maca"}, set())
    feed = RSS.replace("irak.html?utm_source=rss&amp;utm_medium=feed", "irak.html?maca=en-rss-1").replace(
        "<link>https://news.example/monde/irak.html</link>", "<link>https://news.example/monde/irak.html?maca=en-rss-2</link>"
    )
    requests = list(spider.parse_feed(feed_response(feed)))
    assert [r.url for r in requests] == ["https://news.example/monde/irak.html", "https://news.example/monde/relatif.html"]
