"""Reading one feed: feedparser's entries and their canonical links, as plain picklable data.

The ``feeds`` spider runs ``read_feed`` in a process of its own (``FeedReaderPool``): feedparser
is pure Python and takes 50-200 ms for a feed of a few hundred entries. Run on the reactor's
thread it stalls every download; run in a thread of the crawl's process it still holds the GIL
most of the time, and the reactor then waits its turn at every socket call (stalls of 100 ms
and more when a crawl starts and twenty feeds arrive at once; make bench). Sitemaps are read in
the same process (``FeedReaderPool.run`` with ``crawler.sitemaps.read_sitemap``), and so is a
gzip bomb's gunzip: what a monstrous file costs, that process pays.
"""

from __future__ import annotations

import asyncio
import calendar
import multiprocessing
import re
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import feedparser

from crawler.urls import UnusableLink, article_link, canonical_url

ENTITY_DECLARATION = re.compile(r"<!ENTITY", re.IGNORECASE)
ROOT_ELEMENT = re.compile(r"<[A-Za-z_]")
ROOT_ELEMENT = re.compile(r"<[A-Za-z_]")


def xml_prolog(body: bytes) -> str:
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


def declares_entities(body: bytes) -> bool:
    """Whether an XML body declares entities before its root element (entity-expansion bombs,
    external entities): such a feed or sitemap is refused, not parsed."""
    return bool(ENTITY_DECLARATION.search(xml_prolog(body)))


# feedparser's complaints that leave a feed fully readable.
BENIGN_FEED_PROBLEMS = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


@dataclass
class FeedEntry:
    title: str | None
    published: str | None  # ISO 8601, UTC
    # A plain sitemap's lastmod: the publication time only where the page gives none.
    lastmod: str | None = None


@dataclass
class FeedReading:
    entries: int  # entries read, with or without a usable link
    title: str | None  # the feed's own title
    encoding: str | None  # the encoding feedparser read it in
    # What was wrong, if anything worth saying: "encoding" (the bytes did not fit the declared
    # encoding and feedparser guessed another: read all the same, titles may be garbled) or "malformed" (read up to the error, maybe nothing), and feedparser's message.
    problem: str | None = None
    problem_message: str = ""
    links: dict[str, FeedEntry] = field(default_factory=dict)  # canonical URL -> first entry
    unusable: list[tuple[str, str]] = field(default_factory=list)  # (entry's id or title, why)


def entry_published(entry: Any) -> str | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), tz=timezone.utc).isoformat(timespec="seconds")


def feed_content_type(content_type: str | None) -> str | None:
    """The Content-Type to read a feed by: a ``text/xml`` type with no charset becomes ``application/xml``.

    RFC 3023 has ``text/xml`` without a charset mean US-ASCII, whatever the document's own XML
    declaration says; feedparser follows it and then reports every UTF-8 feed served so (as
    many servers and Python's http.server do) as "declared as us-ascii, but parsed as utf-8".
    With no charset in the header, the feed's own declaration (or its BOM, else UTF-8) is what
    its author meant, and ``application/xml`` makes feedparser follow it; bytes that do not fit
    the declaration are still reported.

    >>> feed_content_type("text/xml"), feed_content_type("text/xml; charset=utf-8")
    ('application/xml', 'text/xml; charset=utf-8')
    """
    if not content_type:
        return content_type
    media_type, _, parameters = content_type.partition(";")
    media_type = media_type.strip().lower()
    if not (media_type.startswith("text/") and media_type.endswith("xml")) or "charset" in parameters.lower():
        return content_type
    return "application/xml" + (f";{parameters}" if parameters.strip() else "")


def read_feed(body: bytes, url: str, content_type: str | None = None) -> FeedReading:
    """feedparser's reading of a feed body fetched from ``url``."""
    headers = {"content-location": url}
    if content_type := feed_content_type(content_type):
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers)
    reading = FeedReading(entries=len(parsed.entries), title=parsed.feed.get("title"), encoding=parsed.get("encoding"))
    if parsed.bozo:
        error = parsed.bozo_exception
        if parsed.entries and isinstance(error, feedparser.CharacterEncodingOverride):
            reading.problem = "encoding"
        elif not (parsed.entries and isinstance(error, BENIGN_FEED_PROBLEMS)):
            reading.problem = "malformed"
        reading.problem_message = str(error)
    for entry in parsed.entries:
        try:
            link = canonical_url(article_link(entry.get("link"), url))
        except (UnusableLink, ValueError) as error:
            reading.unusable.append((repr(entry.get("id") or entry.get("title")), str(error)))
            continue
        if link not in reading.links:
            reading.links[link] = FeedEntry(entry.get("title"), entry_published(entry))
    return reading


class FeedReaderPool:
    """``read_feed`` in one worker process (forkserver, started on the first feed, and again after
    the process died).

    Feeds go to the process one at a time (``read``): when it dies (out of memory on a monstrous
    feed, killed), the feed it was reading is the one that fails, and the feeds queued behind it
    are read by a new process, in the same run. (Submitted all at once, they would all fail with it.)
    """

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._turn: asyncio.Lock | None = None

    def submit(self, body: bytes, url: str, content_type: str | None) -> Future[FeedReading]:
        return self._submit(read_feed, body, url, content_type)

    def _submit(self, function: Callable[..., Any], *args: Any) -> Future[Any]:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("forkserver"))
        return self._pool.submit(function, *args)

    async def read(self, body: bytes, url: str, content_type: str | None) -> FeedReading:
        """The feed read in the process, after the feeds before it; BrokenProcessPool if the
        process died while reading this one."""
        return await self.run(read_feed, body, url, content_type)

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)`` in the process (a module-level function: ``read_feed``, and
        ``crawler.sitemaps.read_sitemap`` for sitemaps), after the readings before it."""
        if self._turn is None:
            self._turn = asyncio.Lock()
        async with self._turn:
            try:
                future = self._submit(function, *args)
            except BrokenProcessPool:  # it died between two feeds: not this feed's doing
                self.close()
                future = self._submit(function, *args)
            try:
                return await asyncio.wrap_future(future)
            except BrokenProcessPool:
                self.close()  # the next feed gets a new process
                raise

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
