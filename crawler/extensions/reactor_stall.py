"""ReactorStallMonitor: how long the Twisted reactor was kept from its work.

A timer asks to run every ``INTERVAL`` seconds; whenever it runs late, something held the
reactor (a callback doing heavy work, a blocking call). The longest delay goes to the stat
``wirecrawl/reactor/max_stall_ms`` and every delay over 100 ms counts in
``wirecrawl/reactor/stalls_over_100ms``: extraction runs in worker processes precisely so
that these stay small.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from scrapy import signals
from twisted.internet import task

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

INTERVAL = 0.02
STALL_MS = 100


class ReactorStallMonitor:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.timer = task.LoopingCall(self.tick)
        self.expected = 0.0
        self.max_stall = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReactorStallMonitor:
        monitor = cls(crawler)
        crawler.signals.connect(monitor.start, signal=signals.engine_started)
        crawler.signals.connect(monitor.stop, signal=signals.spider_closed)
        return monitor

    def start(self) -> None:
        self.expected = time.monotonic() + INTERVAL
        self.timer.start(INTERVAL, now=False)

    def tick(self) -> None:
        now = time.monotonic()
        stall = (now - self.expected) * 1000
        self.expected = now + INTERVAL
        if stall > self.max_stall:
            self.max_stall = stall
            self.crawler.stats.set_value("wirecrawl/reactor/max_stall_ms", round(stall, 1))
        if stall > STALL_MS:
            self.crawler.stats.inc_value(f"wirecrawl/reactor/stalls_over_{STALL_MS}ms")

    def stop(self) -> None:
        if self.timer.running:
            self.timer.stop()
