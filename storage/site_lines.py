"""What each site repeats: lines (paragraphs) seen on pages of many different stories.

A line that one site prints under articles of three different clusters ("Laisser un
commentaire", a newsletter pitch, a cookie notice, "Read more: <a fixed headline>") is that
site's boilerplate, not news. Counting clusters rather than pages keeps the paragraphs an
update repeats from its original (one story) from ever counting. wirecrawl learns the model as
it crawls and keeps it here, so tomorrow's run knows today's boilerplate; new articles are
cleaned of it before they are stored and signed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

# Distinct clusters a line must appear in, on one site, to count as that site's boilerplate.
BOILERPLATE_CLUSTERS = 3


class SiteLines:
    """The per-site line model on an open connection; known lines are cached per site.

    >>> lines = SiteLines(conn)
    >>> lines.known("lemonde.fr")          # line keys to remove from this site's articles
    frozenset(...)
    >>> lines.observe("lemonde.fr", keys, cluster_id)
    """

    def __init__(self, conn: sqlite3.Connection, threshold: int = BOILERPLATE_CLUSTERS):
        self.conn = conn
        self.threshold = threshold
        self._known: dict[str, frozenset[int]] = {}

    def known(self, site: str) -> frozenset[int]:
        if site not in self._known:
            rows = self.conn.execute(
                "SELECT line FROM site_lines WHERE site = ? AND clusters >= ?", [site, self.threshold]
            )
            self._known[site] = frozenset(row[0] for row in rows)
        return self._known[site]

    def observe(self, site: str, line_keys: Iterable[int], cluster_id: int) -> None:
        """Count an article's lines for its site; the caller owns the transaction."""
        keys = list(dict.fromkeys(line_keys))
        if not keys:
            return
        self.conn.executemany(
            "INSERT INTO site_lines (site, line, clusters, last_cluster) VALUES (?, ?, 1, ?)"
            " ON CONFLICT (site, line) DO UPDATE SET"
            " clusters = clusters + (last_cluster IS NOT excluded.last_cluster),"
            " last_cluster = excluded.last_cluster",
            [(site, key, cluster_id) for key in keys],
        )
        known = self._known.get(site)
        if known is None:
            return
        # Counts only grow, so the known set only grows: add the lines that just crossed the
        # threshold (a few primary-key reads) instead of reading the site's whole set again.
        crossed = self.conn.execute(
            f"SELECT line FROM site_lines WHERE site = ? AND clusters >= ? AND line IN ({','.join('?' * len(keys))})",
            [site, self.threshold, *keys],
        )
        new = {row[0] for row in crossed} - known
        if new:
            self._known[site] = known | new
