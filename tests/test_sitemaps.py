"""crawler/sitemaps.py: sitemap bodies in the shapes found in the wild (tests/fixtures/sitemaps, files of
our own in the shapes of ultimate-sitemap-parser's test cases: Google News, BOMs, truncated files,
nested and relative indexes, prefixed or missing namespaces, odd dates)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from crawler.sitemaps import NEWS_SITEMAP, SITEMAP, SITEMAP_INDEX, parse_time, read_sitemap, same_site

FIXTURES = Path(__file__).parent / "fixtures" / "sitemaps"
SINCE = "2024-12-01T00:00:00+00:00"
BASE = "https://northgate.example/sitemap.xml"


def read(name: str, url: str = BASE, since: str | None = SINCE, until: str | None = None, **limits):
    return read_sitemap((FIXTURES / name).read_bytes(), url, since, until, **limits)


def test_google_news_sitemap_gives_publication_time_title_language_and_keywords():
    reading = read("google-news.xml", "https://levant-courier.example/news.xml")
    assert reading.kind == NEWS_SITEMAP and reading.problems == [] and reading.listed == 3
    first, second, third = reading.entries  # oldest first
    assert (first.url, first.published, first.language) == (
        "https://levant-courier.example/culture/2024/12/18/festival.html", "2024-12-18T21:15:00+00:00", "ar"
    )  # fmt: skip
    assert first.title == "مهرجان الربيع يفتتح أبوابه" and not first.from_lastmod  # publication_date wins over lastmod
    assert second.title == "Port traffic up 12% & rising"  # CDATA; the loc's spaces and &amp; read
    assert second.url.startswith("https://levant-courier.example/economy/2024/12/19/port-traffic.html?")
    assert (third.published, third.title, third.keywords) == (
        "2024-12-19T07:30:00+00:00", "Le cabinet adopte le budget de crise", "budget, cabinet, vote"
    )  # fmt: skip


def test_plain_sitemap_times_in_every_form_sites_write():
    reading = read("plain-lastmod.xml")
    assert reading.kind == SITEMAP
    times = {entry.url.rsplit("/", 1)[1]: entry.published for entry in reading.entries}
    assert times == {
        "story-one": "2024-12-19T09:00:00+00:00",  # fractions and an offset
        "story-two": "2024-12-19T11:00:00+00:00",  # a space, no zone: UTC
        "story-three": "2024-12-19T12:00:00+00:00",  # RFC 822
        "story-four": "2024-12-01T00:00:00+00:00",  # a month
        "story-six": "2024-12-19T13:00:00+00:00",  # minutes and Z
    }
    assert all(entry.from_lastmod for entry in reading.entries)
    assert reading.outside_window == 1  # "2024": the first of January, before the window
    assert reading.undated == 1  # no lastmod: nothing says it is in the window
    assert reading.problems == ["1 entries without a usable link, e.g. 'entry has no link'"]  # <url> without <loc>
    # hreflang alternates are not entries of their own
    assert not any("/fr/" in entry.url for entry in reading.entries)


def test_window_bounds_are_inclusive():
    reading = read("plain-lastmod.xml", since="2024-12-19T11:00:00+00:00", until="2024-12-19T12:00:00+00:00")
    assert [entry.url.rsplit("/", 1)[1] for entry in reading.entries] == ["story-two", "story-three"]


def test_index_children_relative_on_subdomains_not_other_sites_and_old_ones_skipped():
    reading = read("index.xml", since="2024-12-10T00:00:00+00:00")
    assert reading.kind == SITEMAP_INDEX and reading.entries == []
    assert [(child.url, child.lastmod) for child in reading.children] == [
        ("https://northgate.example/sitemaps/news.xml.gz", None),
        ("https://northgate.example/sitemaps/2024-12.xml", "2024-12-19T13:00:00+00:00"),
        ("https://northgate.example/sitemaps/relative.xml", "2024-12-18T00:00:00+00:00"),
        ("https://static.northgate.example/sitemaps/video.xml", None),
    ]
    assert reading.outside_window == 1  # 2024-11.xml last changed before the window
    assert reading.problems == ["1 URLs on another site, not read, e.g. 'https://elsewhere.example/sitemap.xml'"]


@pytest.mark.parametrize(
    "name, urls",
    [
        ("truncated-no-close.xml", [f"https://northgate.example/page_{n}.html" for n in range(50)]),
        ("truncated-mid-url.xml", [f"https://northgate.example/page_{n}.html" for n in range(49)]),
        ("truncated-news.xml", ["https://northgate.example/news/first.html", "https://northgate.example/news/second.html"]),
        ("utf8-bom.xml", ["https://northgate.example/news/bom.html"]),
        ("prefixed.xml", ["https://northgate.example/a.html"]),
        ("no-namespace.xml", ["https://northgate.example/b.html"]),
        ("latin1.xml", ["https://northgate.example/c.html"]),
    ],
)
def test_sitemaps_cut_short_or_oddly_written_give_what_they_hold(name, urls):
    reading = read(name)
    assert reading.failure is None
    assert sorted(entry.url for entry in reading.entries) == sorted(urls)


def test_a_latin1_news_title_is_decoded_by_its_declaration():
    assert read("latin1.xml").entries[0].title == "Élections à Genève"


def test_gzipped_sitemap_and_its_limits():
    body = gzip.compress((FIXTURES / "google-news.xml").read_bytes())
    assert len(read_sitemap(body, "https://levant-courier.example/news.xml.gz", SINCE).entries) == 3
    small = read_sitemap(body, "https://levant-courier.example/news.xml.gz", SINCE, max_bytes=1024)
    assert small.failure == "gzipped sitemap larger than 0 MB uncompressed (a gzip bomb?): not read"
    assert read_sitemap(b"\x1f\x8bnot gzip at all", BASE).failure.startswith("sitemap is not valid gzip")
    many = read("truncated-no-close.xml", max_urls=10)
    assert len(many.entries) == 10 and many.problems[0].startswith("sitemap lists more than 10 URLs")


@pytest.mark.parametrize(
    "body, failure",
    [
        (b"", "empty sitemap"),
        (b"<html><body>Not found</body></html>", "not a sitemap: its root element is <html>"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>', "not a sitemap: its root element is <rss>"),
        (b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a "b">]><urlset/>', "refused: the sitemap declares XML entities"),
        (b"User-agent: *\nDisallow: /\n", "not a sitemap"),
    ],
)
def test_what_is_not_a_sitemap_fails_with_a_reason(body, failure):
    reading = read_sitemap(body, BASE)
    assert reading.failure is not None and reading.failure.startswith(failure), reading.failure


def test_times_and_sites():
    assert parse_time("2024-12-19T10:00:00-05:00").isoformat() == "2024-12-19T15:00:00+00:00"
    with pytest.raises(ValueError):
        parse_time("yesterday")
    assert same_site("https://news.northgate.example/a", "https://www.northgate.example/sitemap.xml")
    assert same_site("https://northgate.example/a", "https://www.northgate.example/sitemap.xml")
    assert not same_site("https://northgate.example.evil.example/a", "https://northgate.example/sitemap.xml")
    assert not same_site("http://127.0.0.6:8000/a", "http://127.0.0.5:8000/sitemap.xml")
