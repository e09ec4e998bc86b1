"""``scrapy crawl``, wirecrawl's way: one run at a time per database, and an exit code for cron.

Replaces Scrapy's own ``crawl`` command through ``COMMANDS_MODULE``, so users still run
``scrapy crawl feeds``. Before the crawl starts it takes the run lock ``<NEWS_DB_PATH>.lock``
(exit 3 at once if another run holds it) and checks that the database can be written (exit 2
if not) and, for a worker of a distributed crawl (NEWS_REDIS_URL), that Redis answers (exit 4); afterwards the exit code is the one ``CrawlRunRecorder`` decided (crawler/exitcodes.py).
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawlCommand

from crawler import exitcodes
from crawler.distributed import redis_url, use_redis
from crawler.extensions.logfile import install_log_file, remove_log_file
from crawler.runlock import RunLock, RunLocked, lock_path_for
from storage import NewsDatabase, SchemaTooNew, StorageFailed, shared

if TYPE_CHECKING:
    import argparse

    from scrapy.crawler import Crawler
    from scrapy.spiders import Spider

logger = logging.getLogger("wirecrawl")


class Command(ScrapyCrawlCommand):
    def short_desc(self) -> str:
        return "Run a spider of the project, one run at a time per database (exit codes: README.md)"

    def _create_crawler(self, spidercls: type[Spider] | str) -> Crawler:
        self.crawler = super()._create_crawler(spidercls)
        if redis_url(self.crawler.settings):
            use_redis(self.crawler.settings)  # a worker of a distributed crawl (crawler/distributed)
        return self.crawler

    def _fail_early(self, message: str, code: int) -> None:
        """Before the crawl: say why on standard error (cron mails it) and in the log file."""
        handler = install_log_file(self.settings)
        if handler is not None:
            try:
                handler.handle(logger.makeRecord(logger.name, logging.ERROR, __file__, 0, message, (), None))
            finally:
                remove_log_file(handler)
        print(f"wirecrawl: {message}", file=sys.stderr)
        self.exitcode = code

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        db_path = self.settings.get("NEWS_DB_PATH")
        self.crawler = None
        if not db_path or str(db_path) == ":memory:":
            super().run(args, opts)
            return
        lock = RunLock(lock_path_for(db_path))
        try:
            lock.acquire()
        except RunLocked as error:
            self._fail_early(f"{error}; not starting (exit code {exitcodes.LOCKED})", exitcodes.LOCKED)
            return
        except OSError as error:
            self._fail_early(f"cannot take the run lock {lock.path}: {error}", exitcodes.INCOMPLETE)
            return
        try:
            try:
                database = NewsDatabase.open(db_path)
                try:
                    database.check_writable()
                finally:
                    database.conn.close()
            except (sqlite3.Error, OSError, SchemaTooNew, StorageFailed) as error:
                self._fail_early(f"cannot write the database {db_path}: {error}", exitcodes.INCOMPLETE)
                return
            if url := redis_url(self.settings):
                try:
                    shared.connect(url).close()
                except shared.RedisUnavailable as error:
                    self._fail_early(f"{error}; not starting (exit code {exitcodes.REDIS})", exitcodes.REDIS)
                    return
            super().run(args, opts)
            self.exitcode = self._outcome()
        finally:
            lock.release()

    def _outcome(self) -> int:
        assert self.crawler_process is not None
        if self.crawler_process.bootstrap_failed or self.crawler is None:
            return exitcodes.INCOMPLETE
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        code = stats.get(exitcodes.EXIT_CODE_STAT)
        return int(code) if code is not None else exitcodes.INCOMPLETE
