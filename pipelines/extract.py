"""ExtractPipeline: extract and sign every fetched page in a pool of worker processes.

trafilatura costs tens of milliseconds of CPU per page and holds the GIL; run in the
reactor's process it would stall every download. The pool's workers
(``pipelines/workers.py``) run ``pipelines.article.extraction.extract_article`` and send back the
text, metadata and MinHash signature, so the main process only waits.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem

from storage import site_of

from .database import news_database, record_error
from .article.extraction import ExtractionError, TemplateOptions, extract_article
from .article.signature import sign_words
from .evidence import evidence
from .article.templates import SiteModel
from .workers import WorkerDied, WorkerPool

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# Fields copied from the worker's result onto the item.
EXTRACTED_FIELDS = (
    "title", "text", "authors", "published", "modified", "language", "description", "site_name", "tags",
    "canonical_url", "image", "words", "text_hash", "shingles", "minhash", "line_keys",
)  # fmt: skip


WARM_UP_PAGE = (
    "<html lang='en'><body><article><p>The workers load their language model and extraction rules"
    " on their first page, so each gets this one before the crawl's.</p></article></body></html>"
)


def warm_up_worker(_: int) -> None:
    """Load a worker's models and lazy imports before the crawl's first page."""
    try:
        extract_article(WARM_UP_PAGE)
    except ExtractionError:
        pass
    # The page is too short for trafilatura to keep, so it never reaches the signature: sign
    # something, or the first real page of each worker pays for numpy's permutations.
    sign_words(WARM_UP_PAGE.split())


def extract_for_writer(*args: Any) -> dict[str, Any]:
    """``extract_article``, and the article's story evidence (``pipelines/evidence.py``) read in the
    same worker process: in a distributed crawl the one writer links stories, and reading the
    evidence is most of its CPU; the workers, many, read it instead."""
    article = extract_article(*args)
    found = evidence(article["title"], article["text"], article["language"])
    article["evidence"] = {
        "title": article["title"], "numbers": sorted(found.numbers), "dates": sorted(found.dates),
        "names": sorted(found.names),
    }  # fmt: skip
    return article


def worker_count(setting: int) -> int:
    return setting if setting > 0 else (os.cpu_count() or 1)


# Workers run at a lower priority than the crawl's main process. With one worker per core the
# cores are always busy; at equal priority the reactor waits behind a worker for its turn,
# which stalls downloads and leaves the workers without pages. It needs a small share of one
# core and should always get it at once.
WORKER_NICENESS = 10


def _lower_priority() -> None:
    try:
        os.nice(WORKER_NICENESS)
    except OSError:  # not allowed here: extraction still works, only less politely
        pass


def new_pool(workers: int, timeout: float = 0.0) -> WorkerPool:
    """A pool of ``workers`` extraction processes, not started; a page's extraction that takes
    over ``timeout`` seconds has its worker stopped (0: no limit)."""
    # forkserver: workers never inherit the reactor's threads and sockets, and start fast
    # because the server process has imported trafilatura once.
    context = multiprocessing.get_context("forkserver")
    # datasketch too (it brings scipy, a second or more to import), or every worker would import
    # it on its first page, during the crawl; and the language model, loaded once for all.
    context.set_forkserver_preload(["pipelines.article.extraction", "datasketch", "pipelines.article.preload"])
    return WorkerPool(workers, context, initializer=_lower_priority, timeout=timeout)


async def start_pool(workers: int, timeout: float = 0.0, pool: WorkerPool | None = None) -> WorkerPool:
    """A started pool (``pool``, or a new one) of ``workers`` extraction processes, each warmed
    up on a page."""
    pool = pool or new_pool(workers, timeout)
    await pool.start()
    await asyncio.gather(*(pool.run(warm_up_worker, number) for number in range(workers)))
    return pool


class ExtractPipeline:
    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.workers = worker_count(settings.getint("NEWS_EXTRACT_WORKERS"))
        self.timeout = settings.getfloat("NEWS_EXTRACT_TIMEOUT")
        self.min_words = settings.getint("NEWS_MIN_WORDS")
        self.num_perm = settings.getint("NEWS_DEDUP_NUM_PERM")
        self.shingle_words = settings.getint("NEWS_DEDUP_SHINGLE_WORDS")
        self.db = news_database(crawler)
        self.site_lines = self.db.site_lines(settings.getint("NEWS_BOILERPLATE_CLUSTERS"))
        # Site templates (pipelines/article/templates.py); NEWS_TEMPLATE_MIN_PAGES = 0 turns them off.
        self.template_options = TemplateOptions(
            min_pages=settings.getint("NEWS_TEMPLATE_MIN_PAGES"), check_every=settings.getint("NEWS_TEMPLATE_CHECK_EVERY")
        )
        self.templates = self.db.site_templates() if self.template_options.min_pages > 0 else None
        self.pool: WorkerPool | None = None
        # A worker of a distributed crawl (NEWS_REDIS_URL) also reads the evidence the writer needs.
        self.job = extract_for_writer if settings.get("NEWS_REDIS_URL") else extract_article
        self._starting: asyncio.Future[WorkerPool] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler)

    async def open_spider(self) -> None:
        # Starting the workers (the fork server imports trafilatura, each worker imports the
        # main script, loads its models and reads a page) takes a second or more. The crawl
        # waits only for the fork server: the spider's feed reader forks from it too, on the
        # reactor's thread, which would stall while the server imports. The workers' own start
        # goes on while the feeds are fetched and read; only the first pages wait (``ready``).
        pool = new_pool(self.workers, self.timeout)
        self._starting = asyncio.ensure_future(start_pool(self.workers, self.timeout, pool))
        server_up = asyncio.ensure_future(pool.first_started.wait())
        await asyncio.wait([server_up, self._starting], return_when=asyncio.FIRST_COMPLETED)
        server_up.cancel()

    async def ready(self) -> WorkerPool:
        """The started pool (waiting for its start the first time)."""
        if self.pool is None:
            assert self._starting is not None, "ExtractPipeline used before open_spider"
            # shield: a page's task cancelled while it waits must not cancel the pool's start.
            pool = await asyncio.shield(self._starting)
            if self.pool is None:  # the first of the pages that waited
                self.pool = pool
                logger.info("Extracting articles in %d worker processes", self.workers)
            return pool
        return self.pool

    async def close_spider(self) -> None:
        starting, self._starting = self._starting, None
        if starting is None:
            return
        try:
            pool = self.pool or await starting
        except Exception:
            logger.exception("The extraction workers failed to start")
            return
        self.pool = None
        await pool.close()
        if pool.replacements:
            logger.warning("%d extraction workers died during the crawl and were replaced", pool.replacements)

    def _learn_template(self, site: str, report: dict[str, Any] | None) -> None:
        """What the page showed of its site's templates, taken in (written with the next batch)."""
        if self.templates is None or report is None:
            return
        # The site's templates as they are now, not as they were sent: its other pages may have
        # come back from the other workers meanwhile.
        model = SiteModel.from_json(self.templates.get(site))
        for happened in model.apply(report):
            self.crawler.stats.inc_value(f"wirecrawl/templates/{happened}")
        self.templates.put(site, model.templates)
        self.db.begin()

    def _drop(self, item: Any, stat: str, reason: str) -> DropItem:
        self.crawler.stats.inc_value(f"wirecrawl/extract/{stat}")
        self.crawler.stats.inc_value("wirecrawl/articles_dropped")
        record_error(self.crawler, "extract", item["url"], reason)
        return DropItem(f"{reason}: {item['url']}")

    async def process_item(self, item: Any) -> Any:
        try:
            pool = await self.ready()
        except Exception as error:  # the workers cannot start here: every page says why
            raise self._drop(item, "crashed", f"extraction workers failed to start: {type(error).__name__}: {error}") from None
        site = site_of(item["url"])
        job = pool.run(
            self.job,
            item.pop("body"),
            item["fetched_url"],
            item.get("content_type"),
            self.num_perm,
            self.shingle_words,
            self.site_lines.known(site),
            self.templates.get(site) if self.templates is not None else None,
            self.template_options,
        )
        try:
            article = await job
        except ExtractionError as error:
            raise self._drop(item, "no_text", str(error)) from None
        except WorkerDied as error:
            # Killed, out of memory, or over NEWS_EXTRACT_TIMEOUT: only the page that worker was
            # reading is lost (to this run; the next fetches it again), and another worker has
            # taken its place.
            raise self._drop(item, "worker_died", f"extraction {error}") from None
        except Exception as error:  # a bug or a page that breaks a library: keep crawling
            logger.exception("Extraction crashed on %s", item["url"])
            raise self._drop(item, "crashed", f"extraction crashed: {type(error).__name__}: {error}") from None
        self._learn_template(site, article.pop("template"))
        if article.get("decoding_note"):
            # Stored all the same, read in the right encoding; the user may want to know why.
            record_error(self.crawler, "extract", item["url"], article["decoding_note"])
        if article["words"] < self.min_words:
            raise self._drop(
                item, "too_short", f"only {article['words']} words of text (NEWS_MIN_WORDS is {self.min_words})"
            )
        for field in EXTRACTED_FIELDS:
            item[field] = article[field]
        if "evidence" in article:
            item["evidence"] = article["evidence"]
        # CPU the worker spent on this page: the crawl's real cost, to weigh the rest against.
        self.crawler.stats.inc_value("wirecrawl/extract/cpu_seconds", article["cpu_seconds"])
        # The feed's timestamp has the minute; a page often gives only the day.
        item["published"] = item.get("feed_published") or article["published"] or item.get("feed_lastmod")
        item["title"] = article["title"] or item.get("feed_title")
        self.crawler.stats.inc_value("wirecrawl/extract/ok")
        return item
