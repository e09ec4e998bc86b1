"""What each site's pages say of its links: tracking parameters learned, and links that led to a page stored
under its own address.

A page that declares its address (``rel=canonical``, ``og:url``) without a query parameter its link
had says that parameter does not choose the page. One page could be wrong; a parameter that
``LEARNED_AFTER`` pages of a site left out, and none kept, is that site's tracking parameter
(``?maca=en-rss-...``, ``?at_brand=...``, ``?from=RSS``) and is stripped from its links before they are
fetched. A parameter that one page keeps in its address is never learned.

``article_links`` remembers each link (canonical) that led to an article stored under another
address, so that link is known to later runs as the article's own address is.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

# Pages of one site that must leave a parameter out of their address, and none keep it.
LEARNED_AFTER = 3


class UrlParams:
    """Tracking parameters learned per site, on an open connection (cached per site).

    >>> params = UrlParams(conn)
    >>> params.observe("news.example", left_out={"maca"}, kept={"id"})
    >>> params.tracking("news.example")
    frozenset()
    """

    def __init__(self, conn: sqlite3.Connection, learned_after: int = LEARNED_AFTER):
        self.conn = conn
        self.learned_after = learned_after
        self._tracking: dict[str, frozenset[str]] = {}

    def tracking(self, site: str) -> frozenset[str]:
        """The parameters learned as ``site``'s tracking parameters."""
        if site not in self._tracking:
            rows = self.conn.execute(
                "SELECT param FROM site_params WHERE site = ? AND left_out >= ? AND kept = 0", [site, self.learned_after]
            )
            self._tracking[site] = frozenset(row[0] for row in rows)
        return self._tracking[site]

    def observe(self, site: str, left_out: Iterable[str], kept: Iterable[str]) -> None:
        """One page of ``site`` declared its address without the parameters ``left_out`` of its link,
        and with ``kept``. The caller's transaction holds the writes."""
        for column, names in (("left_out", left_out), ("kept", kept)):
            for name in names:
                self.conn.execute(
                    f"INSERT INTO site_params (site, param, {column}) VALUES (?, ?, 1)"
                    f" ON CONFLICT (site, param) DO UPDATE SET {column} = {column} + 1",
                    [site, name],
                )
        self._tracking.pop(site, None)

    def add_link(self, link: str, article_id: int) -> None:
        """``link`` led to the article ``article_id``, stored under another address."""
        self.conn.execute("INSERT OR IGNORE INTO article_links (url, article_id) VALUES (?, ?)", [link, article_id])
