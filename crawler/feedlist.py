"""Which feeds and sites to crawl: the NEWS_FEEDS setting, or ``-a feeds=`` (a URL, a text file or
OPML); the NEWS_SITES setting, or ``-a sites=`` (hosts or URLs, or a text file of them).

Every feed is a dict ``{"url", "name", "language", "country"}``; only ``url`` is required. So is
every site, with ``site`` (its host without ``www.``) added.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException


class FeedListError(ValueError):
    """The feed list cannot be read; the message says what to give instead."""


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def parse_opml(text: str, source: str = "OPML") -> list[dict[str, Any]]:
    """Feeds of an OPML subscription list: every <outline> with an xmlUrl, at any depth."""
    try:
        root = ElementTree.fromstring(text)
    except (ElementTree.ParseError, DefusedXmlException) as error:
        raise FeedListError(f"{source} is not valid OPML: {error}") from error
    feeds = []
    for outline in root.iter("outline"):
        url = outline.get("xmlUrl")
        if url:
            feeds.append(
                {
                    "url": url.strip(),
                    "name": outline.get("title") or outline.get("text"),
                    "language": outline.get("language"),
                    "country": outline.get("country"),
                }
            )
    return feeds


def parse_url_list(text: str, source: str = "feed list") -> list[dict[str, Any]]:
    """One feed per line: ``URL [name]``; blank lines and lines starting with # are skipped."""
    feeds = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        url, _, name = line.partition(" ")
        if not _is_url(url):
            raise FeedListError(f"{source}, line {number}: {url!r} is not an http(s) URL")
        feeds.append({"url": url, "name": name.strip() or None})
    return feeds


def load_feeds(argument: str | None, default: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The feeds for this crawl, without repeats, in the order given.

    >>> load_feeds("https://example.com/rss.xml", default=[])
    [{'url': 'https://example.com/rss.xml', 'name': None}]
    """
    if argument is None or not argument.strip():
        feeds = [dict(feed) for feed in default]
    elif _is_url(argument.strip()):
        feeds = [{"url": url.strip(), "name": None} for url in argument.split(",") if url.strip()]
    else:
        path = Path(argument)
        if not path.is_file():
            raise FeedListError(
                f"feeds={argument!r} is neither an http(s) URL nor a file; give a feed URL,"
                " a text file with one URL per line, or an OPML file"
            )
        text = path.read_text(encoding="utf-8-sig")
        if text.lstrip().startswith("<"):
            feeds = parse_opml(text, source=str(path))
        else:
            feeds = parse_url_list(text, source=str(path))
    unique: dict[str, dict[str, Any]] = {}
    for feed in feeds:
        if not feed.get("url"):
            raise FeedListError(f"feed without a url in the feed list: {feed!r}")
        unique.setdefault(feed["url"], feed)
    if not unique:
        raise FeedListError("the feed list is empty; give at least one feed URL")
    return list(unique.values())


SITE_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d+)?(/\S*)?$")


def site_url(value: str) -> str:
    """A site's homepage URL from what a user wrote: ``lorientlejour.com`` is ``https://lorientlejour.com/``.

    >>> site_url("lorientlejour.com"), site_url("https://english.aawsat.com")
    ('https://lorientlejour.com/', 'https://english.aawsat.com/')
    """
    text = value.strip()
    if not _is_url(text):
        if not SITE_NAME.match(text) or "." not in text.split("/")[0]:
            raise FeedListError(f"{text!r} is not a site: give a host name (news.example) or an http(s) URL")
        text = "https://" + text
    parts = urlsplit(text)
    if not parts.hostname:
        raise FeedListError(f"{value!r} is not a site: its URL has no host")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


def _site(entry: dict[str, Any] | str) -> dict[str, Any]:
    site = {"url": entry} if isinstance(entry, str) else dict(entry)
    if not site.get("url"):
        raise FeedListError(f"site without a url in the site list: {entry!r}")
    site["url"] = site_url(site["url"])
    site["site"] = urlsplit(site["url"]).netloc.removeprefix("www.")
    return site


def load_sites(argument: str | None, default: list[dict[str, Any] | str]) -> list[dict[str, Any]]:
    """The sites for this crawl (``-a sites=``, else the NEWS_SITES setting), without repeats.

    ``-a sites=`` is a host or URL, several separated by commas, or a text file with one site per
    line (``host-or-URL [name]``; blank lines and # comments skipped). Every site is a dict
    ``{"url", "site", "name", "language", "country"}``; only ``url`` is required.

    >>> [site["url"] for site in load_sites("a.example,https://b.example/news/", default=[])]
    ['https://a.example/', 'https://b.example/news/']
    """
    if argument is None or not argument.strip():
        entries: list[dict[str, Any] | str] = list(default)
    elif Path(argument.strip()).is_file():
        path = Path(argument.strip())
        entries = []
        for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            url, _, name = line.partition(" ")
            try:
                site_url(url)
            except FeedListError as error:
                raise FeedListError(f"{path}, line {number}: {error}") from None
            entries.append({"url": url, "name": name.strip() or None})
    else:
        entries = [part for part in argument.split(",") if part.strip()]
    unique: dict[str, dict[str, Any]] = {}
    for entry in entries:
        site = _site(entry)
        unique.setdefault(site["url"], site)
    return list(unique.values())
