"""pipelines/canonical.py in real crawls: feeds of one site whose links carry tracking parameters
that vary per feed, pages that declare their own address, feeds served as text/xml without a charset."""

from __future__ import annotations

import sqlite3
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler import exitcodes
from pipelines.canonical import declared_address
from tests.conftest import run_crawl
from tests.hostile_server import HostileWeb, article_html


def story_page(web: HostileWeb, path: str, number: int) -> None:
    """A page that declares its address (``rel=canonical``, or ``og:url`` for odd numbers)."""
    address = web.url(path)
    tag = f'<link rel="canonical" href="{address}">' if number % 2 == 0 else f'<meta property="og:url" content="{address}">'
    web.page(path, article_html(f"Story number {number} of the day", seed=100 + number).replace("<title>", tag + "<title>", 1))


def view_pages(web: HostileWeb) -> None:
    """``/site/view?id=N``: a page chosen by its query, whose address keeps ``?id=N``."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        number = int(parse_qs(urlsplit(handler.path).query)["id"][0])
        address = web.url(f"/site/view?id={number}")
        html = article_html(f"View number {number} of the day", seed=300 + number)
        body = html.replace("<title>", f'<link rel="canonical" href="{address}"><title>', 1).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    web.routes["/site/view"] = answer


def utf8_feed(items: list[tuple[str, str]], title: str) -> bytes:
    """RSS in UTF-8 that says so itself, with French and Arabic titles (served with no charset)."""
    entries = "".join(f"<item><title>{text}</title><link>{link.replace('&', '&amp;')}</link></item>" for link, text in items)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>http://news.invalid/</link>{entries}</channel></rss>"
    ).encode("utf-8")


# Tracking parameters that courlan's list does not know, each feed its own values.
FEED_PARAMS = {
    "en-all": "maca=en-rss-en-all-1573-rdf",
    "en-world": "maca=en-rss-en-world-4025-rdf",
    "brand": "at_audience_id=SS&at_bbc_team=editorial&at_brand=news&at_ptr_type=rss&at_medium=RSS&from=RSS",
}


def serve_feeds(web: HostileWeb, numbers: range) -> list[str]:
    view_pages(web)  # chosen by ?id=, which their address keeps: id is never a tracking parameter
    for number in numbers:
        story_page(web, f"/site/story-{number}.html", number)
    feeds = []
    for name, params in FEED_PARAMS.items():
        items = [(web.url(f"/site/story-{n}.html?{params}"), f"Été {n} — خبر {n}") for n in numbers]
        items += [(web.url(f"/site/view?id={n}&{params}"), f"Vue {n}") for n in numbers]
        # The same page again, its path escaped in lower case here and upper case in the page.
        feeds.append(web.page(f"/feeds/{name}.xml", utf8_feed(items, f"Actualités {name} — أخبار"), "text/xml"))
    return feeds


@pytest.fixture
def site(tmp_path):
    with HostileWeb() as web:
        yield web


def hits_under(web: HostileWeb, prefix: str) -> dict[str, int]:
    return {path: count for path, count in web.hits.items() if path.startswith(prefix)}


def test_one_article_per_page_whatever_the_feeds_tracking_parameters(site, tmp_path):
    db_path = tmp_path / "news.db"
    feeds = serve_feeds(site, range(1, 5))
    first = run_crawl(db_path, ",".join(feeds))
    assert first.returncode == exitcodes.OK, first.stderr[-3000:]
    db = sqlite3.connect(db_path)
    urls = sorted(row[0] for row in db.execute("SELECT url FROM articles"))
    assert urls == sorted([site.url(f"/site/story-{n}.html") for n in range(1, 5)] + [site.url(f"/site/view?id={n}") for n in range(1, 5)])
    # UTF-8 feeds served as text/xml with no charset: no false "feed encoding" row, titles right.
    assert db.execute("SELECT stage, url, reason FROM errors").fetchall() == []
    assert db.execute("SELECT name FROM feeds WHERE url = ?", [feeds[0]]).fetchone() == ("Actualités en-all — أخبار",)
    learned = dict(
        ((site_name, param), (left_out, kept)) for site_name, param, left_out, kept in db.execute("SELECT * FROM site_params")
    )
    host = site.url("").removeprefix("http://")
    assert {param for (_, param), (left_out, kept) in learned.items() if left_out >= 3 and kept == 0} == {
        "maca", "at_audience_id", "at_bbc_team", "at_brand", "at_ptr_type", "from"
    }  # fmt: skip
    assert learned[(host, "id")][1] >= 3  # kept by the pages that it chooses

    # The next day: new stories in every feed, old ones still listed. Each new page is fetched
    # once (its links are stripped before fetching), no old one again.
    site.hits.clear()
    feeds = serve_feeds(site, range(1, 9))
    second = run_crawl(db_path, ",".join(feeds))
    assert second.returncode == exitcodes.OK, second.stderr[-3000:]
    assert hits_under(site, "/site/story-") == {f"/site/story-{n}.html": 1 for n in range(5, 9)}
    assert hits_under(site, "/site/view") == {"/site/view": 4}  # ids 5 to 8, one request each
    assert db.execute("SELECT count(*), count(DISTINCT url) FROM articles").fetchone() == (16, 16)
    assert db.execute("SELECT count(*) FROM errors").fetchone() == (0,)


def test_two_spellings_of_one_escaped_address_are_one_request(site, tmp_path):
    story_page(site, "/ar/%D8%AA%D9%82%D8%B1%D9%8A%D8%B1.html", 2)
    lower = site.url("/ar/%d8%aa%d9%82%d8%b1%d9%8a%d8%b1.html")
    upper = site.url("/ar/%D8%AA%D9%82%D8%B1%D9%8A%D8%B1.html")
    feeds = [site.page(f"/feeds/ar-{n}.xml", utf8_feed([(link, "تقرير")], "أخبار"), "text/xml") for n, link in enumerate((lower, upper))]
    result = run_crawl(tmp_path / "news.db", ",".join(feeds))
    assert result.returncode == exitcodes.OK, result.stderr[-3000:]
    db = sqlite3.connect(tmp_path / "news.db")
    assert db.execute("SELECT url FROM articles").fetchall() == [(upper,)]
    assert hits_under(site, "/ar/") in ({"/ar/%D8%AA%D9%82%D8%B1%D9%8A%D8%B1.html": 1}, {"/ar/تقرير.html": 1})


def test_a_page_cannot_claim_another_sites_address():
    assert declared_address("https://other.example/a", "https://news.example/a?x=1") is None
    assert declared_address("javascript:alert(1)", "https://news.example/a") is None
    assert declared_address("https://news.example/", "https://news.example/2024/a.html") is None  # a theme's home page
    assert declared_address("https://www.news.example/a#top", "https://news.example/a?maca=1") == "https://www.news.example/a"
