"""Article URLs as wirecrawl stores them: absolute, http(s) only, without tracking parameters.

The canonical form is the key that makes crawls incremental: an entry whose canonical URL is
already stored is not fetched again, whichever feed or tracking tag it came with.
"""

from __future__ import annotations

from urllib.parse import urldefrag, urljoin, urlsplit

from courlan import normalize_url


class UnusableLink(ValueError):
    """A feed entry's link that wirecrawl will not fetch; the message says why."""


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, sorted query, no fragment, no utm_*/fbclid/xtor... parameters.

    >>> canonical_url("HTTPS://News.example/a?utm_source=rss&id=3#top")
    'https://news.example/a?id=3'
    """
    normalized = normalize_url(url)
    return urldefrag(normalized)[0]


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
