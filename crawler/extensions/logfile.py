"""RotatingLogFile: the crawl's log in a file that rotates by size (NEWS_LOG_FILE).

With ``NEWS_LOG_FILE`` set, every record at ``LOG_LEVEL`` and above goes to that file, which is
rotated at ``NEWS_LOG_MAX_BYTES`` keeping ``NEWS_LOG_BACKUPS`` old files (``crawl.log.1``...),
and standard error gets only errors: from cron, output (and so a mail) means something needs a
look. Scrapy's own ``LOG_FILE`` is left alone (it is neither rotated nor needed).
"""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.log import TopLevelFormatter, get_scrapy_root_handler

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings


def install_log_file(settings: BaseSettings) -> logging.Handler | None:
    """Add a rotating file handler to the root logger; None if NEWS_LOG_FILE is not set."""
    path = settings.get("NEWS_LOG_FILE")
    if not path:
        return None
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(
        path,
        maxBytes=settings.getint("NEWS_LOG_MAX_BYTES"),
        backupCount=settings.getint("NEWS_LOG_BACKUPS"),
        encoding=settings.get("LOG_ENCODING") or "utf-8",
    )
    handler.setFormatter(logging.Formatter(fmt=settings.get("LOG_FORMAT"), datefmt=settings.get("LOG_DATEFORMAT")))
    handler.setLevel(settings.get("LOG_LEVEL") or "INFO")
    if settings.getbool("LOG_SHORT_NAMES"):
        handler.addFilter(TopLevelFormatter(["scrapy"]))
    logging.root.addHandler(handler)
    return handler


def remove_log_file(handler: logging.Handler | None) -> None:
    if handler is not None:
        logging.root.removeHandler(handler)
        handler.close()


class RotatingLogFile:
    def __init__(self, handler: logging.Handler):
        self.handler = handler
        self.stderr_handler: logging.Handler | None = None
        self.stderr_level: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RotatingLogFile:
        handler = install_log_file(crawler.settings)
        if handler is None:
            raise NotConfigured  # no message: Scrapy would log an unset option as a warning
        extension = cls(handler)
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_started(self) -> None:
        # Not earlier: Scrapy replaces its root handler after the extensions are built.
        root = get_scrapy_root_handler()
        if isinstance(root, logging.StreamHandler) and not isinstance(root, logging.FileHandler):
            self.stderr_handler, self.stderr_level = root, root.level
            root.setLevel(max(root.level, logging.ERROR))

    def engine_stopped(self) -> None:
        remove_log_file(self.handler)
        if self.stderr_handler is not None and self.stderr_level is not None:
            self.stderr_handler.setLevel(self.stderr_level)
