"""The one writer of a distributed crawl: articles from the Redis stream into the database.

Workers (``scrapy crawl feeds`` with NEWS_REDIS_URL, on any number of machines) extract articles
and add them to the stream ``<prefix>:articles`` (``pipelines/handoff.py``). ``Writer`` (run by
``python -m crawler ingest``) reads them with a consumer group, in batches of
NEWS_STORE_BATCH_SIZE, and for each article does what DedupPipeline and StorePipeline do in a
single-machine crawl: its cluster and story against the persistent index (``Deduplicator``),
then its row. A batch is one SQLite transaction; its messages are acknowledged (and deleted from
the stream) only after the commit. So the database has one writer, dedup no race, and a killed
writer loses nothing (the batch it had not committed is delivered again, as the group's pending
entries) and duplicates nothing (a message committed but not acknowledged is delivered again and
found stored: an article's URL is its key).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis

from storage import BackgroundCheckpoints, NewsDatabase, shared

from .dedup import Deduplicator

logger = logging.getLogger(__name__)

# The group's one consumer: a writer that restarts takes over what it had been given.
CONSUMER = "writer"


@dataclass
class IngestCounts:
    read: int = 0
    stored: int = 0
    known: int = 0
    batches: int = 0
    stats: dict[str, int] = field(default_factory=dict)

    def count(self, stat: str) -> None:
        self.stats[stat] = self.stats.get(stat, 0) + 1


class Writer:
    """>>> Writer(db, shared.connect(url), shared.Keys("wirecrawl"), settings).run(until_empty=True)"""

    def __init__(self, db: NewsDatabase, client: Any, keys: shared.Keys, settings: Any, batch_size: int | None = None):
        self.db = db
        self.client = client
        self.keys = keys
        self.batch_size = batch_size or max(1, int(settings.getint("NEWS_STORE_BATCH_SIZE")))
        self.counts = IngestCounts()
        self.dedup = Deduplicator(db, settings, count=self.counts.count)
        self.run_id: int | None = None
        # The WAL is copied into the file by a thread after the commits, not by a commit itself.
        self.checkpoints = BackgroundCheckpoints(db)

    def ensure_group(self) -> None:
        try:
            self.client.xgroup_create(self.keys.articles, shared.WRITER_GROUP, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    def run(self, until_empty: bool = True, block_ms: int = 1000, stop: Callable[[], bool] = lambda: False) -> IngestCounts:
        """Store batches until the stream is empty (``until_empty``) or ``stop()`` says so."""
        self.ensure_group()
        self.run_id = self.db.start_run()
        # First what was delivered to the writer before and never acknowledged (it was killed).
        backlog = True
        while not stop():
            start = "0" if backlog else ">"
            reply = self.client.xreadgroup(
                shared.WRITER_GROUP, CONSUMER, {self.keys.articles: start}, count=self.batch_size,
                block=None if backlog or until_empty else block_ms,
            )  # fmt: skip
            entries = reply[0][1] if reply else []
            if backlog and not entries:
                backlog = False
                continue
            if not entries:
                if until_empty:
                    break
                continue
            self.store_batch(entries)
        self.checkpoints.close()
        self.db.finish_run(
            self.run_id, finish_reason="finished", articles_new=self.counts.stored, articles_known=self.counts.known,
            stats={"wirecrawl/ingest/read": self.counts.read, **self.counts.stats},
        )  # fmt: skip
        return self.counts

    def store_batch(self, entries: list[tuple[bytes, dict[bytes, bytes]]]) -> None:
        """One transaction for the batch; then, and only then, the messages are acknowledged."""
        ids = [message_id for message_id, _ in entries]
        started = time.perf_counter()
        # A deleted entry still pending has no fields: nothing left to store.
        articles = [shared.loads(fields[b"article"]) for _, fields in entries if fields and b"article" in fields]
        self.counts.read += len(ids)
        # Stored before, in one query for the batch: delivered again after a commit whose
        # acknowledgement was lost (the writer was killed in between).
        known = self.db.known_urls([article["url"] for article in articles])
        for article in articles:
            if article["url"] in known:  # or two workers' copies of one page in this batch
                self.counts.known += 1
                continue
            known.add(article["url"])
            self.store(article)
        self.db.commit()
        self.checkpoints.request()
        pipe = self.client.pipeline()
        pipe.xack(self.keys.articles, shared.WRITER_GROUP, *ids)
        pipe.xdel(self.keys.articles, *ids)
        pipe.execute()
        self.counts.batches += 1
        logger.debug("Stored a batch of %d messages in %.1f ms", len(ids), (time.perf_counter() - started) * 1000)

    def store(self, article: dict[str, Any]) -> None:
        self.dedup.assign(article)
        article["run_id"] = self.run_id
        if self.db.add_article(article):
            self.counts.stored += 1
        else:
            self.counts.known += 1
