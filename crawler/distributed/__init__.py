"""Many crawl workers on one Redis: ``scrapy crawl feeds`` with NEWS_REDIS_URL set.

With NEWS_REDIS_URL unset nothing here is loaded and the crawl is the single-machine one. With it
set, the ``crawl`` command (``crawler/commands/crawl.py``) calls ``use_redis`` on the settings
before the crawl starts, and every worker, on any machine:

- takes its requests from one shared frontier and seen set in Redis (``scheduler.py``, on
  scrapy-redis), holding each under a lease until it is done, so a killed worker's requests go
  back to the frontier (``queue.py``);
- keeps each host's politeness (requests at once and the delay between them) together with the
  other workers (``politeness.py``);
- extracts articles as on one machine and hands each to the article stream
  (``pipelines/handoff.py``) instead of clustering and storing it: the one writer,
  ``python -m crawler ingest`` (``pipelines/ingest.py``), does that.
"""

from __future__ import annotations

from typing import Any

# Replaced in worker mode: clustering and storing are the writer's.
WORKER_PIPELINES = {
    "pipelines.dedup.DedupPipeline": None,
    "pipelines.store.StorePipeline": None,
    "pipelines.handoff.HandoffPipeline": 300,
}


def redis_url(settings: Any) -> str | None:
    return settings.get("NEWS_REDIS_URL") or None


def use_redis(settings: Any) -> None:
    """Turn a crawl's settings into a worker's (Scrapy settings, before they are frozen)."""
    priority = "cmdline"
    settings.set("SCHEDULER", "crawler.distributed.scheduler.SharedScheduler", priority=priority)
    pipelines = dict(settings.getdict("ITEM_PIPELINES"))
    pipelines.update(WORKER_PIPELINES)
    settings.set("ITEM_PIPELINES", pipelines, priority=priority)
    middlewares = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    # Last before the download: a request refused by robots.txt or the address guard takes no slot.
    middlewares["crawler.distributed.politeness.SharedHostPoliteness"] = 950
    settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority=priority)
