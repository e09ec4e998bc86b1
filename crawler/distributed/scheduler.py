"""SharedScheduler: scrapy-redis's scheduler, fixed for many workers that come and go.

What it changes of scrapy-redis 0.9.1's ``Scheduler``, and the upstream threads each answers:

- The frontier and the seen set always persist: upstream flushes both when one worker closes
  unless SCHEDULER_PERSIST is set, and its dupefilter's ``close`` deletes the seen set
  (rmax/scrapy-redis#149, #55).
- A request is marked seen and queued in one Lua script (``LeasedQueue.push_unseen``), not SADD
  then ZADD: a worker killed between the two would lose it, seen and never queued (found by
  this project's kill trials).
- Pops are leases (``queue.LeasedQueue``): a killed worker's in-flight requests come back
  (istresearch/scrapy-cluster#255: "in flight requests that crash mid-flight are not
  retried"). A lease is acknowledged when the engine has finished with its request: its
  callback has run, its items are through the pipelines (handed to the article stream), its new
  requests are on the frontier. Scrapy has no hook for that moment (scrapy/scrapy#7978 asks for
  one): the scheduler reads the engine's set of requests in progress. Each worker keeps a
  heartbeat key alive; when it lapses (NEWS_REDIS_WORKER_TIMEOUT) the other workers put its
  leases back.
- JSON requests (``queue.JsonSerializer``), not pickle: upstream's default ``picklecompat``
  runs whatever a Redis writer puts in the queue (418sec/huntr#1596).
- Feeds from the spider's own async ``start()`` (upstream's spiders only have the removed
  ``start_requests()``: rmax/scrapy-redis#305, PR #316) go on the frontier once per
  NEWS_REDIS_FEED_INTERVAL, whichever worker's start() offers them first (``SET NX`` per feed):
  every machine's cron can start a worker, and each feed is still fetched once.
- Idle is shared: a worker stops only when the frontier is empty and no worker holds a lease,
  since a feed another worker is reading may still add articles. Upstream's spiders never stop
  (rmax/scrapy-redis#45, #107); a cron crawl here ends when the work does.
- The engine's calls stay synchronous (Scrapy's scheduler interface is: rmax/scrapy-redis#124),
  one Redis round trip each; the slow parts (politeness waits, handing articles on) use the
  asyncio client.

A Redis error in the engine's calls stops the crawl (finish reason ``redis_error``, exit code 4)
instead of crashing it (rmax/scrapy-redis#108): nothing is lost, since every request not
acknowledged is still on the frontier or under a lease.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from pipelines.database import stop_on_redis_failure
from storage import shared

from .queue import LeasedQueue

logger = logging.getLogger(__name__)


class SharedSeenSet(RFPDupeFilter):
    """The seen set of every worker and run: never cleared by a closing worker."""

    def close(self, reason: str = "") -> None:
        pass

    def forget(self, request: Any) -> None:
        """A request that failed may be offered again by a later run (its feed lists it still)."""
        self.server.srem(self.key, self.request_fingerprint(request))


class SharedScheduler(Scheduler):
    def __init__(self, crawler: Any, server: Any):
        settings = crawler.settings
        self.crawler = crawler
        self.keys = shared.Keys(settings.get("NEWS_REDIS_PREFIX"))
        self.worker = shared.worker_id()
        self.worker_timeout = settings.getfloat("NEWS_REDIS_WORKER_TIMEOUT")
        self.feed_interval = settings.getfloat("NEWS_REDIS_FEED_INTERVAL")
        super().__init__(
            server,
            persist=True,
            queue_key=self.keys.requests,
            dupefilter=SharedSeenSet(server, self.keys.seen),
            serializer=None,
        )
        self.stats = crawler.stats
        self.leases: dict[Any, str] = {}  # request -> lease id, until the engine is done with it
        self.heartbeat: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedScheduler:
        url = crawler.settings.get("NEWS_REDIS_URL")
        return cls(crawler, shared.connect(url))

    def open(self, spider: Any) -> None:
        self.spider = spider
        self.queue = LeasedQueue(self.server, spider, self.keys.requests, self.keys, self.worker)
        self._beat()
        returned = self.queue.reclaim()
        if returned:
            logger.info("Put back %d requests held by workers that stopped", returned)
        logger.info(
            "Worker %s on the shared frontier %s: %d requests waiting, %d under lease",
            self.worker, shared.redact(self.crawler.settings.get("NEWS_REDIS_URL")), len(self.queue),
            self.queue.leased(),
        )  # fmt: skip
        self.heartbeat = task.LoopingCall(self._tick)
        self.heartbeat.start(min(1.0, self.worker_timeout / 4), now=False)

    def close(self, reason: str) -> None:
        if self.heartbeat is not None and self.heartbeat.running:
            self.heartbeat.stop()
        try:
            self._ack_finished()
            # A worker stopped before its requests were done (Ctrl-C, a lost database) gives them back.
            returned = self.queue.reclaim(give_back_own=True)
            if returned:
                logger.info("Gave back %d requests this worker had not finished", returned)
            self.server.delete(self.keys.worker(self.worker))
        except redis.RedisError as error:
            logger.error("Could not give back this worker's leases (%s); they return when its heartbeat lapses", error)

    # --- the worker's heartbeat and its leases ---

    def _beat(self) -> None:
        self.server.set(self.keys.worker(self.worker), "1", px=int(self.worker_timeout * 1000))

    def _tick(self) -> None:
        try:
            self._beat()
            self._ack_finished()
            if self.queue.reclaim():
                self._wake()
        except redis.RedisError as error:
            stop_on_redis_failure(self.crawler, error)

    def _wake(self) -> None:
        engine = self.crawler.engine
        if engine is not None and engine._slot is not None:
            engine._slot.nextcall.schedule()

    def _ack_finished(self) -> None:
        """Acknowledge the leases of the requests the engine has finished with."""
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)
        in_progress = slot.inprogress if slot is not None else set()
        for request in [request for request in self.leases if request not in in_progress]:
            self.queue.ack(self.leases.pop(request))

    # --- Scrapy's scheduler interface ---

    def enqueue_request(self, request: Any) -> bool:
        try:
            if self._is_start_feed(request):
                gate = self.keys.scheduled(self.df.request_fingerprint(request))
                if not self.server.set(gate, self.worker, nx=True, px=max(1, int(self.feed_interval * 1000))):
                    self.stats.inc_value("wirecrawl/redis/feeds_scheduled_elsewhere")
                    return True  # on the frontier already, by this or another worker: not a drop
            if request.dont_filter:
                self.queue.push(request)
            elif not self.queue.push_unseen(request, self.df.request_fingerprint(request)):
                self.df.log(request, self.spider)
                return False
            self.stats.inc_value("scheduler/enqueued/redis")  # upstream passes the deprecated spider=
            return True
        except redis.RedisError as error:
            stop_on_redis_failure(self.crawler, error)
            return False

    @staticmethod
    def _is_start_feed(request: Any) -> bool:
        meta = request.meta
        return (
            "feed_url" in meta
            and "canonical_url" not in meta
            and "redirect_urls" not in meta
            and "retry_times" not in meta
        )

    def next_request(self) -> Any:
        try:
            self._ack_finished()
            popped = self.queue.pop()
        except redis.RedisError as error:
            stop_on_redis_failure(self.crawler, error)
            return None
        if popped is None:
            return None
        request, lease = popped
        self.leases[request] = lease
        self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        try:
            self._ack_finished()
            return len(self.queue) > 0 or self.queue.leased() > 0
        except redis.RedisError as error:
            stop_on_redis_failure(self.crawler, error)
            return False

    def forget(self, request: Any) -> None:
        try:
            self.df.forget(request)
        except redis.RedisError as error:
            stop_on_redis_failure(self.crawler, error)
