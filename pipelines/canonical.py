"""CanonicalPipeline: an article is keyed by the address its page declares, and its site's tracking
parameters are learned from it.

A page that declares its own address (``rel=canonical``, ``og:url``; read by the extraction
worker) on the site it was fetched from is stored under that address, whatever link led to it:
two links to one page (``?maca=en-rss-1``, ``?maca=en-rss-2``, from two feeds) are one article.
The link is remembered (``article_links``), so later runs know it is stored. A declared address on
another site is not taken: a page cannot claim another site's article; nor is the site's home
page, which some themes declare on every page.

Comparing the link with the declared address also teaches which query parameters the site adds for
tracking (``storage/url_params.py``); the spider strips those from the site's links before fetching.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.exceptions import DropItem

from crawler.urls import canonical_url, params_left_out
from storage import article_id_for, site_of

from .database import news_database

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


def declared_address(declared: str | None, fetched_url: str) -> str | None:
    """The page's declared address, canonical, if it is an http(s) URL on the site it was fetched from
    and not that site's home page."""
    if not declared:
        return None
    try:
        address = canonical_url(declared)
    except ValueError:
        return None
    if not address.startswith(("http://", "https://")) or site_of(address) != site_of(fetched_url):
        return None
    if urlsplit(address).path in ("", "/") and urlsplit(fetched_url).path not in ("", "/"):
        return None
    return address


class CanonicalPipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.db = news_database(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CanonicalPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        link = item["url"]
        address = declared_address(item.get("canonical_url"), item["fetched_url"])
        if address is None:
            return item
        if "?" in link and (params := params_left_out(link, address)) is not None and any(params):
            self.db.begin()
            self.db.url_params.observe(site_of(link), *params)
        if address == link:
            return item
        self.db.begin()
        self.db.url_params.add_link(link, article_id_for(address))
        item["url"] = address
        if self.db.known_urls([address]):
            # Another link to this page was stored, in this run or before: this one is known now too.
            self.crawler.stats.inc_value("wirecrawl/articles_known")
            raise DropItem(f"already stored under its page's address {address}: {link}")
        return item
