"""SharedHostPoliteness: each host's politeness kept by all the workers together, in Redis.

Scrapy keeps a download slot per host in each process, so N workers would give a host N times
CONCURRENT_REQUESTS_PER_DOMAIN requests at once and N times the rate DOWNLOAD_DELAY allows
(scrapyd's and scrapy-redis's users ask for it: scrapy/scrapyd#221, rmax/scrapy-redis#14). Before each download (robots.txt's too) this middleware takes a slot of the host in
Redis with one Lua script: granted if fewer than CONCURRENT_REQUESTS_PER_DOMAIN requests of that
host are out, across all workers, and DOWNLOAD_DELAY seconds have passed since the last one
started (Redis's clock, not the workers'); else it waits, off the reactor (asyncio client). The
slot is given back when the response or the error comes; a slot of a killed worker expires
after DOWNLOAD_TIMEOUT plus a margin.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any
from urllib.parse import urlsplit

import redis

from storage import shared

from pipelines.database import stop_on_redis_failure

# KEYS[1] the host's holders (by expiry, ms), KEYS[2] its next allowed start (ms).
# ARGV: holder id, limit, delay ms, hold ms. Returns 0 when granted, else the ms to wait.
ACQUIRE = """
local now = redis.call('TIME')
now = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local limit = tonumber(ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= limit then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, math.min(50, tonumber(first[2]) - now))
end
local next_start = tonumber(redis.call('GET', KEYS[2]) or '0')
if now < next_start then return next_start - now end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
local delay = tonumber(ARGV[3])
if delay > 0 then redis.call('SET', KEYS[2], now + delay, 'PX', delay + 1000) end
return 0
"""

HOLDER_META = "wirecrawl_host_slot"


class SharedHostPoliteness:
    def __init__(self, crawler: Any):
        settings = crawler.settings
        self.crawler = crawler
        self.keys = shared.Keys(settings.get("NEWS_REDIS_PREFIX"))
        self.limit = max(1, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"))
        self.delay_ms = int(settings.getfloat("DOWNLOAD_DELAY") * 1000)
        # A slot outlives its request only if its worker was killed: a request lasts at most
        # DOWNLOAD_TIMEOUT (plus the wait for a connection).
        self.hold_ms = int((settings.getfloat("DOWNLOAD_TIMEOUT") + 30) * 1000)
        self.client = shared.connect(settings.get("NEWS_REDIS_URL"), asynchronous=True)
        self.acquire = self.client.register_script(ACQUIRE)

    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedHostPoliteness:
        return cls(crawler)

    async def process_request(self, request: Any) -> None:
        host = urlsplit(request.url).hostname or ""
        holder = f"{secrets.token_hex(8)}"
        holders, next_start = self.keys.host(host)
        waited = 0
        try:
            while True:
                wait_ms = int(await self.acquire(keys=[holders, next_start], args=[holder, self.limit, self.delay_ms, self.hold_ms]))
                if wait_ms <= 0:
                    break
                waited += wait_ms
                await asyncio.sleep(wait_ms / 1000)
        except redis.RedisError as error:
            stop_on_redis_failure(self.crawler, error)
            from scrapy.exceptions import IgnoreRequest

            raise IgnoreRequest(f"Redis is not usable: {error}") from None
        if waited:
            self.crawler.stats.inc_value("wirecrawl/redis/politeness_wait_ms", waited)
        request.meta[HOLDER_META] = (holders, holder)
        return None

    async def _release(self, request: Any) -> None:
        held = request.meta.pop(HOLDER_META, None)
        if held is None:
            return
        try:
            await self.client.zrem(*held)
        except redis.RedisError as error:
            stop_on_redis_failure(self.crawler, error)

    async def process_response(self, request: Any, response: Any) -> Any:
        await self._release(request)
        return response

    async def process_exception(self, request: Any, exception: BaseException) -> None:
        await self._release(request)
        return None
