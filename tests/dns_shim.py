"""Resolvers the DNS rebinding tests install in a crawl (``-s TWISTED_DNS_RESOLVER=tests.dns_shim...``).

Names under ``.invalid`` answer 127.0.0.2 to the first lookup in the process and 127.0.0.3 to every
later one, as a rebinding attacker's DNS server answers a public address first and a private one
after; other names resolve as usual. Nothing leaves the machine.
"""

from __future__ import annotations

import threading

from crawler.resolver import GuardedResolver, system_lookup

FIRST, THEN = "127.0.0.2", "127.0.0.3"
_answered: set[str] = set()
_lock = threading.Lock()


def rebinding_lookup(host: str, port: int = 0) -> list[str]:
    if not host.endswith(".invalid"):
        return system_lookup(host, port)
    with _lock:
        first = host not in _answered
        _answered.add(host)
    return [FIRST if first else THEN]


class RebindingResolver(GuardedResolver):
    """The crawl's resolver, over a DNS that rebinds ``.invalid`` names after their first answer."""

    lookup = staticmethod(rebinding_lookup)


class RebindingResolverWithoutPins(RebindingResolver):
    """The same, not using the guard's checked addresses: every connection resolves the name again."""

    def pinned(self, name: str) -> list[str] | None:
        return None
