"""StorePipeline: write articles to SQLite in batches, one transaction per batch.

A batch is committed when it holds NEWS_STORE_BATCH_SIZE articles or is
NEWS_STORE_BATCH_SECONDS old, and at the end of the crawl. The transaction also holds the
batch's dedup index rows and cluster counts, so a killed crawl leaves either all of an
article or nothing of it; the next run fetches what was lost.

After each commit the WAL is checkpointed (copied into the database file and synced) in a
thread, not by the commit itself on the reactor's thread: a checkpoint costs tens of
milliseconds, and the reactor should not stop for it.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem
from twisted.internet import task

from storage import BackgroundCheckpoints, StorageFailed, site_of, utc_now

from .database import RUN_ID_STAT, news_database

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.db = news_database(crawler)
        self.batch_size = crawler.settings.getint("NEWS_STORE_BATCH_SIZE")
        self.batch_seconds = crawler.settings.getfloat("NEWS_STORE_BATCH_SECONDS")
        self.pending = 0
        self.timer: task.LoopingCall | None = None
        self.checkpoints: BackgroundCheckpoints | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.checkpoints = BackgroundCheckpoints(self.db)
        if self.batch_seconds > 0:
            self.timer = task.LoopingCall(self.flush)
            self.timer.start(self.batch_seconds, now=False)

    async def close_spider(self) -> None:
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        self.flush()
        if self.checkpoints is not None:
            checkpoints, self.checkpoints = self.checkpoints, None
            # The last checkpoint may still run: wait for it from a thread, not the reactor's.
            await asyncio.to_thread(checkpoints.close)

    def flush(self) -> None:
        """Commit the open batch (and the errors and feed states written with it).

        A failed commit was rolled back whole by the connection, which stops the crawl
        (pipelines/database.py); the batch's articles are fetched again next run.
        """
        if self.db.conn.in_transaction:
            started = time.perf_counter()
            try:
                self.db.commit()
            except (sqlite3.Error, StorageFailed) as error:
                logger.error("Could not commit %d articles: %s", self.pending, error)
                self.pending = 0
                return
            self.crawler.stats.max_value("wirecrawl/store/max_commit_ms", round((time.perf_counter() - started) * 1000, 1))
            if self.pending:
                logger.debug("Committed %d articles", self.pending)
            self.pending = 0
            if self.checkpoints is not None:
                self.checkpoints.request()

    def process_item(self, item: Any) -> Any:
        record = dict(item)
        record.update(
            site=site_of(item["url"]),
            fetched=item.get("fetched") or utc_now(),
            run_id=self.crawler.stats.get_value(RUN_ID_STAT),
        )
        if not self.db.add_article(record):
            self.crawler.stats.inc_value("wirecrawl/articles_known")
            raise DropItem(f"already stored: {item['url']}")
        self.crawler.stats.inc_value("wirecrawl/articles_new")
        self.pending += 1
        if self.pending >= self.batch_size:
            self.flush()
        return item
