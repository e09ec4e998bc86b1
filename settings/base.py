"""wirecrawl's settings: Scrapy's own keys, and the project's keys, which all start with NEWS_.

Per-environment modules (prod, dev, demo) start with ``from .base import *`` and override a
few values; pick one with ``SCRAPY_SETTINGS_MODULE=settings.prod``. Any key can also be set
for one run with ``scrapy crawl feeds -s KEY=VALUE``. This package imports nothing of the
project, so it can be read by every component without import cycles.
"""

import os

from .feeds import DEFAULT_FEEDS, DEFAULT_SITES

WIRECRAWL_VERSION = "0.1.0"

# --- wirecrawl's own settings (each documented in README.md, "Settings") ---

# The SQLite file everything lands in; relative paths are taken from the working directory.
NEWS_DB_PATH = os.environ.get("WIRECRAWL_DB", "data/news.db")
# The feeds crawled when no -a feeds= is given: a list of {name, url, language, country}.
NEWS_FEEDS = DEFAULT_FEEDS
# Sites crawled when no -a feeds= or -a sites= is given: hosts or URLs ("news.example"), or dicts
# {name, url, language, country}; each site's feeds and sitemaps are discovered.
NEWS_SITES = DEFAULT_SITES
# A site's feeds and sitemaps are discovered again at most once in this many seconds.
NEWS_DISCOVERY_INTERVAL = 86400
# The most articles one run takes from one site (feeds and sitemaps together); the rest is left
# for the next run (a backfill of a long window takes several). 0: no cap.
NEWS_BACKFILL_MAX_PER_SITE = 1000
# A sitemap read for the first time without -a since= gives its entries of this many days
# (a Google News sitemap lists two); later runs take what is newer than its last newest entry.
NEWS_SITEMAP_FIRST_DAYS = 2
# Sitemap indexes nested deeper than this are not followed (the protocol allows none).
NEWS_SITEMAP_MAX_DEPTH = 3
# The sitemap protocol's limits: a sitemap's size (uncompressed) and URLs read from one.
NEWS_SITEMAP_MAX_BYTES = 50 * 1024 * 1024
NEWS_SITEMAP_MAX_URLS = 50_000
# Where a site owner can read what wirecrawl is and whom to contact; named in the User-Agent.
NEWS_CONTACT_URL = os.environ.get("WIRECRAWL_CONTACT_URL", "https://github.com/wirecrawl/wirecrawl")
# Worker processes that extract and sign articles; 0 means one per CPU.
NEWS_EXTRACT_WORKERS = 0
# Seconds one page's extraction may take before its worker is stopped and the page dropped;
# 0: no limit. A 10 MB page (DOWNLOAD_MAXSIZE) takes seconds, not minutes.
NEWS_EXTRACT_TIMEOUT = 120
# Articles with fewer words of text than this are dropped (menus, paywalls, video pages).
NEWS_MIN_WORDS = 40
# Stored articles are committed in one transaction per this many articles...
NEWS_STORE_BATCH_SIZE = 200
# ...or after this many seconds, whichever comes first, so Datasette sees progress.
NEWS_STORE_BATCH_SECONDS = 5.0
# MinHash permutations per signature (more: finer similarity estimate, bigger index).
NEWS_DEDUP_NUM_PERM = 128
# Words per shingle when signing article text (3 keeps a typo from hiding much of a copy).
NEWS_DEDUP_SHINGLE_WORDS = 3
# Estimated Jaccard similarity at or above which two articles are copies of one dispatch.
NEWS_DEDUP_THRESHOLD = 0.5
# ...or the share of the shorter text found in the longer one (excerpts, updated versions).
NEWS_DEDUP_CONTAINMENT = 0.65
# Copies of one dispatch appear within this many hours of each other; further apart, two
# texts are different stories (yesterday's and today's market brief).
NEWS_DEDUP_WINDOW_HOURS = 48
# Jaccard similarity from which the LSH index proposes candidates (lower finds shorter excerpts).
NEWS_DEDUP_CANDIDATE_THRESHOLD = 0.15
# An agency's language services publish their versions of a dispatch within hours of each other.
NEWS_STORY_WINDOW_HOURS = 24
# A line a site prints under articles of this many different stories is its boilerplate.
NEWS_BOILERPLATE_CLUSTERS = 3
# A site's article template read by the generic pass on this many pages is used alone (0: never).
NEWS_TEMPLATE_MIN_PAGES = 5
# Every n-th page a template reads is read by the generic pass too, to catch a drifting template.
NEWS_TEMPLATE_CHECK_EVERY = 20
# A feed that failed n runs in a row is skipped until NEWS_BACKOFF_BASE x 2^(n-1) seconds
# after its last failure, at most NEWS_BACKOFF_MAX seconds; 0 fetches failing feeds every run.
NEWS_BACKOFF_BASE = 600
NEWS_BACKOFF_MAX = 86400
# An article link that answered 404 or 410 on this many tries in a row is dead: never fetched
# again (its feed's ETag then no longer waits for it). Failed links are retried with the same
# backoff as feeds (NEWS_BACKOFF_BASE, NEWS_BACKOFF_MAX); 0: never declared dead.
NEWS_DEAD_LINK_TRIES = 3
# Fetch URLs on loopback, private, link-local or cloud-metadata addresses (off: feeds are untrusted).
NEWS_ALLOW_PRIVATE_ADDRESSES = False
# Networks fetched all the same, e.g. ["10.1.2.0/24"] for an intranet feed server.
NEWS_ALLOWED_NETWORKS: list[str] = []
# A proxy (HTTP_PROXY, HTTPS_PROXY) resolves the names it fetches itself, where the private-address
# guard cannot check them: with the guard on, requests through a proxy are refused unless this
# says the proxy is trusted (it refuses private addresses itself).
NEWS_TRUSTED_PROXY = False
# Log file rotated at NEWS_LOG_MAX_BYTES, keeping NEWS_LOG_BACKUPS old files; None: no such file.
NEWS_LOG_FILE = None
NEWS_LOG_MAX_BYTES = 10 * 1024 * 1024
NEWS_LOG_BACKUPS = 5
# The most pages the database file may grow to (PRAGMA max_page_count); 0: no limit. A crawl
# that reaches it stops as on a full disk (exit code 2); the tests use it to simulate one.
NEWS_DB_MAX_PAGES = 0
# --- Distributed crawl: many workers on one Redis, one writer (README.md, "More than one machine") ---

# Redis of a distributed crawl, e.g. redis://:PASSWORD@10.0.0.5:6379/0 or rediss://... for TLS; unset:
# the single-machine crawl, no Redis. Set, `scrapy crawl feeds` is a worker and
# `python -m crawler ingest` the writer.
NEWS_REDIS_URL = os.environ.get("WIRECRAWL_REDIS_URL") or None
# The prefix of every key of the crawl in Redis (two crawls on one Redis need two prefixes).
NEWS_REDIS_PREFIX = "wirecrawl"
# A worker whose heartbeat has not been renewed for this many seconds is taken for dead: the
# requests it held go back to the shared frontier.
NEWS_REDIS_WORKER_TIMEOUT = 30.0
# A feed is put on the shared frontier at most once per this many seconds, whichever worker's
# start offers it: set it a little under the cron interval of the workers.
NEWS_REDIS_FEED_INTERVAL = 240.0

# --- Scrapy ---

# The resolver Scrapy connects with refuses private addresses too (no DNS rebinding between the
# guard's check and the connection: crawler/resolver.py).
TWISTED_DNS_RESOLVER = "crawler.resolver.GuardedResolver"

BOT_NAME = "wirecrawl"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
# `scrapy crawl` is wirecrawl's own (crawler/commands/crawl.py): a run lock and exit codes.
COMMANDS_MODULE = "crawler.commands"

USER_AGENT = f"wirecrawl/{WIRECRAWL_VERSION} (+{NEWS_CONTACT_URL})"
ROBOTSTXT_OBEY = True
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19 would otherwise open an HTTP control port for every crawl.
REMOTE_CONTROL_ENABLED = False

CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# Items processed at once per response. An article page gives one item and a feed only
# requests, but Scrapy starts this many tasks for every response (100 by default): about a
# fifth of the main process's CPU (make bench).
CONCURRENT_ITEMS = 1
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

DOWNLOAD_TIMEOUT = 30
# A news page is rarely over 2 MB; anything over 10 MB is not an article.
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
RETRY_TIMES = 2

# Spider middlewares with nothing to do here, each a wrapper around every callback's output:
# RefererMiddleware (no need to tell a site which feed linked it), DepthMiddleware (always
# feed -> article, no DEPTH_LIMIT), UrlLengthMiddleware (feed links are made canonical, and a
# server answers an absurd URL with an error row), MetaCopyDetectionMiddleware (a developer's
# warning; the spider builds every request's meta itself). About 5% of the main process's CPU.
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.referer.RefererMiddleware": None,
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
DOWNLOADER_MIDDLEWARES = {
    # before robots.txt: a refused URL does not even get its robots.txt fetched
    "crawler.middlewares.PrivateAddressGuard": 50,
    # Scrapy's redirects, without decoding whole pages for meta refresh and without a warning
    # about the Referer that wirecrawl does not send (crawler/middlewares.py)
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.HeadMetaRefreshMiddleware": 580,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.QuietRedirectMiddleware": 600,
}
ITEM_PIPELINES = {
    "pipelines.extract.ExtractPipeline": 100,
    # the article keyed by its page's declared address; tracking parameters learned
    "pipelines.canonical.CanonicalPipeline": 150,
    "pipelines.dedup.DedupPipeline": 200,
    "pipelines.store.StorePipeline": 300,
}
EXTENSIONS = {
    "crawler.extensions.logfile.RotatingLogFile": 0,
    "crawler.extensions.crawl_runs.CrawlRunRecorder": 500,
    "crawler.extensions.reactor_stall.ReactorStallMonitor": 510,
}

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
