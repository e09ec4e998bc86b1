"""The crawl's one connection to the news database, shared by the spider and the pipelines.

All of a crawl's writes go through one connection, so an article, its dedup index rows and
its cluster count are committed in the same transaction (``pipelines/store.py`` decides
when). The connection is opened on first use and closed, committed, when the engine stops.

If a write fails (disk full, read-only file, I/O error) the connection rolls the open batch
back and refuses every later write (``storage.StorageFailed``), and the crawl is stopped with
the finish reason ``database_error``: the next run fetches what this one could not keep.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING, Any

from storage import NewsDatabase, StorageFailed
from storage.shared import unavailable_message

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

RUN_ID_STAT = "wirecrawl/run_id"
STORAGE_FAILURE_STAT = "wirecrawl/storage_failure"
# Set when Redis (NEWS_REDIS_URL) could not be used: the run ends with exit code 4.
REDIS_FAILURE_STAT = "wirecrawl/redis_failure"


def news_database(crawler: Crawler) -> NewsDatabase:
    # Scrapy is imported here, not at the top: python -m crawler extract|dedup import this
    # module's neighbours (ClusterAssigner) without a crawl and should not pay its import.
    from scrapy import signals

    db = getattr(crawler, "_wirecrawl_db", None)
    if db is None:
        if url := crawler.settings.get("NEWS_REDIS_URL"):
            # A worker of a distributed crawl: its own file, with the feeds' state shared in Redis.
            from storage.shared import Keys, SharedFeedsDatabase, connect

            db = SharedFeedsDatabase.open(crawler.settings.get("NEWS_DB_PATH"))
            db.share_with(connect(url), Keys(crawler.settings.get("NEWS_REDIS_PREFIX")))
        else:
            db = NewsDatabase.open(crawler.settings.get("NEWS_DB_PATH"))
        if max_pages := crawler.settings.getint("NEWS_DB_MAX_PAGES"):
            db.conn.execute(f"PRAGMA max_page_count = {int(max_pages)}")
        db.set_on_failure(lambda error: stop_on_storage_failure(crawler, error))
        crawler._wirecrawl_db = db  # type: ignore[attr-defined]
        crawler.signals.connect(_close_database(db), signal=signals.engine_stopped, weak=False)
    return db


def _close_database(db: NewsDatabase):
    def close() -> None:
        try:
            db.close()
        except (sqlite3.Error, StorageFailed) as error:
            logger.error("Closing the database: %s", error)

    return close


def stop_on_storage_failure(crawler: Crawler, error: BaseException) -> None:
    """The database cannot be written: say so once, and close the spider (exit code 2)."""
    stats = crawler.stats
    if stats is not None and stats.get_value(STORAGE_FAILURE_STAT):
        return
    logger.critical(
        "The database %s cannot be written (%s: %s); stopping the crawl. Nothing of the open batch"
        " was kept; the next run fetches it again.",
        crawler.settings.get("NEWS_DB_PATH"),
        type(error).__name__,
        error,
    )
    if stats is not None:
        stats.set_value(STORAGE_FAILURE_STAT, f"{type(error).__name__}: {error}")
    close_spider_soon(crawler, "database_error")


def stop_on_redis_failure(crawler: Any, error: BaseException) -> None:
    """Say once that Redis is gone and close the spider with ``redis_error`` (exit code 4)."""
    stats = crawler.stats
    if stats.get_value(REDIS_FAILURE_STAT):
        return
    url = crawler.settings.get("NEWS_REDIS_URL")
    message = unavailable_message(url, error)
    logger.critical(
        "%s; stopping this worker. Nothing is lost: the requests it held stay under its leases and go"
        " back to the frontier once its heartbeat lapses; run it again when Redis is back.",
        message,
    )
    stats.set_value(REDIS_FAILURE_STAT, message)
    close_spider_soon(crawler, "redis_error")


def close_spider_soon(crawler: Any, reason: str) -> None:
    """Close the running spider with ``reason`` on the reactor's next turn (not from inside the
    failing call), unless it is already closing."""
    engine = crawler.engine
    if engine is None or engine.spider is None:
        return
    from scrapy.utils.defer import deferred_from_coro
    from twisted.internet import reactor

    def close() -> None:
        if engine.spider is not None and engine._slot is not None and engine._slot.closing is None:
            deferred_from_coro(engine.close_spider_async(reason=reason))

    reactor.callLater(0, close)  # type: ignore[attr-defined]


def record_error(crawler: Crawler, stage: str, url: str | None, reason: str, kind: str | None = None) -> None:
    """Leave an ``errors`` row, a log line and a stat for a failed feed, fetch or extraction (with a
    ``kind``, one row per URL and kind, counted in ``occurrences``: ``NewsDatabase.record_error``)."""
    logger.warning("%s error: %s: %s", stage, url, reason)
    crawler.stats.inc_value("wirecrawl/errors")
    crawler.stats.inc_value(f"wirecrawl/errors/{stage}")
    try:
        news_database(crawler).record_error(stage, url, reason, run_id=crawler.stats.get_value(RUN_ID_STAT), kind=kind)
    except StorageFailed:
        pass  # the crawl is stopping; the log line above is all that is left of it
