"""ReactorStallMonitor: how long the Twisted reactor was kept from its work.

A timer asks to run every ``INTERVAL`` seconds; whenever it runs late, something held the
reactor (a callback doing heavy work, a blocking call). The longest delay goes to the stat
``wirecrawl/reactor/max_stall_ms`` and every delay over 100 ms counts in
``wirecrawl/reactor/stalls_over_100ms``: extraction runs in worker processes precisely so
that these stay small.

Garbage collection is one cause the monitor can name: the longest collection pause of the
crawl's main process goes to ``wirecrawl/gc/max_pause_ms`` (with its generation in
``wirecrawl/gc/max_pause_generation``).
"""

from __future__ import annotations

import gc
import time
from typing import TYPE_CHECKING, Any

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
        self.started = self.expected = 0.0
        self.max_stall = 0.0
        self.gc_started = 0.0
        self.max_gc_pause = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReactorStallMonitor:
        monitor = cls(crawler)
        crawler.signals.connect(monitor.start, signal=signals.engine_started)
        crawler.signals.connect(monitor.stop, signal=signals.spider_closed)
        return monitor

    def start(self) -> None:
        self.started = time.monotonic()
        self.expected = self.started + INTERVAL
        self.timer.start(INTERVAL, now=False)
        gc.callbacks.append(self.on_gc)

    def on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self.gc_started = time.perf_counter()
            return
        pause = (time.perf_counter() - self.gc_started) * 1000
        if pause > self.max_gc_pause:
            self.max_gc_pause = pause
            self.crawler.stats.set_value("wirecrawl/gc/max_pause_ms", round(pause, 1))
            self.crawler.stats.set_value("wirecrawl/gc/max_pause_generation", info.get("generation"))

    def tick(self) -> None:
        now = time.monotonic()
        stall = (now - self.expected) * 1000
        self.expected = now + INTERVAL
        if stall > self.max_stall:
            self.max_stall = stall
            self.crawler.stats.set_value("wirecrawl/reactor/max_stall_ms", round(stall, 1))
            # When, in seconds from the engine's start: at the start, mid-crawl or while closing.
            self.crawler.stats.set_value("wirecrawl/reactor/max_stall_at_s", round(now - self.started, 1))
        if stall > STALL_MS:
            self.crawler.stats.inc_value(f"wirecrawl/reactor/stalls_over_{STALL_MS}ms")

    def stop(self) -> None:
        if self.timer.running:
            self.timer.stop()
        if self.on_gc in gc.callbacks:
            gc.callbacks.remove(self.on_gc)
