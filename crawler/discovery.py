"""From a site to its sources: the feeds its homepage declares and the sitemaps its robots.txt lists.

Everything here reads bodies the ``feeds`` spider fetched through Scrapy (robots.txt, throttling,
the private-address guard, errors and stats); nothing fetches on its own:

* ``feed_links``: the homepage's ``<link rel="alternate">`` feeds (else its links that look like
  feeds), by trafilatura's ``determine_feed``, which parses a string without fetching;
* ``USUAL_FEED_PATHS``: tried when the homepage declares none;
* ``robots_sitemaps``: the ``Sitemap:`` lines of robots.txt, read by Protego (Scrapy's own
  robots.txt parser); ``USUAL_SITEMAP_PATHS`` when it lists none;
* ``is_feed``: whether a candidate really is an RSS, Atom or RDF feed.

``SiteDiscovery`` counts one site's discovery requests still out and what they found, so the
spider knows when a site is done and can say so when it found nothing.
"""

from __future__ import annotations

import logging
import re
import warnings
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from protego import Protego
from urllib3.exceptions import DependencyWarning

from crawler.feedreader import xml_prolog

# A homepage may declare a feed per section: the first ones are the site's main feeds.
MAX_FEEDS_PER_SITE = 10
MAX_SITEMAPS_PER_SITE = 10
USUAL_FEED_PATHS = ("/feed", "/rss", "/rss.xml", "/feed.xml", "/atom.xml", "/index.xml", "/feeds/all.rss")
USUAL_SITEMAP_PATHS = ("/news-sitemap.xml", "/sitemap_news.xml", "/sitemap-news.xml", "/sitemap.xml", "/sitemap_index.xml")
FEED_ROOT = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?(rss|feed|RDF)[\s>/]")

# trafilatura says at debug level why it dropped a link; its module logger is its own.
logging.getLogger("trafilatura.feeds").setLevel(logging.INFO)


def feed_links(html: str, page_url: str) -> list[str]:
    """The feed URLs a homepage declares (absolute), at most MAX_FEEDS_PER_SITE.

    >>> feed_links('<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head>'
    ...            '<body></body></html>', "https://a.example/")
    ['https://a.example/feed.xml']
    """
    with warnings.catch_warnings():
        # trafilatura.feeds imports trafilatura's own downloader (never used here), whose urllib3
        # warns that SOCKS proxies need PySocks. Imported here, not at start: only discovery needs it.
        warnings.simplefilter("ignore", DependencyWarning)
        from trafilatura.feeds import FeedParameters, determine_feed

    host = urlsplit(page_url).hostname or ""
    links = determine_feed(html, FeedParameters(page_url, host, page_url))
    return [link for link in links if link.startswith(("http://", "https://"))][:MAX_FEEDS_PER_SITE]


def robots_sitemaps(body: bytes, robots_url: str) -> list[str]:
    """The sitemaps a robots.txt lists (absolute, without repeats), at most MAX_SITEMAPS_PER_SITE."""
    text = body.decode("utf-8", errors="replace")
    listed = [urljoin(robots_url, url.strip()) for url in Protego.parse(text).sitemaps]
    return [url for url in dict.fromkeys(listed) if url.startswith(("http://", "https://"))][:MAX_SITEMAPS_PER_SITE]


def is_feed(body: bytes) -> bool:
    """Whether a body is an RSS, Atom or RSS 1.0 (RDF) feed: its root element says so.

    >>> is_feed(b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>'), is_feed(b"<html></html>")
    (True, False)
    """
    head = body[:4096]
    prolog = xml_prolog(head)
    start = head.decode("latin-1", errors="ignore").lstrip("\ufeff\r\n\t ")
    rest = start[len(prolog.lstrip("\ufeff\r\n\t ")) :] if prolog else start
    return bool(FEED_ROOT.match(rest.lstrip()))


def usual_urls(base_url: str, paths: tuple[str, ...]) -> list[str]:
    return [urljoin(base_url, path) for path in paths]


@dataclass
class SiteDiscovery:
    """One site's discovery in this run: requests still out, and the sources found."""

    site_url: str
    pending: int = 0
    homepage_answered: bool = False
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    tried: list[str] = field(default_factory=list)  # candidates that were not feeds or sitemaps

    def summary(self) -> str:
        tried = ", ".join(self.tried[:12])
        return f"no feed and no sitemap found for site {self.site_url} (tried: {tried or 'nothing'})"
