"""The crawl's downloader middlewares: PrivateAddressGuard, HeadMetaRefreshMiddleware and
QuietRedirectMiddleware.

PrivateAddressGuard: feeds are untrusted, so their URLs may not reach the crawler's own network.

A feed (or a redirect, or a DNS name) could point the crawler at 127.0.0.1, the LAN, a
link-local address or a cloud metadata service (169.254.169.254) and have it fetch, and
store, what only this machine may read. Every request goes through ``process_request``,
redirects included (RedirectMiddleware schedules a new request), before it is downloaded:

* a scheme other than http or https is refused;
* a host that is an IP address, or a name any of whose addresses (resolved in a thread, never
  blocking the reactor, with the lookup of the crawl's resolver) is not a public unicast address,
  is refused;
* the addresses checked are pinned: the connection goes to them (``crawler/resolver.py``, whose
  resolver also refuses any private address it resolves itself: no DNS rebinding in between);
* a request that would go through a proxy (``HTTP_PROXY``..., or ``meta["proxy"]``) is refused
  unless ``NEWS_TRUSTED_PROXY`` says the proxy is trusted: a proxy resolves names itself.

A refused request fails with ``RefusedURL``; the spider's errback records it in ``errors``
("refused: ... resolves to private address ..."). ``NEWS_ALLOW_PRIVATE_ADDRESSES = True``
(``settings.demo``) turns the address check off; the scheme check stays.
``NEWS_ALLOWED_NETWORKS`` lists networks fetched all the same (an intranet feed server).

HeadMetaRefreshMiddleware: Scrapy's MetaRefreshMiddleware, which decodes only the start of a
page. Scrapy's looks for ``<meta http-equiv="refresh">`` in the first 4,096 characters but
decodes the whole body to get them (``response.text``); on a 200 KB page that was about 2% of
the crawl's main-process CPU (``make bench``), spent on text the workers decode again. A page
whose first bytes do not hold the word "refresh" at all (nearly every page) is not decoded.

QuietRedirectMiddleware: Scrapy's RedirectMiddleware, without its warning at every start that
no RefererMiddleware sets the Referer of redirects: wirecrawl turns RefererMiddleware off on
purpose (settings/base.py) and sends no Referer, so the warning would only fill the cron log.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from urllib.request import proxy_bypass

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from crawler.resolver import (
    PIN_SECONDS,
    Network,
    allowed_networks as networks_of,
    forbidden_address,
    is_public,  # noqa: F401 (the guard's rule, named here as before)
    lookup_of,
    pin,
    proxy_hosts,
    system_lookup,
)

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response
    from scrapy.crawler import Crawler

ALLOWED_SCHEMES = ("http", "https")


class RefusedURL(IgnoreRequest):
    """A URL the crawler will not fetch; the message (``refused: ...``) says why."""


def refusal(url: str, addresses: list[str], allowed: tuple[Network, ...] = ()) -> str | None:
    """The reason to refuse ``url`` given its host's addresses, or None to fetch it."""
    host = urlsplit(url).hostname or ""
    address = forbidden_address(addresses, allowed)
    if address is None:
        return None
    try:
        ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"refused: {url} resolves to an unparsable address {address!r}"
    return f"refused: {url[:300]}: {host} resolves to private address {address} (NEWS_ALLOW_PRIVATE_ADDRESSES is off)"


class PrivateAddressGuard:
    def __init__(
        self,
        allow_private: bool,
        allowed_networks: list[str] = (),
        lookup: Callable[[str, int], list[str]] = system_lookup,
        proxies: frozenset[str] = frozenset(),
        trust_proxy: bool = False,
    ):
        self.allow_private = allow_private
        self.allowed = networks_of(allowed_networks)
        self.lookup = lookup
        # Proxies the crawl goes through (HttpProxyMiddleware, from the environment) resolve names
        # themselves: unless they are trusted, nothing may go through them.
        self.proxies = proxies
        self.trust_proxy = trust_proxy
        self.checked: dict[tuple[str, int], tuple[float, list[str]]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressGuard:
        settings = crawler.settings
        return cls(
            settings.getbool("NEWS_ALLOW_PRIVATE_ADDRESSES"),
            settings.getlist("NEWS_ALLOWED_NETWORKS"),
            lookup_of(settings),
            proxy_hosts(settings),
            settings.getbool("NEWS_TRUSTED_PROXY"),
        )

    async def process_request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        scheme = parts.scheme.lower()
        if scheme not in ALLOWED_SCHEMES:
            raise RefusedURL(f"refused: {request.url[:300]} is not http(s) (scheme {scheme or 'none'!r})")
        if self.allow_private:
            return None
        host = (parts.hostname or "").rstrip(".")
        if not host:
            raise RefusedURL(f"refused: {request.url[:300]} has no host")
        if not self.trust_proxy and (request.meta.get("proxy") or self.proxies and not proxy_bypass(host)):
            raise RefusedURL(
                f"refused: {request.url[:300]} would be fetched through a proxy, which resolves names itself, so"
                " the private-address guard cannot check where it goes; set NEWS_TRUSTED_PROXY = True if the"
                " proxy refuses private addresses itself (or unset HTTP_PROXY/HTTPS_PROXY)"
            )
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise RefusedURL(f"refused: {request.url[:300]} has an invalid port") from None
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            addresses = await self._resolve(host, port)
        if addresses is None:
            return None  # the name does not resolve: the download fails with Scrapy's own DNS error
        reason = refusal(request.url, addresses, self.allowed)
        if reason:
            raise RefusedURL(reason)
        pin(host, addresses)  # the connection goes where this check looked (crawler/resolver.py)
        return None

    async def _resolve(self, host: str, port: int) -> list[str] | None:
        now = time.monotonic()
        cached = self.checked.get((host, port))
        if cached and now - cached[0] < PIN_SECONDS:
            return cached[1]
        try:
            addresses = await maybe_deferred_to_future(deferToThread(self.lookup, host, port))
        except (OSError, UnicodeError):
            return None
        self.checked[(host, port)] = (now, addresses)
        return addresses


# Scrapy reads the first 4,096 characters; no encoding takes more than 4 bytes for one.
META_REFRESH_HEAD_BYTES = 4 * 4096


class _NoReferer:
    """Redirects carry no Referer, and nothing is said about it at start (see the module's doc)."""

    def _engine_started(self) -> None:
        self._referer_spider_middleware = None


class QuietRedirectMiddleware(_NoReferer, RedirectMiddleware):
    """Scrapy's HTTP redirects, without the Referer warning."""


class HeadMetaRefreshMiddleware(_NoReferer, MetaRefreshMiddleware):
    """Scrapy's meta refresh redirects, read from the first ``META_REFRESH_HEAD_BYTES`` of a page."""

    def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if not isinstance(response, HtmlResponse) or len(response.body) <= META_REFRESH_HEAD_BYTES:
            return super().process_response(request, response)
        start = response.body[:META_REFRESH_HEAD_BYTES]
        # In an ASCII-compatible encoding the tag's http-equiv="refresh" is these bytes, in any
        # case; a page in UTF-16 or UTF-32 (NUL bytes) is decoded as before.
        if b"\x00" not in start and b"refresh" not in start.lower():
            return response
        head = response.replace(body=start)
        result = super().process_response(request, head)
        return response if result is head else result
