"""The ``feeds`` spider: read every feed, fetch every article not stored yet.

``scrapy crawl feeds`` crawls the NEWS_FEEDS setting; ``-a feeds=`` takes a feed URL (or
several, comma-separated), a text file of URLs or an OPML file instead. Feeds are fetched
with a conditional GET (the ETag and Last-Modified of the last complete run), so a feed
that has not changed costs one 304 response. A feed that failed in the last runs is skipped
until its ``next_attempt`` (NEWS_BACKOFF_BASE, NEWS_BACKOFF_MAX).

Feeds and pages are untrusted input: a feed that declares XML entities is refused before it
is parsed (entity-expansion bombs, external entities), and an empty or binary body is an
error row, not an article.
"""

from __future__ import annotations

import asyncio
import gc
import re
import sys
from collections.abc import AsyncIterator, Iterator
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import CannotResolveHostError
from scrapy.http import Response, TextResponse
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from crawler.feedlist import FeedListError, load_feeds
from crawler.feedreader import FeedEntry, FeedReaderPool, FeedReading, read_feed
from crawler.items import ArticleItem
from crawler.middlewares import RefusedURL
from crawler.resolver import refusal_for
from crawler.urls import without_params
from pipelines.database import news_database, record_error
from storage import site_of, utc_now


# The start of a file in a binary format (PDF, images, archives, office documents, media).
BINARY_SIGNATURES = (
    b"%PDF-", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"BZh", b"\xfd7zXZ",
    b"\xd0\xcf\x11\xe0", b"RIFF", b"OggS", b"ID3", b"\x00\x00\x00", b"7z\xbc\xaf", b"Rar!", b"\x7fELF",
)  # fmt: skip
ENTITY_DECLARATION = re.compile(r"<!ENTITY", re.IGNORECASE)
ROOT_ELEMENT = re.compile(r"<[A-Za-z_]")


def _xml_prolog(body: bytes) -> str:
    """The text before a feed's root element (where a DOCTYPE and its entities must be), decoded."""
    head = body[: 1 << 20]
    encoding = "latin-1"
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")) or head[:4] in (b"<\x00\x00\x00", b"\x00\x00\x00<"):
        encoding = "utf-32-le" if head[:1] in (b"\xff", b"<") else "utf-32-be"
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:2] in (b"<\x00", b"\x00<"):
        encoding = "utf-16-le" if head[:1] in (b"\xff", b"<") else "utf-16-be"
    text = head.decode(encoding, errors="ignore").lstrip("\ufeff")
    root = ROOT_ELEMENT.search(text)
    return text[: root.start()] if root else text


def _binary_kind(body: bytes) -> str | None:
    """Why a body is not text, or None: a known binary signature, or NUL bytes early on."""
    head = body[:4096].lstrip()
    if head.startswith(b"%PDF-"):
        return "PDF"
    if head.startswith(BINARY_SIGNATURES):
        return "binary file"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary data"
    return None


GIL_SWITCH_INTERVAL = 0.001
# A feed's article requests go out in runs of this many, the reactor free in between.
REQUESTS_BETWEEN_BREAKS = 20


def _retry_after(response: Response | None) -> float | None:
    """Seconds the server asked to wait (Retry-After: seconds or an HTTP date), if it did."""
    if response is None or not (value := _header(response, "Retry-After")):
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _refused_connection(failure: Failure) -> str | None:
    """Why the resolver refused to connect (a name that rebound to a private address), if it did."""
    if not failure.check(CannotResolveHostError, DNSLookupError):
        return None
    return refusal_for(urlsplit(failure.request.url).hostname or "")


def _failure_kind(failure: Failure, status: int | None) -> str:
    """What kind of failure it was, for one errors row per kind and article: ``HTTP 404``,
    ``refused``, ``TimeoutError``..."""
    if isinstance(failure.value, RefusedURL) or _refused_connection(failure):
        return "refused"
    return f"HTTP {status}" if status is not None else failure.type.__name__


def _failure_reason(failure: Failure) -> tuple[str, int | None]:
    if isinstance(failure.value, RefusedURL):
        return str(failure.value), None
    if refused := _refused_connection(failure):
        return refused, None
    response = getattr(failure.value, "response", None)
    if isinstance(response, Response):
        reason = f"HTTP {response.status}"
        if retry_after := _header(response, "Retry-After"):
            reason += f" (Retry-After: {retry_after[:100]})"
        return reason, response.status
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
        # Feeds are read in a process of their own (crawler/feedreader.py).
        self.feed_reader = FeedReaderPool()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> FeedsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        return spider

    def request_dropped(self, request: scrapy.Request) -> None:
        """A redirect back to a URL already fetched in this run is a redirect loop: say so."""
        redirects = request.meta.get("redirect_urls")
        if not redirects or "canonical_url" not in request.meta and "feed_url" not in request.meta:
            return
        chain = " -> ".join([*redirects, request.url])
        reason = f"redirect loop: {chain[:500]}"
        if "canonical_url" in request.meta:
            self._article_failed(request.meta, reason, "redirect loop", None)
        else:
            self._feed_failed(request.meta["feed_url"], reason, None)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # Everything built so far (modules, Scrapy's components, the pipelines) lives as long
        # as the crawl: out of the collector's sight, a full collection scans only the crawl's
        # own objects, in tens of milliseconds instead of a 100-300 ms reactor stall (make bench).
        # (No gc.collect() first: it would be such a stall; what little garbage is frozen stays.)
        gc.freeze()
        # The reactor shares the GIL with a few threads (the feed reader's pool, the WAL
        # checkpoints). Each time it lets go of the GIL (every socket call) a busy thread may keep
        # it for up to the switch interval, 5 ms by default; at 1 ms the reactor gets it back sooner.
        sys.setswitchinterval(GIL_SWITCH_INTERVAL)
        db = news_database(self.crawler)
        try:
            feeds = load_feeds(self.feeds_argument, self.settings.getlist("NEWS_FEEDS"))
        except FeedListError as error:
            record_error(self.crawler, "feeds", self.feeds_argument, str(error))
            return
        db.upsert_feeds(feeds)
        backoff = self.settings.getfloat("NEWS_BACKOFF_BASE") > 0
        for feed in feeds:
            if backoff and (next_attempt := db.feed_next_attempt(feed["url"])):
                self.crawler.stats.inc_value("wirecrawl/feeds_skipped")
                self.logger.info("Skipping %s until %s: it failed in the last runs (backoff)", feed["url"], next_attempt)
                continue
            etag, last_modified = db.feed_validators(feed["url"])
            headers = {}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            yield scrapy.Request(
                feed["url"],
                callback=self.parse_feed_async,
                errback=self.feed_failed,
                headers=headers,
                dont_filter=True,
                priority=10,  # feeds first: their articles are the crawl's work
                meta={"feed_url": feed["url"], "handle_httpstatus_list": [304]},
            )

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        """A feed's article requests (the crawl runs ``parse_feed_async``, which does the same)."""
        if self._feed_to_parse(response):
            yield from self._feed_requests(response, read_feed(response.body, response.url, _header(response, "Content-Type")))

    async def parse_feed_async(self, response: Response) -> AsyncIterator[scrapy.Request]:
        """``parse_feed``, with feedparser and the links' canonical forms run in another process
        (``crawler/feedreader.py``). The requests then go out a few at a time, with the reactor's
        other work (downloads, the workers' results) in between."""
        if self._feed_to_parse(response):
            try:
                reading = await self.feed_reader.read(response.body, response.url, _header(response, "Content-Type"))
            except BrokenProcessPool:
                # The reader process died (out of memory on a monstrous feed, killed) while reading
                # this feed: only this one failed; the feeds after it are read by a new process.
                self._feed_failed(response.meta["feed_url"], "the feed reader process died while reading this feed", response.status)
                return
            except Exception as error:  # a feed that breaks feedparser: the other feeds go on
                self._feed_failed(
                    response.meta["feed_url"], f"feed could not be read: {type(error).__name__}: {error}", response.status
                )
                return
            for number, request in enumerate(self._feed_requests(response, reading), start=1):
                yield request
                if number % REQUESTS_BETWEEN_BREAKS == 0:
                    await asyncio.sleep(0)

    def _feed_to_parse(self, response: Response) -> bool:
        """Whether a feed response has a body to parse; if not, it is recorded here."""
        feed_url = response.meta["feed_url"]
        if response.status == 304:
            self.crawler.stats.inc_value("wirecrawl/feeds_not_modified")
            news_database(self.crawler).record_feed_success(feed_url, 304, entries=None)
            return False
        if not response.body.strip():
            self._feed_failed(feed_url, "empty feed: the response has no body", response.status)
            return False
        if ENTITY_DECLARATION.search(_xml_prolog(response.body)):
            self._feed_failed(
                feed_url,
                "refused: the feed declares XML entities (<!ENTITY in its DOCTYPE): possible entity-expansion"
                " bomb or external entity; not parsed",
                response.status,
            )
            return False
        return True

    def _feed_requests(self, response: Response, reading: FeedReading) -> Iterator[scrapy.Request]:
        feed_url = response.meta["feed_url"]
        db = news_database(self.crawler)
        stats = self.crawler.stats
        if reading.problem == "encoding":
            # Read in full all the same; say so, since titles may be garbled.
            record_error(
                self.crawler,
                "feed",
                feed_url,
                f"feed encoding: {reading.problem_message} (read as {reading.encoding}; {reading.entries} entries read)",
            )
        elif reading.problem == "malformed":
            reason = f"malformed feed: {reading.problem_message}"
            if not reading.entries:
                self._feed_failed(feed_url, reason, response.status)
                return
            # feedparser read some entries all the same: crawl them, and say what was wrong.
            record_error(self.crawler, "feed", feed_url, f"{reason} ({reading.entries} entries read)")
        stats.inc_value("wirecrawl/feeds_ok")
        db.record_feed_success(feed_url, response.status, entries=reading.entries, title=reading.title)
        self.validators[feed_url] = (
            _header(response, "ETag"),
            _header(response, "Last-Modified"),
        )
        for entry, error in reading.unusable:
            stats.inc_value("wirecrawl/entries_unusable")
            record_error(self.crawler, "feed", feed_url, f"entry {entry}: {error}")
        links = self._without_tracking(reading.links)
        known = db.known_urls(list(links))
        stats.inc_value("wirecrawl/articles_known", len(known))
        failed = db.article_failures.states([url for url in links if url not in known])
        now = utc_now()
        backoff = self.settings.getfloat("NEWS_BACKOFF_BASE") > 0  # 0: failing links are fetched every run, as feeds
        for url, entry in links.items():
            if url in known:
                continue
            state = failed.get(url)
            if state is not None and state.dead:
                stats.inc_value("wirecrawl/articles_dead")  # a tombstone: never fetched again
                continue
            if backoff and state is not None and state.next_attempt and state.next_attempt > now:
                # Retried after its backoff; until then its feed is read in full, so it is not forgotten.
                stats.inc_value("wirecrawl/articles_backoff")
                self.feeds_with_failures.add(feed_url)
                continue
            yield scrapy.Request(
                url,
                callback=self.parse_article,
                errback=self.article_failed,
                meta={
                    "feed_url": feed_url,
                    "canonical_url": url,
                    "feed_title": entry.title,
                    "feed_published": entry.published,
                    "failed_before": state is not None,
                },
            )

    def _without_tracking(self, links: dict[str, FeedEntry]) -> dict[str, FeedEntry]:
        """The links without the query parameters their sites' pages showed to be tracking
        (storage/url_params.py); two links that differ only by those become one."""
        url_params = news_database(self.crawler).url_params
        stripped: dict[str, FeedEntry] = {}
        for url, entry in links.items():
            if "?" in url and (tracking := url_params.tracking(site_of(url))):
                url = without_params(url, tracking)
            stripped.setdefault(url, entry)
        return stripped

    def parse_article(self, response: Response) -> Iterator[ArticleItem]:
        meta = response.meta
        content_type = _header(response, "Content-Type") or "no Content-Type"
        problem = None
        if not isinstance(response, TextResponse):
            problem = f"not a text page ({content_type})"
        elif not response.body or response.body.isspace():  # no copy of a whole page, as strip() makes
            problem = f"empty page: HTTP {response.status} with no body"
        elif kind := _binary_kind(response.body):
            problem = f"not a text page: {kind} served as {content_type}"
        if problem:
            self._article_failed(meta, problem, problem.split(":")[0].split(" (")[0], response.status)
            return
        if meta.get("failed_before"):
            db = news_database(self.crawler)
            db.begin()
            db.article_failures.clear(meta["canonical_url"])
        yield ArticleItem(
            url=meta["canonical_url"],
            fetched_url=response.url,
            feed_url=meta["feed_url"],
            feed_title=meta.get("feed_title"),
            feed_published=meta.get("feed_published"),
            fetched=utc_now(),
            content_type=_header(response, "Content-Type"),
            body=response.body,  # decoded by the extraction worker (pipelines/article/extraction.py)
        )

    def feed_failed(self, failure: Failure) -> None:
        reason, status = _failure_reason(failure)
        response = getattr(failure.value, "response", None)
        retry_after = _retry_after(response) if isinstance(response, Response) else None
        self._feed_failed(failure.request.meta["feed_url"], reason, status, retry_after)

    def _feed_failed(self, feed_url: str, reason: str, status: int | None, retry_after: float | None = None) -> None:
        self.crawler.stats.inc_value("wirecrawl/feeds_failed")
        news_database(self.crawler).record_feed_failure(
            feed_url,
            reason,
            status,
            backoff_base=self.settings.getfloat("NEWS_BACKOFF_BASE"),
            backoff_cap=self.settings.getfloat("NEWS_BACKOFF_MAX"),
            retry_after=retry_after,
        )
        record_error(self.crawler, "feed", feed_url, reason)

    def article_failed(self, failure: Failure) -> None:
        reason, status = _failure_reason(failure)
        response = getattr(failure.value, "response", None)
        retry_after = _retry_after(response) if isinstance(response, Response) else None
        self._article_failed(failure.request.meta, reason, _failure_kind(failure, status), status, retry_after)

    def _article_failed(
        self, meta: dict[str, Any], reason: str, kind: str, status: int | None, retry_after: float | None = None
    ) -> None:
        """An article's fetch failed: one errors row per kind of failure and article, and its failure
        count (storage/article_failures.py). Until it is dead, its feed's validators are held back,
        so the feed is read in full next time and the link retried (after its backoff)."""
        url = meta["canonical_url"]
        db = news_database(self.crawler)
        db.begin()
        state = db.article_failures.record(
            url,
            meta["feed_url"],
            kind,
            reason,
            status,
            dead_after=self.settings.getint("NEWS_DEAD_LINK_TRIES"),
            backoff_base=self.settings.getfloat("NEWS_BACKOFF_BASE"),
            backoff_cap=self.settings.getfloat("NEWS_BACKOFF_MAX"),
            retry_after=retry_after,
        )
        if state.dead:
            reason += f" ({state.failures} tries: a dead link, not fetched again)"
            self.crawler.stats.inc_value("wirecrawl/articles_died")
        else:
            self.feeds_with_failures.add(meta["feed_url"])
        record_error(self.crawler, "fetch", url, reason, kind=kind)

    def closed(self, reason: str) -> None:
        """Save the feeds' validators, but only for a run that read everything they listed."""
        self.feed_reader.close()
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
