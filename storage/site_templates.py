"""Each site's learned article templates, kept beside its boilerplate lines (``site_lines.py``).

A row per site holds the site's templates as the extraction engine learns them
(``pipelines/article/templates.py``: plain JSON, so this module needs to know nothing of
what they mean), with the number of pages they were learned from and read by, so that
Datasette shows which sites are read by their template. Rows are cached per site, and a
changed site is written once per transaction, when ``NewsDatabase.commit`` calls ``write``
(a site's JSON is several kilobytes, and the crawl's main process changes it on every page).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from typing import Any


class SiteTemplates:
    """The per-site template store on an open connection.

    >>> store = SiteTemplates(conn)
    >>> templates = store.get("lemonde.fr")     # [] for a site not seen yet
    >>> store.put("lemonde.fr", templates)
    """

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._cache: dict[str, list[dict[str, Any]]] = {}
        self.dirty: set[str] = set()

    def get(self, site: str) -> list[dict[str, Any]]:
        if site not in self._cache:
            row = self.conn.execute("SELECT templates FROM site_templates WHERE site = ?", [site]).fetchone()
            self._cache[site] = json.loads(row[0]) if row else []
        return self._cache[site]

    def put(self, site: str, templates: list[dict[str, Any]]) -> None:
        """Keep a site's changed templates; they are written by the next ``write``."""
        self._cache[site] = templates
        self.dirty.add(site)

    def write(self) -> None:
        """Write the changed sites' rows; the caller owns the transaction."""
        updated = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.conn.executemany(
            "INSERT INTO site_templates (site, templates, pages, hits, updated) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (site) DO UPDATE SET templates = excluded.templates, pages = excluded.pages,"
            " hits = excluded.hits, updated = excluded.updated",
            [
                (
                    site,
                    json.dumps(self._cache[site], ensure_ascii=False, separators=(",", ":")),
                    sum(template.get("pages", 0) for template in self._cache[site]),
                    sum(template.get("hits", 0) for template in self._cache[site]),
                    updated,
                )
                for site in sorted(self.dirty)
            ],
        )
        self.dirty.clear()
