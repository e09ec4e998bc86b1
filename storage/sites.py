"""Sites given as input, the sources their discovery found, and each sitemap's high-water mark.

A site (``sites`` table, keyed by its homepage URL) is discovered at most once per interval: its
feeds and sitemaps are then rows of ``feeds`` with ``discovered_from`` = the site's URL and their
``kind``. A sitemap index's children are ``feeds`` rows too, ``discovered_from`` the index, so
their validators and marks are kept like any feed's. A sitemap's ``newest_entry`` is the newest
publication time it gave in a complete run: without ``-a since=``, the next run takes only
entries from that time on.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

# What a ``feeds`` row is.
FEED, NEWS_SITEMAP, SITEMAP, SITEMAP_INDEX = "feed", "news_sitemap", "sitemap", "sitemap_index"
SITEMAP_KINDS = (NEWS_SITEMAP, SITEMAP, SITEMAP_INDEX)


class SiteSources:
    """Sites and their discovered sources, on an open connection (writes inside the caller's
    transaction: call ``NewsDatabase.begin`` first)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def upsert(self, sites: Iterable[dict[str, Any]]) -> None:
        for site in sites:
            self.conn.execute(
                "INSERT INTO sites (url, site, name, language, country) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT(url) DO UPDATE SET name = coalesce(excluded.name, name),"
                " language = coalesce(excluded.language, language), country = coalesce(excluded.country, country)",
                [site["url"], site["site"], site.get("name"), site.get("language"), site.get("country")],
            )

    def discovered(self, url: str) -> str | None:
        """When the site's discovery last completed (UTC, ISO 8601), or None."""
        row = self.conn.execute("SELECT discovered FROM sites WHERE url = ?", [url]).fetchone()
        return row[0] if row else None

    def record_discovery(self, url: str, when: str, feeds: int, sitemaps: int, error: str | None) -> None:
        self.conn.execute(
            "UPDATE sites SET discovered = ?, feeds_found = ?, sitemaps_found = ?, last_error = ? WHERE url = ?",
            [when, feeds, sitemaps, error, url],
        )

    def register(self, sources: Iterable[dict[str, Any]]) -> None:
        """Register discovered sources in ``feeds``; a known row keeps its state and gains what is new.
        A source without a ``kind`` (an index's child, not read yet) is a ``sitemap`` until it is read."""
        for source in sources:
            self.conn.execute(
                "INSERT INTO feeds (url, name, language, country, kind, discovered_from, listed_lastmod)"
                " VALUES (?, ?, ?, ?, coalesce(?, ?), ?, ?) ON CONFLICT(url) DO UPDATE SET"
                " name = coalesce(name, excluded.name), language = coalesce(language, excluded.language),"
                " country = coalesce(country, excluded.country), kind = coalesce(?, kind),"
                " discovered_from = coalesce(discovered_from, excluded.discovered_from),"
                " listed_lastmod = coalesce(excluded.listed_lastmod, listed_lastmod)",
                [source["url"], source.get("name"), source.get("language"), source.get("country"),
                 source.get("kind"), SITEMAP, source.get("discovered_from"), source.get("listed_lastmod"),
                 source.get("kind")],
            )  # fmt: skip

    def set_kind(self, url: str, kind: str) -> None:
        self.conn.execute("UPDATE feeds SET kind = ? WHERE url = ? AND kind != ?", [kind, url, kind])

    def kind(self, url: str) -> str:
        row = self.conn.execute("SELECT kind FROM feeds WHERE url = ?", [url]).fetchone()
        return row[0] if row and row[0] else FEED

    def sources(self, site_url: str) -> list[dict[str, Any]]:
        """The feeds and sitemaps the site's last discovery found."""
        rows = self.conn.execute(
            "SELECT url, kind, name, language, country FROM feeds WHERE discovered_from = ? ORDER BY kind, url",
            [site_url],
        )
        return [dict(zip(("url", "kind", "name", "language", "country"), row)) for row in rows]

    def children_to_read(self, index_url: str) -> list[str]:
        """The sitemaps an index listed that were not read since they last changed: an index that
        answered 304 still lists the same lastmods, so only these can hold what was not read (those
        it listed without a lastmod, and those whose last read failed or came before their lastmod)."""
        rows = self.conn.execute(
            "SELECT url FROM feeds WHERE discovered_from = ? AND kind IN (?, ?, ?)"
            " AND (listed_lastmod IS NULL OR last_success IS NULL OR last_success < listed_lastmod) ORDER BY url",
            [index_url, *SITEMAP_KINDS],
        )
        return [row[0] for row in rows]

    def newest_entry(self, url: str) -> str | None:
        row = self.conn.execute("SELECT newest_entry FROM feeds WHERE url = ?", [url]).fetchone()
        return row[0] if row else None

    def advance_newest_entry(self, url: str, when: str) -> None:
        """Move a sitemap's mark forward to ``when`` (never back: a backfill of older days keeps it)."""
        self.conn.execute(
            "UPDATE feeds SET newest_entry = ? WHERE url = ? AND (newest_entry IS NULL OR newest_entry < ?)",
            [when, url, when],
        )
