"""HandoffPipeline: a worker's extracted articles go to the writer through a Redis stream.

On a worker (``scrapy crawl feeds`` with NEWS_REDIS_URL; ``crawler/distributed``) this takes the
place of DedupPipeline and StorePipeline: each article, as ExtractPipeline and CanonicalPipeline
made it (text, metadata, MinHash signature), is added to the stream ``<prefix>:articles`` as
one JSON message (``storage.shared.dumps``). The one writer, ``python -m crawler ingest``
(``pipelines/ingest.py``), clusters and stores it. The request's lease is acknowledged only
after this (``crawler/distributed/scheduler.py``), so a worker killed before the message is in
Redis leaves its request to another worker.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import redis

from storage import shared, site_of, utc_now

from .database import RUN_ID_STAT, stop_on_redis_failure

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class HandoffPipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.keys = shared.Keys(crawler.settings.get("NEWS_REDIS_PREFIX"))
        self.client = shared.connect(crawler.settings.get("NEWS_REDIS_URL"), asynchronous=True)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HandoffPipeline:
        return cls(crawler)

    async def close_spider(self) -> None:
        await self.client.aclose()

    async def process_item(self, item: Any) -> Any:
        record = dict(item)
        record.update(site=site_of(item["url"]), fetched=item.get("fetched") or utc_now())
        record["worker_run_id"] = self.crawler.stats.get_value(RUN_ID_STAT)
        try:
            await self.client.xadd(self.keys.articles, {"article": shared.dumps(record)})
        except redis.RedisError as error:
            stop_on_redis_failure(self.crawler, error)
            from scrapy.exceptions import DropItem

            raise DropItem(f"not handed to the writer, Redis is not usable: {item['url']}") from None
        self.crawler.stats.inc_value("wirecrawl/articles_handed_on")
        return item
