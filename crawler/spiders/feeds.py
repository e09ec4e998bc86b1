"""The ``feeds`` spider: read every feed, fetch every article not stored yet.

``scrapy crawl feeds`` crawls the NEWS_FEEDS setting; ``-a feeds=`` takes a feed URL (or
several, comma-separated), a text file of URLs or an OPML file instead. Feeds are fetched
with a conditional GET (the ETag and Last-Modified of the last complete run), so a feed
that has not changed costs one 304 response.
"""

from __future__ import annotations

import calendar
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from typing import Any

import feedparser
import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.feedlist import FeedListError, load_feeds
from crawler.items import ArticleItem
from crawler.urls import UnusableLink, article_link, canonical_url
from pipelines.database import news_database, record_error
from storage import utc_now


# feedparser flags these, but a feed with entries and only these problems was read in full.
BENIGN_FEED_PROBLEMS = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


def _entry_published(entry: Any) -> str | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), tz=timezone.utc).isoformat(timespec="seconds")


def _failure_reason(failure: Failure) -> tuple[str, int | None]:
    response = getattr(failure.value, "response", None)
    if isinstance(response, Response):
        return f"HTTP {response.status}", response.status
    message = str(failure.value).strip() or failure.type.__name__
    return f"{failure.type.__name__}: {message}", None


class FeedsSpider(scrapy.Spider):
    name = "feeds"

    def __init__(self, feeds: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.feeds_argument = feeds
        # Feeds whose validators are saved at the end of the run, and feeds that lost an
        # article to a failed fetch: those are fetched in full next time, to retry it.
        self.validators: dict[str, tuple[str | None, str | None]] = {}
        self.feeds_with_failures: set[str] = set()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        db = news_database(self.crawler)
        try:
            feeds = load_feeds(self.feeds_argument, self.settings.getlist("NEWS_FEEDS"))
        except FeedListError as error:
            record_error(self.crawler, "feeds", self.feeds_argument, str(error))
            return
        db.upsert_feeds(feeds)
        for feed in feeds:
            etag, last_modified = db.feed_validators(feed["url"])
            headers = {}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            yield scrapy.Request(
                feed["url"],
                callback=self.parse_feed,
                errback=self.feed_failed,
                headers=headers,
                dont_filter=True,
                priority=10,  # feeds first: their articles are the crawl's work
                meta={"feed_url": feed["url"], "handle_httpstatus_list": [304]},
            )

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        feed_url = response.meta["feed_url"]
        db = news_database(self.crawler)
        stats = self.crawler.stats
        if response.status == 304:
            stats.inc_value("wirecrawl/feeds_not_modified")
            db.record_feed_success(feed_url, 304, entries=None)
            return
        headers = {"content-location": response.url}
        if content_type := response.headers.get("Content-Type"):
            headers["content-type"] = content_type.decode("latin-1")
        parsed = feedparser.parse(response.body, response_headers=headers)
        if parsed.bozo and not (parsed.entries and isinstance(parsed.bozo_exception, BENIGN_FEED_PROBLEMS)):
            reason = f"malformed feed: {parsed.bozo_exception}"
            if not parsed.entries:
                self._feed_failed(feed_url, reason, response.status)
                return
            # feedparser read some entries all the same: crawl them, and say what was wrong.
            record_error(self.crawler, "feed", feed_url, f"{reason} ({len(parsed.entries)} entries read)")
        stats.inc_value("wirecrawl/feeds_ok")
        db.record_feed_success(feed_url, response.status, entries=len(parsed.entries), title=parsed.feed.get("title"))
        self.validators[feed_url] = (
            _header(response, "ETag"),
            _header(response, "Last-Modified"),
        )
        links: dict[str, Any] = {}
        for entry in parsed.entries:
            try:
                url = canonical_url(article_link(entry.get("link"), response.url))
            except (UnusableLink, ValueError) as error:
                stats.inc_value("wirecrawl/entries_unusable")
                record_error(self.crawler, "feed", feed_url, f"entry {entry.get('id') or entry.get('title')!r}: {error}")
                continue
            links.setdefault(url, entry)
        known = db.known_urls(list(links))
        stats.inc_value("wirecrawl/articles_known", len(known))
        for url, entry in links.items():
            if url in known:
                continue
            yield scrapy.Request(
                url,
                callback=self.parse_article,
                errback=self.article_failed,
                meta={
                    "feed_url": feed_url,
                    "canonical_url": url,
                    "feed_title": entry.get("title"),
                    "feed_published": _entry_published(entry),
                },
            )

    def parse_article(self, response: Response) -> Iterator[ArticleItem]:
        meta = response.meta
        if not isinstance(response, TextResponse):
            content_type = _header(response, "Content-Type") or "no Content-Type"
            self.feeds_with_failures.add(meta["feed_url"])
            record_error(self.crawler, "fetch", meta["canonical_url"], f"not a text page ({content_type})")
            return
        yield ArticleItem(
            url=meta["canonical_url"],
            fetched_url=response.url,
            feed_url=meta["feed_url"],
            feed_title=meta.get("feed_title"),
            feed_published=meta.get("feed_published"),
            fetched=utc_now(),
            content_type=_header(response, "Content-Type"),
            body=response.body,
        )

    def feed_failed(self, failure: Failure) -> None:
        reason, status = _failure_reason(failure)
        self._feed_failed(failure.request.meta["feed_url"], reason, status)

    def _feed_failed(self, feed_url: str, reason: str, status: int | None) -> None:
        self.crawler.stats.inc_value("wirecrawl/feeds_failed")
        news_database(self.crawler).record_feed_failure(feed_url, reason, status)
        record_error(self.crawler, "feed", feed_url, reason)

    def article_failed(self, failure: Failure) -> None:
        meta = failure.request.meta
        reason, _status = _failure_reason(failure)
        self.feeds_with_failures.add(meta["feed_url"])
        record_error(self.crawler, "fetch", meta["canonical_url"], reason)

    def closed(self, reason: str) -> None:
        """Save the feeds' validators, but only for a run that read everything they listed."""
        if reason != "finished":
            return
        db = news_database(self.crawler)
        for feed_url, (etag, last_modified) in self.validators.items():
            if feed_url not in self.feeds_with_failures:
                db.save_feed_validators(feed_url, etag, last_modified)
        db.commit()


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
