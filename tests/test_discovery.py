"""crawler/discovery.py: homepages' feed links (trafilatura's rules), robots.txt's Sitemap: lines
(Protego), and what is a feed; fixtures of our own in tests/fixtures/discovery and tests/fixtures/sitemaps."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.discovery import USUAL_FEED_PATHS, feed_links, is_feed, robots_sitemaps, usual_urls

FIXTURES = Path(__file__).parent / "fixtures"
HOME = "https://northgate.example/"


def homepage(name: str) -> str:
    return (FIXTURES / "discovery" / f"{name}.html").read_text(encoding="utf-8")


def test_the_homepage_declared_feeds_without_comments_or_language_alternates():
    assert feed_links(homepage("homepage-links"), HOME) == [
        "https://northgate.example/feed/",
        "https://northgate.example/world/atom.xml",
        "https://northgate.example/index.rdf",
    ]


def test_links_that_look_like_feeds_when_the_head_declares_none():
    assert feed_links(homepage("homepage-anchors"), HOME) == ["https://northgate.example/rss.xml", "https://courier.example/feed"]


def test_a_homepage_without_feeds_gives_none_and_the_usual_paths_are_tried():
    assert feed_links(homepage("homepage-none"), HOME) == []
    assert usual_urls("https://northgate.example/news/", USUAL_FEED_PATHS)[:2] == [
        "https://northgate.example/feed", "https://northgate.example/rss"
    ]  # fmt: skip


def test_robots_sitemap_lines_any_case_relative_without_repeats():
    body = (FIXTURES / "sitemaps" / "robots.txt").read_bytes()
    assert robots_sitemaps(body, "https://northgate.example/robots.txt") == [
        "https://northgate.example/sitemap_index.xml",
        "https://northgate.example/news-sitemap.xml",
        "https://northgate.example/sitemaps/video.xml",
    ]


def test_robots_with_a_bom():
    body = (FIXTURES / "sitemaps" / "robots-bom.txt").read_bytes()
    assert robots_sitemaps(body, "https://northgate.example/robots.txt") == ["https://northgate.example/sitemap.xml"]


@pytest.mark.parametrize(
    "body, expected",
    [
        (b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel></channel></rss>', True),
        (b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- generator -->\n<feed xmlns="http://www.w3.org/2005/Atom">', True),
        (b'<?xml version="1.0"?><?xml-stylesheet href="/rss.xsl"?><rss version="2.0">', True),
        (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><channel/></rdf:RDF>', True),
        (b"<!DOCTYPE html><html><head><title>RSS feeds</title></head></html>", False),
        (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>', False),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": []}', False),
    ],
    ids=["rss", "atom-bom-comment", "stylesheet", "rdf", "html", "sitemap", "json-feed"],
)
def test_is_feed(body, expected):
    assert is_feed(body) is expected
