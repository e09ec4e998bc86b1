"""wirecrawl's Datasette plugin: the story view, and links to it from the canned queries.

Load it with ``datasette serve DB --plugins-dir storage/datasette_plugin`` (``make serve`` does).
Datasette then runs this file as a plugin module of its own (not as ``storage.datasette_plugin``),
so it imports nothing relative; it only reads, through Datasette's read-only connections.

- ``/<database>/-/story/<cluster>``: the story the cluster belongs to in every language (a column
  per language with each of its clusters' representative, and all its copies on one timeline:
  which language published first and how long the others took), then the cluster's copies side by side, each with its words
  added to (``<ins>``) and removed from (``<del>``) the representative's text, and the spread:
  which outlet had it first and how many minutes after the first copy each one appeared.
- A ``cluster``, ``story`` or ``story_id`` column in a canned or SQL query result links to that story's view.
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
    from storage.story import across_languages, compare_copies, format_minutes
except ModuleNotFoundError:  # `datasette serve` does not put the checkout on sys.path
    sys.path.insert(0, str(PROJECT))
    from storage.story import across_languages, compare_copies, format_minutes

MAX_COPIES = 100
LINKED_COLUMNS = ("cluster", "story", "story_id")

CLUSTER_SQL = "select * from clusters where id = :cluster"
STORY_SQL = "select id, title, languages, clusters, size, first_published from stories where id = :story"
STORY_CLUSTERS_SQL = (
    "select id, representative_id, title, size, first_published from clusters where story_id = :story"
    " order by first_published, id"
)
STORY_COPIES_SQL = """
select a.id, a.url, a.site, coalesce(a.site_name, f.name, a.site) as source, a.title, a.text,
       a.published, a.fetched, a.language, a.words, a.cluster_id
from clusters c join articles a on a.cluster_id = c.id left join feeds f on f.url = a.feed_url
where c.story_id = :story
order by a.published, a.id
limit :limit
"""

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
    # The story above the cluster: every language's clusters and copies on one timeline.
    story_id = cluster.get("story_id") or cluster_id
    story_rows, story_clusters, story_copies = [], [], []
    if "stories" in await db.table_names():  # a database no crawl has migrated to schema 7 has none
        story_rows = (await db.execute(STORY_SQL, {"story": story_id})).rows
        story_clusters = [dict(row) for row in (await db.execute(STORY_CLUSTERS_SQL, {"story": story_id})).rows]
        story_copies = [
            dict(row) for row in (await db.execute(STORY_COPIES_SQL, {"story": story_id, "limit": MAX_COPIES * 3})).rows
        ]
    languages = across_languages(story_copies or copies, story_clusters or [cluster])
    timeline = languages["timeline"]
    longest_story = max([copy["minutes_after_first"] or 0 for copy in timeline] + [1])
    for copy in timeline:
        minutes = copy["minutes_after_first"]
        copy["bar_percent"] = 0 if minutes is None else round(100 * minutes / longest_story, 1)
        copy["is_this_cluster"] = copy.get("cluster_id") == cluster_id
    for entry in languages["languages"]:
        for other in entry["clusters"]:
            other["view_url"] = story_path(datasette, database, other["id"])
    context = {
        "database": database,
        "story_row": dict(story_rows[0]) if story_rows else {"id": story_id, "title": cluster["title"]},
        "across": languages,
        "many_languages": len(languages["languages"]) > 1,
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
    """In a query's results (not a table page), a ``cluster``, ``story`` or ``story_id`` column
    links to the story view (a story's id is its first cluster's id)."""
    if table is not None or column not in LINKED_COLUMNS or isinstance(value, bool) or not isinstance(value, int):
        return None

    async def link():
        if not await _is_news_database(datasette, database):
            return None
        return Markup(
            f'<a href="{escape(story_path(datasette, database, value))}"'
            f' title="The copies of this story side by side">{value}</a>'
        )

    return link
