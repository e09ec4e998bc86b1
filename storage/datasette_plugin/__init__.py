"""wirecrawl's Datasette plugin: the story view, and links to it from the canned queries.

Load it with ``datasette serve DB --plugins-dir storage/datasette_plugin`` (``make serve`` does).
Datasette then runs this file as a plugin module of its own (not as ``storage.datasette_plugin``),
so it imports nothing relative; it only reads, through Datasette's read-only connections.

- ``/<database>/-/story/<cluster>``: the copies of one story side by side, each with its words
  added to (``<ins>``) and removed from (``<del>``) the representative's text, and the spread:
  which outlet had it first and how many minutes after the first copy each one appeared.
- A ``cluster`` column in a canned or SQL query result links to that story's view.
"""

from __future__ import annotations

import sys
from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response
from jinja2 import ChoiceLoader, FileSystemLoader
from markupsafe import Markup, escape

TEMPLATES = Path(__file__).resolve().parent / "templates"
PROJECT = Path(__file__).resolve().parents[2]

try:
    from storage.story import compare_copies, format_minutes
except ModuleNotFoundError:  # `datasette serve` does not put the checkout on sys.path
    sys.path.insert(0, str(PROJECT))
    from storage.story import compare_copies, format_minutes

MAX_COPIES = 100

CLUSTER_SQL = "select id, representative_id, title, first_seen, first_published, last_published, size from clusters where id = :cluster"

COPIES_SQL = """
select a.id, a.url, a.site, coalesce(a.site_name, f.name, a.site) as source, a.title, a.text,
       a.published, a.fetched, a.language, a.words, a.similarity
from articles a left join feeds f on f.url = a.feed_url
where a.cluster_id = :cluster
order by a.published, a.id
limit :limit
"""

async def _is_news_database(datasette, database: str) -> bool:
    """Whether ``database`` has wirecrawl's articles and clusters tables (remembered once true)."""
    known = datasette.__dict__.setdefault("_wirecrawl_news_databases", set())
    if database not in known:
        try:
            tables = await datasette.get_database(database).table_names()
        except KeyError:
            return False
        if not {"articles", "clusters"} <= set(tables):
            return False
        known.add(database)
    return True


def story_path(datasette, database: str, cluster: int) -> str:
    return f"{datasette.urls.database(database)}/-/story/{int(cluster)}"


async def story_view(datasette, request):
    route = request.url_vars["database"]
    try:
        db = datasette.get_database(route=route)
    except KeyError:
        raise NotFound(f"Database not found: {route}")
    database = db.name
    await datasette.ensure_permissions(
        request.actor,
        [("view-table", (database, "articles")), ("view-database", database), "view-instance"],
    )
    if not await _is_news_database(datasette, database):
        raise NotFound(f"{database} is not a wirecrawl database (it has no articles and clusters tables)")
    cluster_id = int(request.url_vars["cluster"])
    cluster_rows = (await db.execute(CLUSTER_SQL, {"cluster": cluster_id})).rows
    if not cluster_rows:
        raise NotFound(f"No story {cluster_id} in {database}")
    cluster = dict(cluster_rows[0])
    rows = (await db.execute(COPIES_SQL, {"cluster": cluster_id, "limit": MAX_COPIES + 1})).rows
    copies = [dict(row) for row in rows[:MAX_COPIES]]
    if not copies:
        raise NotFound(f"Story {cluster_id} in {database} has no articles")
    story = compare_copies(copies, cluster["representative_id"])
    representative = story["representative"]
    # The representative first (it is what the others are compared with), then the spread order.
    side_by_side = [representative] + [copy for copy in story["copies"] if copy is not representative]
    span = story["span_minutes"]
    longest = max(span or 0, 1)
    for copy in story["copies"]:
        minutes = copy["minutes_after_first"]
        copy["bar_percent"] = 0 if minutes is None else round(100 * minutes / longest, 1)
        copy["row_url"] = datasette.urls.row(database, "articles", str(copy["id"]))
    context = {
        "database": database,
        "cluster": cluster,
        "story": story,
        "side_by_side": side_by_side,
        "truncated": len(rows) > MAX_COPIES,
        "max_copies": MAX_COPIES,
        "languages": sorted({copy["language"] for copy in copies if copy.get("language")}),
        "sources": sorted({copy["source"] for copy in copies if copy.get("source")}),
        "span_text": format_minutes(span),
        "story_query_url": f"{datasette.urls.database(database)}/story?cluster={cluster_id}",
        "stories_query_url": f"{datasette.urls.database(database)}/stories",
        "cluster_row_url": datasette.urls.row(database, "clusters", str(cluster_id)),
    }
    html = await datasette.render_template("wirecrawl_story.html", context, request=request, view_name="story")
    return Response.html(html)


@hookimpl
def register_routes():
    return [(r"^/(?P<database>[^/]+)/-/story/(?P<cluster>\d+)$", story_view)]


@hookimpl
def prepare_jinja2_environment(env):
    # Datasette finds the templates of installed plugin packages, not of --plugins-dir modules.
    env.loader = ChoiceLoader([FileSystemLoader(str(TEMPLATES)), env.loader])


@hookimpl
def render_cell(value, column, table, database, datasette):
    """In a query's results (not a table page), a ``cluster`` column links to the story view."""
    if table is not None or column != "cluster" or isinstance(value, bool) or not isinstance(value, int):
        return None

    async def link():
        if not await _is_news_database(datasette, database):
            return None
        return Markup(
            f'<a href="{escape(story_path(datasette, database, value))}"'
            f' title="The copies of this story side by side">{value}</a>'
        )

    return link
