"""A real ``python -m scrapy crawl feeds`` of the demo web, read back with sqlite-utils and Datasette."""

import asyncio
from collections import defaultdict
from pathlib import Path

import pytest
import sqlite_utils
import yaml
from datasette.app import Datasette

from crawler.urls import canonical_url

from tests.conftest import PROJECT, run_crawl

SEED_STORY = "fr-irak-militaires-syriens"


@pytest.fixture(scope="module")
def crawled(demo_web, tmp_path_factory):
    """The demo web crawled twice into one database; the second run must add nothing."""
    folder = tmp_path_factory.mktemp("e2e")
    db_path = folder / "news.db"
    feeds = demo_web.write_feed_list(folder / "feeds.txt")
    first = run_crawl(db_path, str(feeds))
    assert first.returncode == 0, first.stderr[-3000:]
    before = sqlite_utils.Database(db_path)["articles"].count
    second = run_crawl(db_path, str(feeds))
    assert second.returncode == 0, second.stderr[-3000:]
    return db_path, before


def stored_clusters(db_path: Path, demo_web, demo_stories) -> dict[str, int]:
    db = sqlite_utils.Database(db_path)
    cluster_of_url = {row["url"]: row["cluster_id"] for row in db.query("SELECT url, cluster_id FROM articles")}
    return {page: cluster_of_url.get(canonical_url(demo_web.url_of(page))) for page in demo_stories}


def test_every_demo_article_is_stored_once(crawled, demo_stories):
    db_path, _ = crawled
    db = sqlite_utils.Database(db_path)
    assert db["articles"].count == len(demo_stories)
    assert db.execute("SELECT count(DISTINCT url) FROM articles").fetchone()[0] == len(demo_stories)
    assert list(db.query("SELECT stage, url, reason FROM errors")) == []


def test_seed_story_copies_share_one_cluster(crawled, demo_web, demo_stories):
    clusters = stored_clusters(crawled[0], demo_web, demo_stories)
    seed_clusters = {clusters[page] for page, story in demo_stories.items() if story == SEED_STORY}
    assert len([page for page, story in demo_stories.items() if story == SEED_STORY]) >= 3
    assert len(seed_clusters) == 1 and None not in seed_clusters


def test_clusters_are_exactly_the_stories(crawled, demo_web, demo_stories):
    clusters = stored_clusters(crawled[0], demo_web, demo_stories)
    stories_of_cluster = defaultdict(set)
    pages_of_story = defaultdict(set)
    for page, story in demo_stories.items():
        stories_of_cluster[clusters[page]].add(story)
        pages_of_story[story].add(clusters[page])
    mixed = {cluster: stories for cluster, stories in stories_of_cluster.items() if len(stories) > 1}
    split = {story: found for story, found in pages_of_story.items() if len(found) > 1}
    assert mixed == {}, "different stories share a cluster"
    assert split == {}, "copies of one story are in several clusters"


def test_stories_are_exactly_the_events_across_languages(crawled, demo_web, demo_stories, demo_events):
    db = sqlite_utils.Database(crawled[0])
    story_of_url = {
        row["url"]: row["story_id"]
        for row in db.query("SELECT a.url, c.story_id FROM articles a JOIN clusters c ON c.id = a.cluster_id")
    }
    story_of_page = {page: story_of_url.get(canonical_url(demo_web.url_of(page))) for page in demo_events}
    events_of_story, stories_of_event = defaultdict(set), defaultdict(set)
    for page, event in demo_events.items():
        events_of_story[story_of_page[page]].add(event)
        stories_of_event[event].add(story_of_page[page])
    assert {story: events for story, events in events_of_story.items() if len(events) > 1} == {}, "two events linked"
    assert {event: found for event, found in stories_of_event.items() if len(found) > 1} == {}, "one event split"
    seed = {story_of_page[page] for page, story in demo_stories.items() if story == SEED_STORY}
    languages = db.execute("SELECT languages FROM stories WHERE id = ?", list(seed)).fetchone()[0]
    assert sorted(languages.split(",")) == ["ar", "en", "fr"]


def test_second_crawl_adds_nothing(crawled):
    db_path, before = crawled
    db = sqlite_utils.Database(db_path)
    assert db["articles"].count == before
    runs = list(db.query("SELECT articles_new, feeds_ok, feeds_not_modified, finish_reason FROM crawl_runs ORDER BY id"))
    assert len(runs) == 2
    assert runs[0]["articles_new"] == before and runs[0]["finish_reason"] == "finished"
    assert runs[1]["articles_new"] == 0
    assert runs[1]["feeds_not_modified"] == runs[0]["feeds_ok"] == 7  # conditional GET: every feed answered 304


def test_boilerplate_metadata_and_languages(crawled):
    db = sqlite_utils.Database(crawled[0])
    languages = dict(db.execute("SELECT language, count(*) FROM articles GROUP BY language").fetchall())
    assert set(languages) == {"fr", "en", "ar"}
    seed = next(db.query("SELECT * FROM articles WHERE title LIKE 'Irak : Retour de 2.000 militaires%'"))
    assert seed["published"].startswith("2024-12-")
    assert seed["modified"].startswith("2024-12-19T16:42")  # the page's article:modified_time
    assert "1.905 militaires syriens" in seed["text"]


def datasette_get(db_path: Path, path: str):
    metadata = yaml.safe_load((PROJECT / "storage" / "metadata.yml").read_text(encoding="utf-8"))

    async def get():
        datasette = Datasette([str(db_path)], metadata=metadata)
        return await datasette.client.get(path)

    return asyncio.run(get())


def test_datasette_shows_stories_copies_and_search(crawled, demo_web, demo_stories, demo_events):
    db_path = crawled[0]
    stories = datasette_get(db_path, "/news/stories.json?_shape=array").json()
    assert len(stories) == len(set(demo_events.values()))
    seed_cluster = stored_clusters(db_path, demo_web, demo_stories)[
        next(page for page, story in demo_stories.items() if story == SEED_STORY)
    ]
    seed_story = sqlite_utils.Database(db_path).execute("SELECT story_id FROM clusters WHERE id = ?", [seed_cluster]).fetchone()[0]
    seed_row = next(row for row in stories if row["story"] == seed_story)
    seed_event = demo_events[next(page for page, story in demo_stories.items() if story == SEED_STORY)]
    assert seed_row["copies"] == sum(1 for event in demo_events.values() if event == seed_event) == 7

    copies = datasette_get(db_path, f"/news/story.json?cluster={seed_cluster}&_shape=array").json()
    assert len(copies) == 3
    assert copies[0]["minutes_after_first"] == 0
    assert all(copy["minutes_after_first"] >= 0 for copy in copies)

    found = datasette_get(db_path, "/news/search.json?q=militaires&_shape=array").json()
    assert seed_cluster in {row["cluster"] for row in found}

    page = datasette_get(db_path, "/news/articles")
    assert page.status_code == 200
    assert "One row per article page, with the text of the article only." in page.text  # metadata applied
    assert "facet-news-articles-site" in page.text and "facet-news-articles-language" in page.text
    for query in ("feed_health", "runs", "recent_errors"):
        assert datasette_get(db_path, f"/news/{query}.json?_shape=array").status_code == 200


def test_the_summary_says_the_seeds_dispatch_is_one_story_in_three_languages(crawled):
    from storage import NewsDatabase
    from storage.queries import summary

    db = NewsDatabase.open(crawled[0])
    try:
        text = summary(db.conn)
    finally:
        db.close()
    assert "Stories: 17 stories, 5 in more than one language" in text
    lines = text.split("Stories in more than one language:\n")[1].splitlines()
    seven = next(line for line in lines if line.startswith("  [7 copies: "))
    assert sorted(seven.split(": ", 1)[1].split("]")[0].split(", ")) == ["ar 2", "en 2", "fr 3"]
    assert sorted(lines[lines.index(seven) + 1].rsplit("languages: ", 1)[1].split(",")) == ["ar", "en", "fr"]
