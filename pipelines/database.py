"""The crawl's one connection to the news database, shared by the spider and the pipelines.

All of a crawl's writes go through one connection, so an article, its dedup index rows and
its cluster count are committed in the same transaction (``pipelines/store.py`` decides
when). The connection is opened on first use and closed, committed, when the engine stops.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import signals

from storage import NewsDatabase

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

RUN_ID_STAT = "wirecrawl/run_id"


def news_database(crawler: Crawler) -> NewsDatabase:
    db = getattr(crawler, "_wirecrawl_db", None)
    if db is None:
        db = NewsDatabase.open(crawler.settings.get("NEWS_DB_PATH"))
        crawler._wirecrawl_db = db  # type: ignore[attr-defined]
        crawler.signals.connect(db.close, signal=signals.engine_stopped, weak=False)
    return db


def record_error(crawler: Crawler, stage: str, url: str | None, reason: str) -> None:
    """Leave an ``errors`` row, a log line and a stat for a failed feed, fetch or extraction."""
    logger.warning("%s error: %s: %s", stage, url, reason)
    crawler.stats.inc_value("wirecrawl/errors")
    crawler.stats.inc_value(f"wirecrawl/errors/{stage}")
    news_database(crawler).record_error(stage, url, reason, run_id=crawler.stats.get_value(RUN_ID_STAT))
