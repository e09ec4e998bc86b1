"""CrawlRunRecorder: one ``crawl_runs`` row per crawl, with its counts, its stats and its exit code.

The row is created when the spider opens, so every error of the run can point at it, and
completed when it closes. A run that was killed keeps a row with no ``finished`` time.

It also decides the run's exit code (crawler/exitcodes.py), kept in the stat
``wirecrawl/exit_code`` for ``scrapy crawl`` (crawler/commands/crawl.py) to return.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING, Any

from scrapy import signals

from crawler import exitcodes
from pipelines.database import REDIS_FAILURE_STAT, RUN_ID_STAT, STORAGE_FAILURE_STAT, news_database, stop_on_storage_failure
from storage import StorageFailed

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# crawl_runs column -> Scrapy stat counted by the spider and the pipelines
COUNTED = {
    "feeds_ok": "wirecrawl/feeds_ok",
    "feeds_failed": "wirecrawl/feeds_failed",
    "feeds_not_modified": "wirecrawl/feeds_not_modified",
    "feeds_skipped": "wirecrawl/feeds_skipped",
    "articles_new": "wirecrawl/articles_new",
    "articles_known": "wirecrawl/articles_known",
    "articles_dropped": "wirecrawl/articles_dropped",
    "errors": "wirecrawl/errors",
}


def exit_code(reason: str, stats: dict[str, Any]) -> int:
    """The exit code of a run that closed with ``reason`` and these stats."""
    if stats.get(REDIS_FAILURE_STAT):
        return exitcodes.REDIS
    if stats.get(STORAGE_FAILURE_STAT) or reason != "finished":
        return exitcodes.INCOMPLETE
    failed = (
        stats.get("wirecrawl/feeds_failed", 0)
        + stats.get("wirecrawl/errors/fetch", 0)
        + stats.get("log_count/ERROR", 0)
        + stats.get("log_count/CRITICAL", 0)
    )
    return exitcodes.FAILURES if failed else exitcodes.OK


class CrawlRunRecorder:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRunRecorder:
        recorder = cls(crawler)
        crawler.signals.connect(recorder.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(recorder.spider_closed, signal=signals.spider_closed)
        return recorder

    def spider_opened(self) -> None:
        try:
            self.run_id = news_database(self.crawler).start_run()
        except (sqlite3.Error, OSError, StorageFailed) as error:
            stop_on_storage_failure(self.crawler, error)
            return
        self.crawler.stats.set_value(RUN_ID_STAT, self.run_id)

    def spider_closed(self, reason: str) -> None:
        stats: dict[str, Any] = self.crawler.stats.get_stats()
        code = exit_code(reason, stats)
        self.crawler.stats.set_value(exitcodes.EXIT_CODE_STAT, code)
        if self.run_id is None:
            return
        stats = self.crawler.stats.get_stats()
        counts = {column: stats.get(stat, 0) for column, stat in COUNTED.items()}
        if stats.get(STORAGE_FAILURE_STAT):
            reason = "database_error"
        try:
            news_database(self.crawler).finish_run(self.run_id, finish_reason=reason, stats=stats, **counts)
        except (sqlite3.Error, StorageFailed) as error:
            # The run's row keeps no finished time, as for a killed run.
            logger.error("Could not record the end of run %s: %s", self.run_id, error)
            self.crawler.stats.set_value(exitcodes.EXIT_CODE_STAT, exitcodes.INCOMPLETE)
