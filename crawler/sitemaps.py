"""Reading one sitemap body: its article entries in a publication window, or an index's children.

``read_sitemap`` runs in the feed reader's process (``crawler/feedreader.py``), like feedparser:
a 50,000-URL sitemap takes lxml a fraction of a second, and a gzip bomb or a monstrous file
costs that process, not the crawl's. It takes the bytes Scrapy fetched (never fetching
anything itself) and gives plain picklable data:

* a gzipped body (``.xml.gz``) is gunzipped with Scrapy's ``gunzip`` and a size limit;
* the XML is read with lxml's ``iterparse`` with the options of Scrapy's ``Sitemap`` (no entity
  resolution, no network, recover, each element freed once read), but by a reader of our own:
  Scrapy's keeps only an entry's direct children, and a Google News sitemap's publication time,
  title, language and keywords sit inside ``<news:news>``;
* an entry's time is its ``news:publication_date``, else its ``lastmod`` (W3C datetime, or an
  RFC 822 date as some sites write); an entry outside the window, or with no time, is not taken;
* an entry or child on another site, with an unusable link or an unreadable date, is counted and
  named (first examples) in the reading's ``problems``, one ``errors`` row each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from io import BytesIO
from urllib.parse import urlsplit

import lxml.etree
from scrapy.utils.gz import gunzip

from crawler.feedreader import declares_entities
from crawler.urls import UnusableLink, article_link, canonical_url

NEWS_SITEMAP, SITEMAP, SITEMAP_INDEX = "news_sitemap", "sitemap", "sitemap_index"
GZIP_MAGIC = b"\x1f\x8b"
NEWS_NAMESPACE = "http://www.google.com/schemas/sitemap-news/0.9"
EXAMPLES = 3  # examples named in a problem's reason


@dataclass
class SitemapEntry:
    url: str  # canonical
    published: str  # ISO 8601, UTC
    from_lastmod: bool = False  # the time is the entry's lastmod: no news:publication_date
    title: str | None = None
    language: str | None = None
    keywords: str | None = None


@dataclass
class SitemapChild:
    url: str
    lastmod: str | None  # ISO 8601, UTC


@dataclass
class SitemapReading:
    kind: str | None = None  # NEWS_SITEMAP, SITEMAP, SITEMAP_INDEX; None when unreadable
    failure: str | None = None  # why nothing could be read
    listed: int = 0  # <url> or <sitemap> elements read
    entries: list[SitemapEntry] = field(default_factory=list)  # in the window, oldest first
    children: list[SitemapChild] = field(default_factory=list)  # an index's sitemaps in the window
    problems: list[str] = field(default_factory=list)  # one errors row each
    outside_window: int = 0  # entries (or children) dated before or after the window
    undated: int = 0  # entries without a time (or an unreadable one)


class _Counter:
    """How many entries had one problem, with the first few examples."""

    def __init__(self, what: str):
        self.what = what
        self.count = 0
        self.examples: list[str] = []

    def add(self, example: str) -> None:
        self.count += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(example[:200])

    def reason(self) -> str | None:
        if not self.count:
            return None
        return f"{self.count} {self.what}, e.g. {', '.join(repr(e) for e in self.examples)}"


W3C_YEAR = re.compile(r"\d{4}")
W3C_MONTH = re.compile(r"\d{4}-\d{2}")


def parse_time(value: str) -> datetime:
    """A sitemap time (W3C datetime: ``2024-12-19``, ``2024-12-19T10:00:00+01:00``...; or an RFC 822
    date) as an aware UTC datetime; ValueError if it is neither.

    >>> parse_time("2024-12-19T10:00+01:00").isoformat()
    '2024-12-19T09:00:00+00:00'
    """
    text = value.strip()
    if W3C_YEAR.fullmatch(text):
        text += "-01-01"
    elif W3C_MONTH.fullmatch(text):
        text += "-01"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            raise ValueError(f"not a W3C datetime: {value[:100]!r}") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)


def iso(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


def same_site(url: str, sitemap_url: str) -> bool:
    """Whether a URL listed in a sitemap is on the sitemap's site (its host, with or without
    ``www.``, or a subdomain of one another: news.example.com in www.example.com's index)."""
    host = (urlsplit(url).netloc or "").lower().removeprefix("www.")
    own = (urlsplit(sitemap_url).netloc or "").lower().removeprefix("www.")
    return host == own or host.endswith("." + own) or own.endswith("." + host)


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def _fields(element: lxml.etree._Element) -> dict[str, str]:
    """An entry's fields by local name; a Google News block's (``news:news``, its ``publication``)
    are read as ``news_<name>``."""
    fields: dict[str, str] = {}
    for child in element:
        name = _local(child.tag)
        if not name:
            continue
        if name == "news":
            for part in child.iter():
                part_name = _local(part.tag)
                if part_name and part_name not in ("news", "publication") and part.text:
                    fields.setdefault(f"news_{part_name}", part.text.strip())
        elif child.text and name not in fields:
            fields[name] = child.text.strip()
    return fields


def read_sitemap(
    body: bytes,
    url: str,
    not_before: str | None = None,
    not_after: str | None = None,
    max_bytes: int = 50 * 1024 * 1024,
    max_urls: int = 50_000,
) -> SitemapReading:
    """A sitemap's entries (or an index's children) dated within ``[not_before, not_after]``."""
    reading = SitemapReading()
    if body[:2] == GZIP_MAGIC:
        try:
            body = gunzip(body, max_size=max_bytes)
        except ValueError:  # Scrapy's limit: its exception is private, a ValueError
            reading.failure = f"gzipped sitemap larger than {max_bytes // (1024 * 1024)} MB uncompressed (a gzip bomb?): not read"
            return reading
        except (OSError, EOFError) as error:
            reading.failure = f"sitemap is not valid gzip: {error}"
            return reading
    if not body.strip():
        reading.failure = "empty sitemap: the response has no body"
        return reading
    if len(body) > max_bytes:
        reading.failure = f"sitemap larger than {max_bytes // (1024 * 1024)} MB (the sitemap protocol's limit): not read"
        return reading
    if declares_entities(body):
        reading.failure = (
            "refused: the sitemap declares XML entities (<!ENTITY in its DOCTYPE): possible entity-expansion"
            " bomb or external entity; not parsed"
        )
        return reading
    lower = datetime.fromisoformat(not_before) if not_before else None
    upper = datetime.fromisoformat(not_after) if not_after else None
    events = lxml.etree.iterparse(
        BytesIO(body), events=("start", "end"), recover=True, resolve_entities=False, no_network=True,
        remove_comments=True, remove_pis=True, remove_blank_text=True, collect_ids=False,
    )  # fmt: skip
    other_site = _Counter("URLs on another site, not read")
    bad_dates = _Counter("entries with an unreadable date, not taken")
    unusable = _Counter("entries without a usable link")
    seen: set[str] = set()
    try:
        _, root = next(events)
        root_name = _local(root.tag)
        if root_name not in ("urlset", "sitemapindex"):
            reading.failure = f"not a sitemap: its root element is <{root_name or '?'}>, not <urlset> or <sitemapindex>"
            return reading
        reading.kind = SITEMAP_INDEX if root_name == "sitemapindex" else SITEMAP
        item = "sitemap" if root_name == "sitemapindex" else "url"
        for event, element in events:
            if event != "end" or _local(element.tag) != item:
                continue
            reading.listed += 1
            if reading.listed > max_urls:
                reading.listed -= 1
                reading.problems.append(
                    f"sitemap lists more than {max_urls:,} URLs (the sitemap protocol's limit): the first"
                    f" {max_urls:,} read, the rest not"
                )
                break
            fields = _fields(element)
            if item == "url" and any(name.startswith("news_") for name in fields):
                reading.kind = NEWS_SITEMAP
            element.clear()
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
            _take(reading, fields, url, lower, upper, seen, other_site, bad_dates, unusable)
    except StopIteration:
        reading.failure = "not a sitemap: no XML element in the response"
        return reading
    except lxml.etree.XMLSyntaxError as error:
        if reading.kind is None:
            reading.failure = f"not a sitemap: {error}"
            return reading
        reading.problems.append(f"malformed sitemap: {error} ({reading.listed} entries read)")
    for counter in (other_site, bad_dates, unusable):
        if reason := counter.reason():
            reading.problems.append(reason)
    reading.entries.sort(key=lambda entry: entry.published)
    return reading


def _take(
    reading: SitemapReading,
    fields: dict[str, str],
    sitemap_url: str,
    lower: datetime | None,
    upper: datetime | None,
    seen: set[str],
    other_site: _Counter,
    bad_dates: _Counter,
    unusable: _Counter,
) -> None:
    loc = fields.get("loc")
    try:
        link = canonical_url(article_link(loc, sitemap_url))
    except (UnusableLink, ValueError) as error:
        unusable.add(f"{loc}: {error}" if loc else str(error))
        return
    if not same_site(link, sitemap_url):
        other_site.add(link)
        return
    if link in seen:
        return
    seen.add(link)
    raw_time = fields.get("news_publication_date") or fields.get("lastmod")
    when = None
    if raw_time:
        try:
            when = parse_time(raw_time)
        except ValueError:
            bad_dates.add(raw_time)
    if reading.kind == SITEMAP_INDEX:
        # An index's child changed last at its lastmod: one older than the window holds nothing newer.
        if when is not None and lower is not None and when < lower:
            reading.outside_window += 1
            return
        reading.children.append(SitemapChild(link, iso(when) if when else None))
        return
    if when is None:
        reading.undated += 1
        return
    if (lower is not None and when < lower) or (upper is not None and when > upper):
        reading.outside_window += 1
        return
    reading.entries.append(
        SitemapEntry(
            link, iso(when), not fields.get("news_publication_date"), fields.get("news_title"),
            fields.get("news_language"), fields.get("news_keywords"),
        )  # fmt: skip
    )


class WindowError(ValueError):
    """``-a since=`` or ``-a until=`` cannot be read; the message says what to give."""


def _window_bound(name: str, value: str, end_of_day: bool) -> datetime:
    text = value.strip()
    try:
        when = parse_time(text)
    except ValueError:
        raise WindowError(f"{name}={value!r} is not a date; give 2024-12-01 or 2024-12-01T08:00:00+00:00") from None
    if end_of_day and len(text) == 10:  # a day: until its end
        when = when.replace(hour=23, minute=59, second=59)
    return when


def publication_window(since: str | None, until: str | None) -> tuple[str | None, str | None]:
    """The window ``-a since= -a until=`` give (ISO 8601, UTC); a day given as ``until`` counts whole.

    >>> publication_window("2024-12-01", "2024-12-20")
    ('2024-12-01T00:00:00+00:00', '2024-12-20T23:59:59+00:00')
    """
    lower = _window_bound("since", since, end_of_day=False) if since and since.strip() else None
    upper = _window_bound("until", until, end_of_day=True) if until and until.strip() else None
    if lower and upper and upper < lower:
        raise WindowError(f"until={until!r} is before since={since!r}")
    return (iso(lower) if lower else None, iso(upper) if upper else None)
