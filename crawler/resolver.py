"""GuardedResolver: the DNS resolver Scrapy connects with, which never connects to a private address.

The private-address guard (``crawler/middlewares.py``) checks every request's host before it is
downloaded, redirects included; but Scrapy resolves the name again to connect, and a name that
answers a public address to the check and 127.0.0.1 or 169.254.169.254 a moment later (DNS
rebinding) would get through. So the check is made where the connection is made, too
(``TWISTED_DNS_RESOLVER``):

* the connection goes to the addresses the guard checked for that name (``pin``), for as long
  as the guard reuses its check (``PIN_SECONDS``): the guard and the connection see one answer;
* a name the guard did not check (or checked too long ago) is resolved here, and refused
  (``RefusedAddress``) if any of its addresses is loopback, private, link-local, metadata...
  unless ``NEWS_ALLOW_PRIVATE_ADDRESSES`` or ``NEWS_ALLOWED_NETWORKS`` allow it.

The guard resolves with the same ``lookup`` as this resolver, so the two never ask two
different sources. The proxy a crawl goes through (``HTTP_PROXY``...) is resolved as it always
was when ``NEWS_TRUSTED_PROXY`` says it is trusted; untrusted, the guard refuses the crawl's
requests instead (a proxy resolves the names it is asked for itself).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from urllib.request import getproxies

from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.misc import load_object
from twisted.internet import defer, error, threads

if TYPE_CHECKING:
    from collections.abc import Sequence

    from scrapy.crawler import Crawler
    from twisted.internet.base import ReactorBase

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# How long the guard reuses a host's check, and the connection the addresses it checked.
PIN_SECONDS = 60.0


class RefusedAddress(error.DNSLookupError):
    """A name that resolves, when the crawler connects, to an address it will not connect to."""


def is_public(address: IPAddress) -> bool:
    """True for a global unicast address: not loopback, private, link-local, CGNAT, reserved...

    >>> [is_public(ipaddress.ip_address(a)) for a in ("8.8.8.8", "169.254.169.254", "::ffff:10.0.0.1", "fd00::1")]
    [True, False, False, False]
    """
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if embedded is not None and not is_public(embedded):
            return False
        if address.ipv4_mapped is not None:
            return is_public(address.ipv4_mapped)
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_unspecified)


def forbidden_address(addresses: Iterable[str], allowed: tuple[Network, ...] = ()) -> str | None:
    """The first of ``addresses`` that may not be fetched (or that does not parse), or None."""
    for text in addresses:
        try:
            address = ipaddress.ip_address(text.split("%", 1)[0])
        except ValueError:
            return text
        if any(address in network for network in allowed if network.version == address.version):
            continue
        if not is_public(address):
            return str(address)
    return None


def allowed_networks(networks: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(network.strip(), strict=False) for network in networks if network.strip())


def system_lookup(host: str, port: int = 0) -> list[str]:
    """Every address ``host`` resolves to (blocking: run it in a thread). Raises OSError if none."""
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port or None, 0, socket.SOCK_STREAM)})


def proxy_hosts(settings: Any) -> frozenset[str]:
    """Hosts of the proxies Scrapy's HttpProxyMiddleware takes from the environment."""
    if not settings.getbool("HTTPPROXY_ENABLED", True):
        return frozenset()
    return frozenset(host for url in getproxies().values() if (host := urlsplit(url if "//" in url else f"//{url}").hostname))


_pins: dict[str, tuple[float, list[str]]] = {}
_pins_lock = threading.Lock()


def pin(host: str, addresses: list[str]) -> None:
    """The guard checked ``addresses`` for ``host``: connections to ``host`` go to them."""
    with _pins_lock:
        _pins[host.lower()] = (time.monotonic(), addresses)


def pinned(host: str) -> list[str] | None:
    with _pins_lock:
        entry = _pins.get(host.lower())
    if entry is None or time.monotonic() - entry[0] >= PIN_SECONDS:
        return None
    return entry[1]


# Twisted reports a name whose lookup failed as "no results for hostname lookup", whatever the
# reason: the refusals are kept here for the spider to say why (``refusal_for``).
_refusals: dict[str, tuple[float, str]] = {}


def refusal_for(host: str) -> str | None:
    """Why the resolver refused to connect to ``host`` a moment ago, if it did."""
    with _pins_lock:
        entry = _refusals.get(host.lower())
    if entry is None or time.monotonic() - entry[0] >= PIN_SECONDS:
        return None
    return entry[1]


def lookup_of(settings: Any):
    """The lookup the crawl's resolver uses, for the guard to use the same one."""
    resolver = load_object(settings.get("TWISTED_DNS_RESOLVER") or "")
    return resolver.lookup if isinstance(resolver, type) and issubclass(resolver, GuardedResolver) else system_lookup


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's resolver (IPv4, DNS_TIMEOUT), refusing to connect to the addresses the guard refuses."""

    lookup = staticmethod(system_lookup)

    def __init__(
        self,
        reactor: ReactorBase,
        cache_size: int,
        timeout: float,
        allow_private: bool = False,
        networks: tuple[Network, ...] = (),
        trusted_hosts: frozenset[str] = frozenset(),
    ):
        super().__init__(reactor, cache_size, timeout)
        self.allow_private = allow_private
        self.networks = networks
        self.trusted_hosts = trusted_hosts

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: ReactorBase) -> GuardedResolver:
        settings = crawler.settings
        resolver = super().from_crawler(crawler, reactor)
        resolver.allow_private = settings.getbool("NEWS_ALLOW_PRIVATE_ADDRESSES")
        resolver.networks = allowed_networks(settings.getlist("NEWS_ALLOWED_NETWORKS"))
        # A trusted proxy may be on the local network: the connection to it is not refused.
        resolver.trusted_hosts = proxy_hosts(settings) if settings.getbool("NEWS_TRUSTED_PROXY") else frozenset()
        return resolver

    def pinned(self, name: str) -> list[str] | None:
        return pinned(name)

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> defer.Deferred[str]:
        if self.allow_private or name.lower() in self.trusted_hosts:
            return super().getHostByName(name, timeout)
        addresses = self.pinned(name)
        if addresses is not None:
            return defer.maybeDeferred(self._connect_to, name, addresses)
        lookup = threads.deferToThreadPool(self.reactor, self.reactor.getThreadPool(), type(self).lookup, name, 0)
        lookup.addTimeout(self.timeout, self.reactor)
        lookup.addErrback(self._not_found, name)
        lookup.addCallback(lambda found: self._connect_to(name, found))
        return lookup

    @staticmethod
    def _not_found(failure: Any, name: str) -> None:
        if failure.check(RefusedAddress):
            return failure
        raise error.DNSLookupError(f"address {name!r} not found: {failure.getErrorMessage()}")

    def _connect_to(self, name: str, addresses: list[str]) -> str:
        if (address := forbidden_address(addresses, self.networks)) is not None:
            reason = (
                f"refused: {name} resolves to private address {address} when connecting"
                " (NEWS_ALLOW_PRIVATE_ADDRESSES is off)"
            )
            with _pins_lock:
                _refusals[name.lower()] = (time.monotonic(), reason)
            raise RefusedAddress(reason)
        for address in addresses:
            if ":" not in address:
                return address
        raise error.DNSLookupError(f"address {name!r} has no IPv4 address")
