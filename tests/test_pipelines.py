"""The three item pipelines, built by Scrapy's get_crawler on a real database file."""

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem

from crawler.items import ArticleItem
from demo.server import WEB_ROOT
from pipelines.database import news_database
from pipelines.dedup import DedupPipeline
from pipelines.extract import ExtractPipeline
from pipelines.store import StorePipeline
from tests.conftest import project_crawler
from tests.test_extraction import JAPANESE_BRIEF

STORIES = json.loads((WEB_ROOT / "stories.json").read_text(encoding="utf-8"))
SEED_PAGES = sorted(page for page, story in STORIES.items() if story == "fr-irak-militaires-syriens")


@pytest.fixture
def crawler(db_path):
    crawler = project_crawler(db_path, NEWS_EXTRACT_WORKERS=1, NEWS_STORE_BATCH_SIZE=2, NEWS_STORE_BATCH_SECONDS=0)
    yield crawler
    news_database(crawler).close()


def fetched(page: str, body: bytes | None = None) -> ArticleItem:
    url = f"https://{page.split('/')[0]}.example/{page.split('/', 1)[1]}"
    return ArticleItem(
        url=url, fetched_url=url, feed_url=None, feed_title="Titre du flux", feed_published="2024-12-19T10:00:00+00:00",
        content_type="text/html; charset=utf-8", body=body if body is not None else (WEB_ROOT / page).read_bytes(),
    )


@pytest.fixture
def loop():
    # One event loop for a pipeline's whole life, as in a crawl: its worker pool watches its
    # pipes from the loop it started on.
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture
def extract(crawler, loop):
    pipeline = ExtractPipeline.from_crawler(crawler)
    loop.run_until_complete(pipeline.open_spider())
    loop.run_until_complete(pipeline.ready())
    yield pipeline
    loop.run_until_complete(pipeline.close_spider())


def test_the_crawl_does_not_wait_for_the_workers_to_start(crawler, loop):
    # open_spider returns at once (the crawl fetches its feeds meanwhile); the first page waits
    # for the pool, and a crawl that closes before any page still stops the workers it started.
    pipeline = ExtractPipeline.from_crawler(crawler)
    loop.run_until_complete(pipeline.open_spider())
    assert pipeline.pool is None
    item = loop.run_until_complete(pipeline.process_item(fetched(SEED_PAGES[0])))
    assert item["words"] > 200 and pipeline.pool is not None
    pids = [worker.process.pid for worker in pipeline.pool.workers]
    loop.run_until_complete(pipeline.close_spider())
    assert pids and not any(Path(f"/proc/{pid}").exists() for pid in pids)

    idle = ExtractPipeline.from_crawler(crawler)
    loop.run_until_complete(idle.open_spider())
    starting = idle._starting
    loop.run_until_complete(idle.close_spider())
    assert starting is not None and starting.result().closed and not starting.result().workers


def test_worker_returns_everything_dedup_needs(extract, loop):
    item = loop.run_until_complete(extract.process_item(fetched(SEED_PAGES[0])))
    assert "body" not in item
    assert item["language"] == "fr" and item["words"] > 200
    assert len(item["minhash"]) == 512 and item["text_hash"]
    assert item["published"] == "2024-12-19T10:00:00+00:00"  # the feed's timestamp has the minute


def test_page_without_enough_text_is_dropped_with_a_reason_and_an_error_row(extract, crawler, loop):
    short = b"<html><body><article><p>Vid\xc3\xa9o : les images du poste d'Al Qaim.</p></article></body></html>"
    with pytest.raises(DropItem, match="only 8 words of text"):
        loop.run_until_complete(extract.process_item(fetched("courrier-levant/short.html", short)))
    assert crawler.stats.get_value("wirecrawl/extract/too_short") == 1
    assert crawler.stats.get_value("wirecrawl/articles_dropped") == 1
    row = news_database(crawler).conn.execute("SELECT stage, url, reason FROM errors").fetchone()
    assert row[0] == "extract" and row[1].endswith("/short.html") and "NEWS_MIN_WORDS is 40" in row[2]


def test_a_japanese_article_of_350_characters_is_kept(extract, loop):
    # \w+ finds one "word" per clause in Japanese: NEWS_MIN_WORDS counts its characters instead.
    body = "".join(f"<p>{paragraph}</p>" for paragraph in JAPANESE_BRIEF)
    page = f"<html lang='ja'><head><title>中央大橋が通行再開</title></head><body><article>{body}</article></body></html>"
    item = loop.run_until_complete(extract.process_item(fetched("courrier-levant/ja.html", page.encode("utf-8"))))
    assert item["language"] == "ja" and item["words"] >= 40


def test_copies_are_clustered_and_stored_in_batches(extract, crawler, db_path, loop):
    dedup, store = DedupPipeline.from_crawler(crawler), StorePipeline.from_crawler(crawler)
    store.open_spider()
    reader = sqlite3.connect(db_path)
    stored = []
    for number, page in enumerate(SEED_PAGES, start=1):
        item = store.process_item(dedup.process_item(loop.run_until_complete(extract.process_item(fetched(page)))))
        stored.append(item)
        # NEWS_STORE_BATCH_SIZE is 2: readers see the articles only when a batch is committed
        assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == number - number % 2
    loop.run_until_complete(store.close_spider())
    assert reader.execute("SELECT count(*) FROM articles").fetchone()[0] == len(SEED_PAGES)
    assert {item["cluster_id"] for item in stored} == {stored[0]["id"]}
    assert reader.execute("SELECT size FROM clusters").fetchall() == [(len(SEED_PAGES),)]
    reader.close()


def test_article_already_stored_is_dropped_by_dedup(extract, crawler, loop):
    dedup, store = DedupPipeline.from_crawler(crawler), StorePipeline.from_crawler(crawler)
    store.process_item(dedup.process_item(loop.run_until_complete(extract.process_item(fetched(SEED_PAGES[0])))))
    again = loop.run_until_complete(extract.process_item(fetched(SEED_PAGES[0])))
    with pytest.raises(DropItem, match="already stored"):
        dedup.process_item(again)


def test_a_killed_worker_loses_only_its_pages_and_the_crawl_goes_on(extract, crawler, loop):
    # A page whose extraction kills its worker (as the kernel's OOM killer would): that page is
    # dropped with an error row, another worker takes the dead one's place, the next page is read.
    async def kill_then_extract():
        import os

        with pytest.raises(Exception) as died:
            await extract.pool.run(os._exit, 9)  # runs in the worker, which ends without answering
        return died.value, await extract.process_item(fetched(SEED_PAGES[0]))

    error, item = loop.run_until_complete(kill_then_extract())
    assert type(error).__name__ == "WorkerDied" and "exit code 9" in str(error)
    assert item["words"] > 200
    assert extract.pool.replacements == 1


def test_the_pool_stops_pages_over_news_extract_timeout(extract, crawler):
    # (tests/test_workers.py shows a job over the timeout stopped and the next one run)
    assert extract.pool.timeout == crawler.settings.getfloat("NEWS_EXTRACT_TIMEOUT") == 120
