"""Read-side queries shared by the command line, the demo and the tests."""

from __future__ import annotations

import sqlite3
from typing import Any

LARGEST_CLUSTERS_SQL = """
SELECT c.id, c.size, rep.title,
       group_concat(DISTINCT coalesce(a.site_name, f.name, a.site)) AS sources,
       group_concat(DISTINCT a.language) AS languages
FROM clusters c
JOIN articles rep ON rep.id = c.representative_id
JOIN articles a ON a.cluster_id = c.id
LEFT JOIN feeds f ON f.url = a.feed_url
GROUP BY c.id
ORDER BY c.size DESC, c.first_published
LIMIT :limit
"""


STORIES_ACROSS_LANGUAGES_SQL = """
SELECT s.id, s.size, s.title, s.languages,
       (SELECT group_concat(language || ' ' || copies, ', ') FROM (
            SELECT a.language, count(*) AS copies FROM clusters c JOIN articles a ON a.cluster_id = c.id
            WHERE c.story_id = s.id GROUP BY a.language ORDER BY min(coalesce(a.published, a.fetched)))) AS per_language
FROM stories s
WHERE s.languages LIKE '%,%'
ORDER BY s.size DESC, s.first_published
LIMIT :limit
"""


def counts(conn: sqlite3.Connection) -> dict[str, Any]:
    one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    return {
        "articles": one("SELECT count(*) FROM articles"),
        "sites": one("SELECT count(DISTINCT site) FROM articles"),
        "clusters": one("SELECT count(*) FROM clusters"),
        "clusters_with_copies": one("SELECT count(*) FROM clusters WHERE size > 1"),
        "errors": one("SELECT count(*) FROM errors"),
        "stories": one("SELECT count(*) FROM stories"),
        "stories_across_languages": one("SELECT count(*) FROM stories WHERE languages LIKE '%,%'"),
        "languages": dict(
            conn.execute("SELECT coalesce(language, '?'), count(*) FROM articles GROUP BY 1 ORDER BY 2 DESC").fetchall()
        ),
    }


def largest_clusters(conn: sqlite3.Connection, limit: int = 5) -> list[dict[str, Any]]:
    cursor = conn.execute(LARGEST_CLUSTERS_SQL, {"limit": limit})
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def stories_across_languages(conn: sqlite3.Connection, limit: int = 5) -> list[dict[str, Any]]:
    cursor = conn.execute(STORIES_ACROSS_LANGUAGES_SQL, {"limit": limit})
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def last_run(conn: sqlite3.Connection) -> dict[str, Any] | None:
    cursor = conn.execute("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")
    row = cursor.fetchone()
    return dict(zip([column[0] for column in cursor.description], row)) if row else None


def summary(conn: sqlite3.Connection, limit: int = 5) -> str:
    """A few lines a person reads after a crawl: what is stored, and the biggest stories."""
    c = counts(conn)
    languages = ", ".join(f"{language} {number}" for language, number in c["languages"].items())
    lines = [
        f"Articles stored: {c['articles']} from {c['sites']} sites ({languages or 'none'})",
        f"Clusters: {c['clusters']} same-language clusters, {c['clusters_with_copies']} with more than one copy",
        f"Stories: {c['stories']} stories, {c['stories_across_languages']} in more than one language",
    ]
    run = last_run(conn)
    if run:
        lines.append(
            f"Last run #{run['id']} ({run['finish_reason'] or 'not finished'}): {run['articles_new'] or 0} new articles,"
            f" {run['articles_known'] or 0} already stored, {run['feeds_not_modified'] or 0} feeds not modified,"
            f" {run['errors'] or 0} errors"
        )
    lines.append(f"Errors recorded (all runs): {c['errors']} (table errors)")
    clusters = largest_clusters(conn, limit)
    if clusters:
        lines.append("Largest clusters:")
        for cluster in clusters:
            lines.append(f"  [{cluster['size']} copies] {cluster['title']}")
            lines.append(f"      cluster {cluster['id']}; sources: {cluster['sources']}; languages: {cluster['languages']}")
    stories = stories_across_languages(conn, limit)
    if stories:
        lines.append("Stories in more than one language:")
        for story in stories:
            lines.append(f"  [{story['size']} copies: {story['per_language']}] {story['title']}")
            lines.append(f"      story {story['id']}; languages: {story['languages']}")
    return "\n".join(lines) + "\n"
