"""The ``feeds`` spider: read every feed and sitemap, fetch every article not stored yet.

``scrapy crawl feeds`` crawls the NEWS_FEEDS and NEWS_SITES settings; ``-a feeds=`` takes a feed
URL (or several, comma-separated), a text file of URLs or an OPML file instead, and ``-a sites=``
a site (``news.example``), several, or a file of them. A site's feeds and sitemaps are
discovered (``crawler/discovery.py``: its homepage's feed links, its robots.txt's ``Sitemap:``
lines, the usual paths) at most once per NEWS_DISCOVERY_INTERVAL, registered in ``feeds`` and
read like configured feeds. Feeds and sitemaps are fetched with a conditional GET (the ETag
and Last-Modified of the last complete run), so one that has not changed costs one 304
response. One that failed in the last runs is skipped until its ``next_attempt``
(NEWS_BACKOFF_BASE, NEWS_BACKOFF_MAX).

Sitemaps (``crawler/sitemaps.py``): an index's sitemaps are followed (NEWS_SITEMAP_MAX_DEPTH
levels, never in a loop); a sitemap's entries are taken from ``-a since=`` to ``-a until=``, or
without ``since`` from the sitemap's newest entry of the last complete run (a cron run stays
small), oldest first, at most NEWS_BACKFILL_MAX_PER_SITE articles per site and run.

Feeds, sitemaps and pages are untrusted input: one that declares XML entities is refused before
it is parsed (entity-expansion bombs, external entities), a sitemap's URLs on another site are
not fetched, and an empty or binary body is an error row, not an article.
"""
from __future__ import annotations

import asyncio
import gc
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import CannotResolveHostError
from scrapy.http import Response, TextResponse
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from crawler.discovery import (
    USUAL_FEED_PATHS,
    USUAL_SITEMAP_PATHS,
    SiteDiscovery,
    feed_links,
    is_feed,
    robots_sitemaps,
    usual_urls,
)
from crawler.feedlist import FeedListError, load_feeds, load_sites
from crawler.feedreader import FeedEntry, FeedReaderPool, FeedReading, declares_entities, read_feed
from crawler.items import ArticleItem
from crawler.middlewares import RefusedURL
from crawler.resolver import refusal_for
from crawler.sitemaps import SITEMAP_INDEX, SitemapChild, SitemapReading, WindowError, publication_window, read_sitemap
from crawler.urls import without_params
from pipelines.database import news_database, record_error
from storage import site_of, utc_now
from storage.sites import FEED, SITEMAP


# The start of a file in a binary format (PDF, images, archives, office documents, media).
BINARY_SIGNATURES = (
    b"%PDF-", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"BZh", b"\xfd7zXZ",
    b"\xd0\xcf\x11\xe0", b"RIFF", b"OggS", b"ID3", b"\x00\x00\x00", b"7z\xbc\xaf", b"Rar!", b"\x7fELF",
)  # fmt: skip
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


# Discovery answers that are a site's way of saying "nothing here": read by the callback, not errors.
DISCOVERY_STATUSES = [400, 401, 403, 404, 405, 406, 410, 451, 500, 501, 502, 503]


class FeedsSpider(scrapy.Spider):
    name = "feeds"

    def __init__(
        self,
        feeds: str | None = None,
        sites: str | None = None,
        since: str | None = None,
        until: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.feeds_argument = feeds
        self.sites_argument = sites
        self.window_arguments = (since, until)
        # The publication window of -a since= / -a until= (ISO 8601, UTC), read in start().
        self.window: tuple[str | None, str | None] = (None, None)
        # Feeds whose validators are saved at the end of the run, and feeds (and sitemaps) not read
        # in full: one lost an article to a failed fetch, or left entries for later (the window, the
        # cap). Those are fetched in full next time, and a sitemap's mark does not move.
        self.validators: dict[str, tuple[str | None, str | None]] = {}
        self.feeds_with_failures: set[str] = set()
        # Each sitemap's newest entry taken in this run: its mark, saved with its validators.
        self.newest: dict[str, str] = {}
        self.sitemaps_requested: set[str] = set()
        self.index_of: dict[str, str] = {}  # a sitemap -> the index that listed it in this run
        # Read in part (entries outside the window of a backfill): validators not saved, mark saved.
        self.read_in_part: set[str] = set()
        self.requested_articles: set[str] = set()
        self.articles_per_site: Counter[str] = Counter()
        self.discoveries: dict[str, SiteDiscovery] = {}
        # Feeds and sitemaps are read in a process of their own (crawler/feedreader.py).
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
            self._feed_failed(request.meta["feed_url"], reason, None, stage=_stage(request.meta))

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
            self.window = publication_window(*self.window_arguments)
            feeds, sites = self._inputs()
        except (FeedListError, WindowError) as error:
            record_error(self.crawler, "feeds", self.feeds_argument or self.sites_argument, str(error))
            return
        if feeds:
            db.upsert_feeds(feeds)
        db.begin()
        db.site_sources.upsert(sites)
        for feed in feeds:
            if request := self._source_request(feed["url"], FEED):
                yield request
        for site in sites:
            for request in self._site_requests(site):
                yield request

    def _inputs(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The feeds and sites of this run: those of -a feeds= and -a sites= if either is given,
        else the NEWS_FEEDS and NEWS_SITES settings."""
        if (self.feeds_argument or "").strip() or (self.sites_argument or "").strip():
            feeds = load_feeds(self.feeds_argument, []) if (self.feeds_argument or "").strip() else []
            sites = load_sites(self.sites_argument, []) if (self.sites_argument or "").strip() else []
        else:
            default = self.settings.getlist("NEWS_FEEDS")
            feeds = load_feeds(None, default) if default else []
            sites = load_sites(None, self.settings.getlist("NEWS_SITES"))
        if not feeds and not sites:
            raise FeedListError("nothing to crawl: NEWS_FEEDS and NEWS_SITES are empty; give -a feeds= or -a sites=")
        return feeds, sites

    def _source_request(
        self, url: str, kind: str, depth: int = 0, ancestors: tuple[str, ...] = ()
    ) -> scrapy.Request | None:
        """The request for a feed or a sitemap (conditional, unless a backfill reads a sitemap in full);
        None while it backs off."""
        db = news_database(self.crawler)
        if self.settings.getfloat("NEWS_BACKOFF_BASE") > 0 and (next_attempt := db.feed_next_attempt(url)):
            self.crawler.stats.inc_value("wirecrawl/feeds_skipped")
            self.logger.info("Skipping %s until %s: it failed in the last runs (backoff)", url, next_attempt)
            return None
        headers = {}
        if kind == FEED or not self.window[0]:
            etag, last_modified = db.feed_validators(url)
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
        meta: dict[str, Any] = {"feed_url": url, "kind": kind, "handle_httpstatus_list": [304]}
        callback = self.parse_feed_async
        if kind != FEED:
            callback = self.parse_sitemap_async
            self.sitemaps_requested.add(url)
            meta.update(
                sitemap_depth=depth,
                sitemap_ancestors=ancestors,
                download_maxsize=self.settings.getint("NEWS_SITEMAP_MAX_BYTES"),
            )
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.feed_failed,
            headers=headers,
            dont_filter=True,
            priority=10,  # feeds first: their articles are the crawl's work
            meta=meta,
        )

    # --- sites: discovery ---

    def _site_requests(self, site: dict[str, Any]) -> Iterator[scrapy.Request]:
        """A site's sources: those its last discovery found, if it was recent enough; else its
        homepage and robots.txt, to discover them."""
        db = news_database(self.crawler)
        url = site["url"]
        last = db.site_sources.discovered(url)
        interval = timedelta(seconds=self.settings.getfloat("NEWS_DISCOVERY_INTERVAL"))
        if last and datetime.fromisoformat(last) > datetime.now(timezone.utc) - interval:
            self.crawler.stats.inc_value("wirecrawl/discovery/sites_known")
            for source in db.site_sources.sources(url):
                if request := self._source_request(source["url"], source["kind"]):
                    yield request
            return
        self.crawler.stats.inc_value("wirecrawl/discovery/sites")
        discovery = self.discoveries[url] = SiteDiscovery(url)
        yield self._discovery_request(discovery, url, self.parse_homepage, step="homepage")
        yield self._discovery_request(
            discovery, urljoin(url, "/robots.txt"), self.parse_robots, step="robots", dont_obey_robotstxt=True
        )

    def _discovery_request(self, discovery: SiteDiscovery, url: str, callback: Any, **meta: Any) -> scrapy.Request:
        discovery.pending += 1
        if meta.get("step") != "homepage":
            meta.setdefault("handle_httpstatus_list", DISCOVERY_STATUSES)
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.discovery_failed,
            dont_filter=True,
            priority=20,  # a site's sources first: their entries are the crawl's work
            meta={"discovery": discovery.site_url, **meta},
        )

    def parse_homepage(self, response: Response) -> Iterator[scrapy.Request]:
        """The feeds the homepage declares, else the usual feed paths, each to be checked."""
        discovery = self.discoveries[response.meta["discovery"]]
        try:
            discovery.homepage_answered = True
            links = feed_links(response.text, response.url) if isinstance(response, TextResponse) else []
            for url in links or usual_urls(response.url, USUAL_FEED_PATHS):
                yield self._discovery_request(discovery, url, self.parse_candidate_feed, step="feed", declared=bool(links))
        finally:
            self._discovery_step_done(discovery)

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        """The sitemaps robots.txt lists, else the usual sitemap paths, each to be read."""
        discovery = self.discoveries[response.meta["discovery"]]
        try:
            listed = robots_sitemaps(response.body, response.url) if response.status == 200 else []
            for url in listed or usual_urls(discovery.site_url, USUAL_SITEMAP_PATHS):
                yield self._discovery_request(
                    discovery, url, self.parse_sitemap_async, step="sitemap", declared=bool(listed),
                    download_maxsize=self.settings.getint("NEWS_SITEMAP_MAX_BYTES"),
                )  # fmt: skip
        finally:
            self._discovery_step_done(discovery)

    async def parse_candidate_feed(self, response: Response) -> AsyncIterator[scrapy.Request]:
        """A candidate that really is a feed is registered and read as one, in this run already."""
        discovery = self.discoveries[response.meta["discovery"]]
        try:
            url = response.url  # after redirects: the next runs fetch it directly
            if response.status != 200 or not is_feed(response.body):
                discovery.tried.append(f"{response.request.url} (HTTP {response.status})" if response.status != 200
                                       else f"{response.request.url} (not a feed)")  # fmt: skip
                self.crawler.stats.inc_value("wirecrawl/discovery/not_feeds")
                return
            async for request in self._take_discovered_feed(discovery, url, response):
                yield request
        finally:
            self._discovery_step_done(discovery)

    async def _take_discovered_feed(
        self, discovery: SiteDiscovery, url: str, response: Response
    ) -> AsyncIterator[scrapy.Request]:
        """Register a feed found at a site's discovery (once) and read the response as that feed."""
        if url in discovery.feeds:
            return
        discovery.feeds.append(url)
        db = news_database(self.crawler)
        db.begin()
        db.site_sources.register([{"url": url, "kind": FEED, "discovered_from": discovery.site_url}])
        self.crawler.stats.inc_value("wirecrawl/discovery/feeds")
        response.meta["feed_url"] = url
        async for request in self.parse_feed_async(response):
            yield request

    def discovery_failed(self, failure: Failure) -> None:
        meta = failure.request.meta
        discovery = self.discoveries[meta["discovery"]]
        try:
            reason, status = _failure_reason(failure)
            if meta.get("step") == "homepage":
                record_error(self.crawler, "discovery", failure.request.url, f"site homepage could not be fetched: {reason}")
            elif meta.get("step") == "sitemap" and meta.get("declared"):
                self._declared_sitemap_failed(discovery, failure.request.url, reason, status)
            else:
                discovery.tried.append(f"{failure.request.url} ({reason[:80]})")
        finally:
            self._discovery_step_done(discovery)

    def _declared_sitemap_failed(self, discovery: SiteDiscovery, url: str, reason: str, status: int | None) -> None:
        """A sitemap that robots.txt lists failed: it is the site's source all the same (registered,
        so it is retried after its backoff, and shows in feed_health)."""
        db = news_database(self.crawler)
        db.begin()
        db.site_sources.register([{"url": url, "kind": SITEMAP, "discovered_from": discovery.site_url}])
        self._feed_failed(url, f"robots.txt lists this sitemap, but: {reason}", status, stage="sitemap")

    def _discovery_step_done(self, discovery: SiteDiscovery) -> None:
        """One of a site's discovery requests is done; once all are, the site's discovery is recorded
        (not to be done again within NEWS_DISCOVERY_INTERVAL, if its homepage answered)."""
        discovery.pending -= 1
        if discovery.pending > 0:
            return
        db = news_database(self.crawler)
        error = None
        if not discovery.feeds and not discovery.sitemaps:
            error = discovery.summary()
            record_error(self.crawler, "discovery", discovery.site_url, error)
        if discovery.homepage_answered or discovery.feeds or discovery.sitemaps:
            db.begin()
            db.site_sources.record_discovery(discovery.site_url, utc_now(), len(discovery.feeds), len(discovery.sitemaps), error)
        self.logger.info(
            "Discovered %s: %d feeds, %d sitemaps", discovery.site_url, len(discovery.feeds), len(discovery.sitemaps)
        )

    # --- sitemaps ---

    async def parse_sitemap_async(self, response: Response) -> AsyncIterator[scrapy.Request]:
        """A sitemap's article requests, or an index's sitemaps, read in the feed reader's process
        (``crawler/sitemaps.py``); a discovery candidate that is a sitemap is registered first."""
        discovery = self.discoveries.get(response.meta.get("discovery", ""))
        try:
            async for request in self._sitemap_requests(response, discovery):
                yield request
        finally:
            if discovery is not None:
                self._discovery_step_done(discovery)

    async def _sitemap_requests(self, response: Response, discovery: SiteDiscovery | None) -> AsyncIterator[scrapy.Request]:
        meta = response.meta
        db = news_database(self.crawler)
        stats = self.crawler.stats
        if discovery is not None:
            url = response.url
            if response.status != 200:
                if meta.get("declared"):
                    self._declared_sitemap_failed(discovery, url, f"HTTP {response.status}", response.status)
                discovery.tried.append(f"{response.request.url} (HTTP {response.status})")
                return
            if url in self.sitemaps_requested:
                return
            self.sitemaps_requested.add(url)
        else:
            url = meta["feed_url"]
        if response.status == 304:
            stats.inc_value("wirecrawl/feeds_not_modified")
            stats.inc_value("wirecrawl/sitemaps/not_modified")
            db.record_feed_success(url, 304, entries=None)
            if db.site_sources.kind(url) == SITEMAP_INDEX:
                # Its sitemaps may have changed all the same: each gets its own conditional GET.
                children = [SitemapChild(child, None) for child in db.site_sources.children_to_read(url)]
                for request in self._children_requests(url, children, meta):
                    yield request
            return
        lower = self._lower_bound(url)
        try:
            reading: SitemapReading = await self.feed_reader.run(
                read_sitemap, response.body, url, lower, self.window[1],
                self.settings.getint("NEWS_SITEMAP_MAX_BYTES"), self.settings.getint("NEWS_SITEMAP_MAX_URLS"),
            )  # fmt: skip
        except BrokenProcessPool:
            reading = SitemapReading(failure="the feed reader process died while reading this sitemap")
        except Exception as error:  # a sitemap that breaks the reader: the other sources go on
            reading = SitemapReading(failure=f"sitemap could not be read: {type(error).__name__}: {error}")
        if discovery is not None:
            if reading.failure and is_feed(response.body):
                # robots.txt (or a usual path) names a feed, as sites do: read it as one from now on.
                async for request in self._take_discovered_feed(discovery, url, response):
                    yield request
                return
            if reading.failure and not meta.get("declared"):
                discovery.tried.append(f"{response.request.url} ({reading.failure[:60]})")
                return
            db.begin()
            db.site_sources.register([{"url": url, "kind": reading.kind or SITEMAP, "discovered_from": discovery.site_url}])
            discovery.sitemaps.append(url)
            stats.inc_value("wirecrawl/discovery/sitemaps")
        if reading.failure:
            self._feed_failed(url, reading.failure, response.status, stage="sitemap")
            return
        db.begin()
        db.site_sources.set_kind(url, reading.kind)
        for problem in reading.problems:
            record_error(self.crawler, "sitemap", url, problem)
        stats.inc_value("wirecrawl/feeds_ok")
        stats.inc_value("wirecrawl/sitemaps/ok")
        stats.inc_value("wirecrawl/sitemaps/outside_window", reading.outside_window)
        stats.inc_value("wirecrawl/sitemaps/entries_undated", reading.undated)
        db.record_feed_success(url, response.status, entries=reading.listed)
        self.validators[url] = (_header(response, "ETag"), _header(response, "Last-Modified"))
        if reading.outside_window and self.window != (None, None):
            # A backfill left entries outside its window: the next cron run reads this one in full
            # (from its mark, the newest entry taken).
            self._read_in_part(url)
        if reading.kind == SITEMAP_INDEX:
            dated = [child.lastmod for child in reading.children if child.lastmod]
            if dated:
                self.newest[url] = max(dated)
            for request in self._children_requests(url, reading.children, meta):
                yield request
            return
        if reading.entries:
            self.newest[url] = reading.entries[-1].published
        links = {
            entry.url: FeedEntry(entry.title, None if entry.from_lastmod else entry.published,
                                 entry.published if entry.from_lastmod else None)
            for entry in reading.entries
        }  # fmt: skip
        for number, request in enumerate(self._article_requests(url, links), start=1):
            yield request
            if number % REQUESTS_BETWEEN_BREAKS == 0:
                await asyncio.sleep(0)

    def _incomplete(self, source_url: str) -> None:
        """A feed or sitemap not read in full in this run: its validators and mark are not saved,
        nor those of the indexes above it (whose lastmods would hide it from the next run)."""
        seen = set()
        while source_url and source_url not in seen:
            seen.add(source_url)
            self.feeds_with_failures.add(source_url)
            source_url = self.index_of.get(source_url, "")

    def _read_in_part(self, source_url: str) -> None:
        """A feed or sitemap of which a backfill took only its window: its validators, and those of
        the indexes above it, are not saved (their marks are), so the next run reads them again."""
        while source_url and source_url not in self.read_in_part:
            self.read_in_part.add(source_url)
            source_url = self.index_of.get(source_url, "")

    def _lower_bound(self, url: str) -> str:
        """The oldest publication time a sitemap's entries are taken from: ``-a since=``, else the
        sitemap's mark (its newest entry of the last complete run), else NEWS_SITEMAP_FIRST_DAYS ago."""
        if self.window[0]:
            return self.window[0]
        if mark := news_database(self.crawler).site_sources.newest_entry(url):
            return mark
        first = datetime.now(timezone.utc) - timedelta(days=self.settings.getfloat("NEWS_SITEMAP_FIRST_DAYS"))
        return first.isoformat(timespec="seconds")

    def _children_requests(self, url: str, children: list[SitemapChild], meta: dict[str, Any]) -> Iterator[scrapy.Request]:
        """Requests for the sitemaps an index lists: never one above it (a loop), nor deeper than
        NEWS_SITEMAP_MAX_DEPTH, nor one already read in this run."""
        depth = meta.get("sitemap_depth", 0)
        chain = (*meta.get("sitemap_ancestors", ()), url)
        max_depth = self.settings.getint("NEWS_SITEMAP_MAX_DEPTH")
        loops = [child.url for child in children if child.url in chain]
        fresh = [child for child in children if child.url not in chain and child.url not in self.sitemaps_requested]
        too_deep = fresh if depth + 1 > max_depth else []
        db = news_database(self.crawler)
        if loops:
            record_error(
                self.crawler, "sitemap", url,
                f"sitemap index lists itself or an index above it (a loop): {', '.join(loops[:3])} not read again",
            )  # fmt: skip
        if too_deep:
            record_error(
                self.crawler, "sitemap", url,
                f"sitemap indexes nested deeper than {max_depth} levels: the {len(too_deep)} sitemaps this one lists"
                f" are not read, e.g. {too_deep[0].url}",
            )  # fmt: skip
            return
        db.begin()
        db.site_sources.register([{"url": child.url, "discovered_from": url, "listed_lastmod": child.lastmod} for child in fresh])
        for child in fresh:
            self.index_of.setdefault(child.url, url)
            if child.url in self.sitemaps_requested:  # listed twice by this index
                continue
            if request := self._source_request(child.url, db.site_sources.kind(child.url), depth + 1, chain):
                yield request

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
        if declares_entities(response.body):
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
        for request in self._article_requests(feed_url, reading.links):
            yield request

    def _article_requests(self, source_url: str, entries: dict[str, FeedEntry]) -> Iterator[scrapy.Request]:
        """Requests for a feed's or sitemap's entries not stored yet, in the publication window, at most
        NEWS_BACKFILL_MAX_PER_SITE per site in a run, each once in the run."""
        db = news_database(self.crawler)
        stats = self.crawler.stats
        links = self._in_window(source_url, self._without_tracking(entries))
        known = db.known_urls(list(links))
        stats.inc_value("wirecrawl/articles_known", len(known))
        failed = db.article_failures.states([url for url in links if url not in known])
        now = utc_now()
        backoff = self.settings.getfloat("NEWS_BACKOFF_BASE") > 0  # 0: failing links are fetched every run, as feeds
        cap = self.settings.getint("NEWS_BACKFILL_MAX_PER_SITE")
        for url, entry in links.items():
            if url in known:
                continue
            if url in self.requested_articles:  # listed by another feed or sitemap of this run
                stats.inc_value("wirecrawl/articles_listed_twice")
                continue
            state = failed.get(url)
            if state is not None and state.dead:
                stats.inc_value("wirecrawl/articles_dead")  # a tombstone: never fetched again
                continue
            if backoff and state is not None and state.next_attempt and state.next_attempt > now:
                # Retried after its backoff; until then its feed is read in full, so it is not forgotten.
                stats.inc_value("wirecrawl/articles_backoff")
                self._incomplete(source_url)
                continue
            site = site_of(url)
            if cap and self.articles_per_site[site] >= cap:
                # Left for the next run: the source is read in full again and its mark stays.
                if not stats.get_value(f"wirecrawl/articles_over_cap/{site}"):
                    self.logger.info("%s: NEWS_BACKFILL_MAX_PER_SITE (%d) reached; the rest is left for the next run", site, cap)
                stats.inc_value(f"wirecrawl/articles_over_cap/{site}")
                stats.inc_value("wirecrawl/articles_over_cap")
                self._incomplete(source_url)
                continue
            self.articles_per_site[site] += 1
            self.requested_articles.add(url)
            yield scrapy.Request(
                url,
                callback=self.parse_article,
                errback=self.article_failed,
                meta={
                    "feed_url": source_url,
                    "canonical_url": url,
                    "feed_title": entry.title,
                    "feed_published": entry.published,
                    "feed_lastmod": entry.lastmod,
                    "failed_before": state is not None,
                },
            )

    def _in_window(self, source_url: str, links: dict[str, FeedEntry]) -> dict[str, FeedEntry]:
        """The entries published in the window of -a since= / -a until= (all of them without one).
        With a window, an entry without a time is left out: nothing says it is in it."""
        lower, upper = self.window
        if not lower and not upper:
            return links
        kept = {}
        for url, entry in links.items():
            when = entry.published or entry.lastmod
            if when and (not lower or when >= lower) and (not upper or when <= upper):
                kept[url] = entry
        if len(kept) < len(links):
            self.crawler.stats.inc_value("wirecrawl/articles_outside_window", len(links) - len(kept))
            self._read_in_part(source_url)  # read in full again: what is outside is for later runs
        return kept

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
            feed_lastmod=meta.get("feed_lastmod"),
            fetched=utc_now(),
            content_type=_header(response, "Content-Type"),
            body=response.body,  # decoded by the extraction worker (pipelines/article/extraction.py)
        )

    def feed_failed(self, failure: Failure) -> None:
        reason, status = _failure_reason(failure)
        response = getattr(failure.value, "response", None)
        retry_after = _retry_after(response) if isinstance(response, Response) else None
        self._feed_failed(failure.request.meta["feed_url"], reason, status, retry_after, stage=_stage(failure.request.meta))

    def _feed_failed(
        self, feed_url: str, reason: str, status: int | None, retry_after: float | None = None, stage: str = "feed"
    ) -> None:
        self.crawler.stats.inc_value("wirecrawl/feeds_failed")
        news_database(self.crawler).record_feed_failure(
            feed_url,
            reason,
            status,
            backoff_base=self.settings.getfloat("NEWS_BACKOFF_BASE"),
            backoff_cap=self.settings.getfloat("NEWS_BACKOFF_MAX"),
            retry_after=retry_after,
        )
        if feed_url in self.index_of:
            self._incomplete(self.index_of[feed_url])
        record_error(self.crawler, stage, feed_url, reason)

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
            self._incomplete(meta["feed_url"])
        record_error(self.crawler, "fetch", url, reason, kind=kind)

    def closed(self, reason: str) -> None:
        """Save the feeds' validators, but only for a run that read everything they listed."""
        self.feed_reader.close()
        if reason != "finished":
            return
        db = news_database(self.crawler)
        for feed_url, (etag, last_modified) in self.validators.items():
            if feed_url not in self.feeds_with_failures and feed_url not in self.read_in_part:
                db.save_feed_validators(feed_url, etag, last_modified)
        for source_url, newest in self.newest.items():
            if source_url not in self.feeds_with_failures:
                db.site_sources.advance_newest_entry(source_url, newest)
        db.commit()


def _stage(meta: dict[str, Any]) -> str:
    """The errors stage of a feed's or a sitemap's failure."""
    return "feed" if meta.get("kind", FEED) == FEED else "sitemap"


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
