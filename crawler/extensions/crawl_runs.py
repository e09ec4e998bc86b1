"""CrawlRunRecorder: one ``crawl_runs`` row per crawl, with its counts and its stats.

The row is created when the spider opens, so every error of the run can point at it, and
completed when it closes. A run that was killed keeps a row with no ``finished`` time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy import signals

from pipelines.database import RUN_ID_STAT, news_database

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

# crawl_runs column -> Scrapy stat counted by the spider and the pipelines
COUNTED = {
    "feeds_ok": "wirecrawl/feeds_ok",
    "feeds_failed": "wirecrawl/feeds_failed",
    "feeds_not_modified": "wirecrawl/feeds_not_modified",
    "articles_new": "wirecrawl/articles_new",
    "articles_known": "wirecrawl/articles_known",
    "articles_dropped": "wirecrawl/articles_dropped",
    "errors": "wirecrawl/errors",
}


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
        self.run_id = news_database(self.crawler).start_run()
        self.crawler.stats.set_value(RUN_ID_STAT, self.run_id)

    def spider_closed(self, reason: str) -> None:
        if self.run_id is None:
            return
        stats: dict[str, Any] = self.crawler.stats.get_stats()
        counts = {column: stats.get(stat, 0) for column, stat in COUNTED.items()}
        news_database(self.crawler).finish_run(self.run_id, finish_reason=reason, stats=stats, **counts)
