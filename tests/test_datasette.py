"""The newsroom in Datasette: canned queries, the story view plugin, and a real headless Chromium.

The demo web is crawled once into ``demo.db`` (so Datasette names the database ``demo``, as
``make serve DB=data/demo.db`` does), then read through Datasette's test client and, in one
test, through a real ``datasette serve`` and Chromium.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlite_utils
import yaml
from datasette.app import Datasette

from tests.conftest import PROJECT, run_crawl

METADATA = PROJECT / "storage" / "metadata.yml"
PLUGINS_DIR = PROJECT / "storage" / "datasette_plugin"
CHROMIUM = Path("/usr/bin/chromium")
SEED_TITLE = "Irak : Retour de 2.000 militaires syriens après la chute d’Assad"
SEED_SOURCES = {"Le Courrier du Levant", "La Dépêche du Vivarais", "Horizon Info"}


@pytest.fixture(scope="module")
def demo_db(demo_web, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("datasette")
    db_path = folder / "demo.db"
    result = run_crawl(db_path, str(demo_web.write_feed_list(folder / "feeds.txt")))
    assert result.returncode == 0, result.stderr[-3000:]
    return db_path


@pytest.fixture(scope="module")
def seed(demo_db) -> dict:
    """The seed story: its cluster id and its copies (id, source, published), from the database."""
    db = sqlite_utils.Database(demo_db)
    cluster = next(db.query("SELECT cluster_id FROM articles WHERE title = ?", [SEED_TITLE]))["cluster_id"]
    story = next(db.query("SELECT story_id FROM clusters WHERE id = ?", [cluster]))["story_id"]
    copies = list(
        db.query(
            "SELECT a.id, coalesce(a.site_name, f.name, a.site) AS source, a.published"
            " FROM articles a LEFT JOIN feeds f ON f.url = a.feed_url WHERE a.cluster_id = ? ORDER BY a.published",
            [cluster],
        )
    )
    return {"cluster": cluster, "story": story, "copies": copies}


def get(db_path: Path, *paths: str):
    """GET each path from a Datasette with the project's metadata and plugin (its test client)."""
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))

    async def fetch():
        datasette = Datasette([str(db_path)], metadata=metadata, plugins_dir=str(PLUGINS_DIR))
        return [await datasette.client.get(path) for path in paths]

    responses = asyncio.run(fetch())
    return responses[0] if len(paths) == 1 else responses


def rows(db_path: Path, path: str) -> list[dict]:
    base, _, query = path.partition("?")
    response = get(db_path, f"{base}.json?{query + '&' if query else ''}_shape=array")
    assert response.status_code == 200, response.text[:2000]
    return response.json()


def minutes(first: str, then: str) -> int:
    return round((datetime.fromisoformat(then) - datetime.fromisoformat(first)).total_seconds() / 60)


# --- canned queries ---


def test_every_canned_query_answers(demo_db):
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    queries = metadata["databases"]["demo"]["queries"]
    assert {"stories", "story", "new_since", "search", "feed_health", "runs", "recent_errors"} <= set(queries)
    params = {"story": "cluster=1", "search": "q=Irak", "new_since": "since=2024-12-19"}
    for name in queries:
        html, json = get(demo_db, f"/demo/{name}?{params.get(name, '')}", f"/demo/{name}.json?{params.get(name, '')}")
        assert html.status_code == 200, name
        assert json.status_code == 200 and json.json()["ok"], name


def test_stories_one_row_per_story_with_copies_per_language_and_sources(demo_db, demo_events, seed):
    stories = rows(demo_db, "/demo/stories")
    assert len(stories) == len(set(demo_events.values()))
    assert {"story", "title", "copies", "languages", "copies_per_language", "clusters", "first_published",
            "last_published", "first_seen", "sources"} <= set(stories[0])  # fmt: skip
    # The seed's dispatch is one story: its French cluster, and its English and Arabic versions.
    row = next(row for row in stories if row["story"] == seed["story"])
    assert row["copies"] == 3 + 2 + 2 and row["clusters"] == 3
    assert sorted(row["languages"].split(",")) == ["ar", "en", "fr"]
    assert sorted(row["copies_per_language"].split(", ")) == ["ar 2", "en 2", "fr 3"]
    assert SEED_SOURCES <= set(row["sources"].split(","))
    ordered = [row["last_published"] for row in stories]
    assert ordered == sorted(ordered, reverse=True)
    pages_per_story: dict[str, int] = {}
    for story in demo_events.values():
        pages_per_story[story] = pages_per_story.get(story, 0) + 1
    several = rows(demo_db, "/demo/stories?min_copies=2")
    assert len(several) == sum(1 for count in pages_per_story.values() if count >= 2)
    assert all(row["copies"] >= 2 for row in several)


def test_story_lists_every_copy_with_minutes_after_the_first(demo_db, seed):
    copies = rows(demo_db, f"/demo/story?cluster={seed['cluster']}")
    assert len(copies) == 3
    assert {copy["source"] for copy in copies} == SEED_SOURCES
    first = seed["copies"][0]["published"]
    assert [copy["minutes_after_first"] for copy in copies] == [minutes(first, c["published"]) for c in seed["copies"]]
    assert copies[0]["minutes_after_first"] == 0 and copies[-1]["minutes_after_first"] > 0
    assert all(copy["cluster"] == seed["cluster"] and copy["url"].startswith("http://127.0.0.1:") for copy in copies)
    assert all(copy["words"] > 100 and copy["site"].startswith("127.0.0.1:") for copy in copies)


def test_new_since(demo_db, demo_stories, seed):
    everything = rows(demo_db, "/demo/new_since?since=2000-01-01")
    assert len(everything) == len(demo_stories)
    times = [row["published"] for row in everything]
    assert times == sorted(times, reverse=True)  # newest first
    assert {"published", "source", "title", "cluster", "copies", "news", "story", "url"} <= set(everything[0])
    assert rows(demo_db, "/demo/new_since?since=2100-01-01") == []
    assert rows(demo_db, "/demo/new_since?since=not-a-time") == []

    # The seed's second copy's time, written in UTC+02:00: its first copy is older, so not new.
    first, second = seed["copies"][0]["published"], seed["copies"][1]["published"]
    second_at = datetime.fromisoformat(second)
    since = second_at.astimezone(timezone(timedelta(hours=2))).isoformat()
    assert since.endswith("+02:00")
    recent = rows(demo_db, f"/demo/new_since?since={urllib.parse.quote(since)}")
    expected = [p for p in times if datetime.fromisoformat(p) >= second_at]
    assert [row["published"] for row in recent] == expected
    seed_rows = [row for row in recent if row["cluster"] == seed["cluster"]]
    assert len(seed_rows) == 2 and first not in {row["published"] for row in seed_rows}
    assert {row["news"] for row in seed_rows} == {"new copy"}  # the story itself began earlier
    assert all(row["news"] == "new story" for row in rows(demo_db, "/demo/new_since?since=2000-01-01"))


def test_new_since_says_new_language_when_a_story_gains_one(demo_db, seed):
    db = sqlite_utils.Database(demo_db)
    copies = list(db.query(
        "SELECT a.language, a.published FROM articles a JOIN clusters c ON c.id = a.cluster_id WHERE c.story_id = ?"
        " ORDER BY a.published", [seed["story"]],
    ))  # fmt: skip
    firsts = {}
    for copy in copies:
        firsts.setdefault(copy["language"], copy["published"])
    later_language, since = max(firsts.items(), key=lambda item: item[1])
    assert since > copies[0]["published"]  # another language came first
    recent = [row for row in rows(demo_db, f"/demo/new_since?since={urllib.parse.quote(since)}")
              if row["story_id"] == seed["story"]]  # fmt: skip
    news = {(row["language"], row["published"]): row["news"] for row in recent}
    assert news[(later_language, since)] == "new language"
    assert all(value == "new copy" for (language, published), value in news.items() if language != later_language
               or published != since)  # fmt: skip


def test_feed_health_runs_search_and_errors(demo_db, seed):
    feeds = rows(demo_db, "/demo/feed_health")
    assert len(feeds) == 7
    assert all(feed["consecutive_failures"] == 0 and feed["last_status"] == 200 for feed in feeds)
    runs = rows(demo_db, "/demo/runs")
    assert len(runs) == 1
    assert runs[0]["finish_reason"] == "finished" and runs[0]["articles_new"] == 38 and runs[0]["seconds"] >= 0
    assert rows(demo_db, "/demo/recent_errors") == []
    found = rows(demo_db, "/demo/search?q=militaires")
    assert seed["cluster"] in {row["cluster"] for row in found}
    assert {row["story"] for row in found if row["cluster"] == seed["cluster"]} == {seed["story"]}
    # A search in Arabic finds the Arabic version, shown with the same story.
    arabic = rows(demo_db, "/demo/search?q=" + urllib.parse.quote("العراق"))
    assert seed["story"] in {row["story"] for row in arabic if row["language"] == "ar"}


def test_metadata_date_facet_sort_orders_and_column_descriptions(demo_db):
    articles, feeds, clusters = get(demo_db, "/demo/articles", "/demo/feeds", "/demo/clusters")
    assert articles.status_code == feeds.status_code == clusters.status_code == 200
    for facet in ("site", "language", "cluster_id", "published"):
        assert f"facet-demo-articles-{facet}" in articles.text
    assert "facet-demo-clusters-first_published" in clusters.text
    assert "The feed&#39;s address; the key." in feeds.text or "The feed's address; the key." in feeds.text
    assert "remain their publishers" in articles.text  # the articles' source
    by_day = rows(demo_db, "/demo/articles?published__date=2024-12-19")
    assert by_day and all(row["published"].startswith("2024-12-19") for row in by_day)


# --- the story view ---


def test_cluster_columns_link_to_the_story_view(demo_db, seed):
    link = f'href="/demo/-/story/{seed["cluster"]}"'
    for path in (f"/demo/story?cluster={seed['cluster']}", "/demo/new_since?since=2000-01-01",
                 "/demo/search?q=militaires"):
        page = get(demo_db, path)
        assert page.status_code == 200 and link in page.text, path
    story_link = f'href="/demo/-/story/{seed["story"]}"'
    for path in ("/demo/stories", "/demo/search?q=militaires", "/demo/new_since?since=2000-01-01"):
        assert story_link in get(demo_db, path).text, path
    assert "/-/story/" not in get(demo_db, "/demo/articles").text  # table pages keep Datasette's own links


def test_story_view_shows_copies_side_by_side_with_differences_and_spread(demo_db, seed):
    page = get(demo_db, f"/demo/-/story/{seed['cluster']}")
    assert page.status_code == 200
    html = page.text
    for copy in seed["copies"]:
        assert f'id="copy-{copy["id"]}"' in html
        assert copy["source"] in html
    assert html.count('class="copy ') + html.count('class="copy"') == 3
    assert html.count('class="copy representative"') == 1
    # The representative is shown as it is; both other copies (edited: datelines, figures, cuts)
    # have words added to and removed from its text. Which copy is the representative depends on
    # the fetch order.
    sections = {copy["id"]: html.split(f'id="copy-{copy["id"]}"')[1].split("</article>")[0] for copy in seed["copies"]}
    representative = next(copy["id"] for copy in seed["copies"] if f'copy representative" id="copy-{copy["id"]}"' in html)
    for article_id, section in sections.items():
        if article_id == representative:
            assert "<ins>" not in section and "<del>" not in section
        else:
            assert section.count("<ins>") >= 2 and section.count("<del>") >= 2, article_id
    first = seed["copies"][0]
    assert f"First published by <strong class=\"first-source\">{first['source']}</strong>" in html
    assert "first copy" in html
    for copy in seed["copies"][1:]:
        assert f"+{minutes(first['published'], copy['published'])} min" in html
    assert f'href="/demo/story?cluster={seed["cluster"]}"' in html


def test_story_view_shows_every_languages_copies_on_one_timeline(demo_db, seed):
    db = sqlite_utils.Database(demo_db)
    story = list(db.query(
        "SELECT a.id, a.language, a.published, c.id AS cluster, c.representative_id FROM articles a"
        " JOIN clusters c ON c.id = a.cluster_id WHERE c.story_id = ? ORDER BY a.published, a.id", [seed["story"]],
    ))  # fmt: skip
    html = get(demo_db, f"/demo/-/story/{seed['cluster']}").text
    assert "In every language" in html
    # a column per language, each with its clusters' representatives
    for language in ("fr", "en", "ar"):
        assert f'data-language="{language}"' in html
    for cluster in {row["cluster"] for row in story}:
        assert f'href="/demo/-/story/{cluster}"' in html
    # every copy of every language on one timeline, the story's first copy first
    assert html.count("data-story-article=") == len(story) == 7
    timeline = html.split('class="spread across"')[1].split("</table>")[0]
    shown = [int(part.split('"')[0]) for part in timeline.split('data-story-article="')[1:]]
    published = {row["id"]: row["published"] for row in story}
    assert sorted(shown) == sorted(published) and [published[i] for i in shown] == sorted(published.values())
    first = story[0]
    assert f'First in <strong class="first-language">{first["language"]}</strong>' in html
    for language in {row["language"] for row in story} - {first["language"]}:
        earliest = next(row for row in story if row["language"] == language)
        assert f"{language} <strong>+{minutes(first['published'], earliest['published'])} min" in html
    # the other languages' clusters open the same story
    other = next(row["cluster"] for row in story if row["cluster"] != seed["cluster"])
    assert "In every language" in get(demo_db, f"/demo/-/story/{other}").text


def test_story_view_unknown_story_or_database(demo_db):
    missing, no_database = get(demo_db, "/demo/-/story/12345", "/nosuchdb/-/story/12345")
    assert missing.status_code == 404 and "No story 12345" in missing.text
    assert no_database.status_code == 404


def test_other_databases_get_no_story_links(demo_db, tmp_path):
    other = tmp_path / "other.db"
    sqlite_utils.Database(other)["things"].insert({"cluster": 5})
    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))

    async def fetch():
        datasette = Datasette([str(demo_db), str(other)], metadata=metadata, plugins_dir=str(PLUGINS_DIR))
        return [
            await datasette.client.get(path)
            for path in ("/other?sql=select+cluster+from+things", "/other/-/story/5", "/demo?sql=select+5+as+cluster")
        ]

    query, story, demo_query = asyncio.run(fetch())
    assert query.status_code == 200 and "/-/story/" not in query.text
    assert story.status_code == 404 and "not a wirecrawl database" in story.text
    assert 'href="/demo/-/story/5"' in demo_query.text  # any query's cluster column, in a news database


# --- a real server and a real browser ---


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_answers(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"datasette serve exited with {server.returncode}: {server.stderr.read()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"datasette serve did not answer {url} within {timeout} s")


def chromium(profile: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    command = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", *arguments,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=180)


def test_story_view_in_headless_chromium(demo_db, seed, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("Chromium not installed: apt-get install chromium to run the browser test")
    datasette = Path(sys.executable).parent / "datasette"
    command = [str(datasette)] if datasette.exists() else [sys.executable, "-m", "datasette"]
    port = free_port()
    # As `make serve` runs it: the console script, from the checkout, with the plugins dir.
    server = subprocess.Popen(
        [*command, "serve", str(demo_db), "--metadata", str(METADATA), "--plugins-dir", str(PLUGINS_DIR),
         "--host", "127.0.0.1", "--port", str(port), "--setting", "sql_time_limit_ms", "5000"],
        cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_until_answers(f"http://127.0.0.1:{port}/-/versions.json", server)
        url = f"http://127.0.0.1:{port}/demo/-/story/{seed['cluster']}"
        dom = chromium(tmp_path / "profile", "--dump-dom", url)
        assert dom.returncode == 0, dom.stderr[-3000:]
        html = dom.stdout
        assert SEED_TITLE in html
        for copy in seed["copies"]:
            assert f'id="copy-{copy["id"]}"' in html and copy["source"] in html
        assert "<ins>" in html and "<del>" in html
        for language in ("fr", "en", "ar"):  # the story in every language, one column each
            assert f'data-language="{language}"' in html
        assert html.count("data-story-article=") == 7
        first = seed["copies"][0]
        for copy in seed["copies"][1:]:
            assert f"+{minutes(first['published'], copy['published'])} min" in html

        screenshot = tmp_path / "story.png"
        shot = chromium(tmp_path / "profile", f"--screenshot={screenshot}", "--window-size=1280,1600", url)
        assert shot.returncode == 0, shot.stderr[-3000:]
        data = screenshot.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", data[16:24]) == (1280, 1600)
        assert len(data) > 50_000  # a rendered page, not a blank one
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server.stderr.close()

