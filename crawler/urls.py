"""Article URLs as wirecrawl stores them: absolute, http(s) only, without tracking parameters.

The canonical form is the key that makes crawls incremental: an entry whose canonical URL is
already stored is not fetched again, whichever feed or tracking tag it came with. Two kinds of
tracking parameters go: those on courlan's list (``utm_*``, ``fbclid``, ``xtor``...), and those a
site's own pages showed to be tracking (``params_left_out``: the page's declared address is the
link without them), learned per site as the crawl goes (``storage/url_params.py``).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urldefrag, urlencode, urljoin, urlsplit, urlunsplit

from courlan import normalize_url


class UnusableLink(ValueError):
    """A feed entry's link that wirecrawl will not fetch; the message says why."""


PERCENT_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
# RFC 3986, 2.3: escapes of these characters mean the characters themselves.
UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _escape(match: re.Match[str]) -> str:
    character = chr(int(match[1], 16))
    return character if character in UNRESERVED else "%" + match[1].upper()


def normalize_escapes(url: str) -> str:
    """One spelling of every percent-escape: upper-case hex, unreserved characters unescaped.

    >>> normalize_escapes("https://news.example/%d8%aa%7e")
    'https://news.example/%D8%AA~'
    """
    return PERCENT_ESCAPE.sub(_escape, url) if "%" in url else url


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, sorted query, no fragment, no utm_*/fbclid/xtor... parameters,
    one spelling of percent-escapes.

    >>> canonical_url("HTTPS://News.example/a?utm_source=rss&id=3#top")
    'https://news.example/a?id=3'
    """
    normalized = normalize_url(url)
    return normalize_escapes(urldefrag(normalized)[0])


def without_params(url: str, names: frozenset[str] | set[str]) -> str:
    """``url`` (canonical) without the query parameters ``names``.

    >>> without_params("https://news.example/a?id=3&maca=en-rss", {"maca"})
    'https://news.example/a?id=3'
    """
    if not names or "?" not in url:
        return url
    parts = urlsplit(url)
    query = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True) if name not in names]
    if len(query) == len(parse_qsl(parts.query, keep_blank_values=True)):
        return url
    return normalize_escapes(urlunsplit(parts._replace(query=urlencode(query))))


def params_left_out(link: str, page: str) -> tuple[set[str], set[str]] | None:
    """What a page's declared address (``page``) says of the query parameters of the ``link`` that
    led to it: (names it left out, names it kept), or None when it is another address (another host
    or path, or parameters the link lacks), which says nothing of them. Both URLs canonical.

    >>> params_left_out("https://news.example/a?id=3&at_brand=x", "https://news.example/a?id=3")
    ({'at_brand'}, {'id'})
    """
    link_parts, page_parts = urlsplit(link), urlsplit(page)
    if (link_parts.hostname, link_parts.port, link_parts.path) != (page_parts.hostname, page_parts.port, page_parts.path):
        return None
    link_query = parse_qsl(link_parts.query, keep_blank_values=True)
    page_query = parse_qsl(page_parts.query, keep_blank_values=True)
    if not set(page_query) <= set(link_query):
        return None
    page_names = {name for name, _ in page_query}
    return {name for name, _ in link_query} - page_names, page_names & {name for name, _ in link_query}


def article_link(link: str | None, base_url: str) -> str:
    """The absolute http(s) URL of a feed entry's link, resolved against the feed's URL."""
    if not link or not link.strip():
        raise UnusableLink("entry has no link")
    absolute = urljoin(base_url, link.strip())
    scheme = urlsplit(absolute).scheme.lower()
    if scheme not in ("http", "https"):
        raise UnusableLink(f"link scheme {scheme or 'none'!r} is not http(s): {link[:200]}")
    if not urlsplit(absolute).hostname:
        raise UnusableLink(f"link has no host: {link[:200]}")
    return absolute
