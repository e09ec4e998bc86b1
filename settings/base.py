"""wirecrawl's settings: Scrapy's own keys, and the project's keys, which all start with NEWS_.

Per-environment modules (prod, dev, demo) start with ``from .base import *`` and override a
few values; pick one with ``SCRAPY_SETTINGS_MODULE=settings.prod``. Any key can also be set
for one run with ``scrapy crawl feeds -s KEY=VALUE``. This package imports nothing of the
project, so it can be read by every component without import cycles.
"""

import os

from .feeds import DEFAULT_FEEDS

WIRECRAWL_VERSION = "0.1.0"

# --- wirecrawl's own settings (each documented in README.md, "Settings") ---

# The SQLite file everything lands in; relative paths are taken from the working directory.
NEWS_DB_PATH = os.environ.get("WIRECRAWL_DB", "data/news.db")
# The feeds crawled when no -a feeds= is given: a list of {name, url, language, country}.
NEWS_FEEDS = DEFAULT_FEEDS
# Where a site owner can read what wirecrawl is and whom to contact; named in the User-Agent.
NEWS_CONTACT_URL = os.environ.get("WIRECRAWL_CONTACT_URL", "https://github.com/wirecrawl/wirecrawl")
# Worker processes that extract and sign articles; 0 means one per CPU.
NEWS_EXTRACT_WORKERS = 0
# Articles with fewer words of text than this are dropped (menus, paywalls, video pages).
NEWS_MIN_WORDS = 40
# Stored articles are committed in one transaction per this many articles...
NEWS_STORE_BATCH_SIZE = 200
# ...or after this many seconds, whichever comes first, so Datasette sees progress.
NEWS_STORE_BATCH_SECONDS = 5.0
# MinHash permutations per signature (more: finer similarity estimate, bigger index).
NEWS_DEDUP_NUM_PERM = 128
# Words per shingle when signing article text.
NEWS_DEDUP_SHINGLE_WORDS = 5
# Estimated Jaccard similarity at or above which two articles are copies of one dispatch.
NEWS_DEDUP_THRESHOLD = 0.5

# --- Scrapy ---

BOT_NAME = "wirecrawl"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = f"wirecrawl/{WIRECRAWL_VERSION} (+{NEWS_CONTACT_URL})"
ROBOTSTXT_OBEY = True
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19 would otherwise open an HTTP control port for every crawl.
REMOTE_CONTROL_ENABLED = False

CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

DOWNLOAD_TIMEOUT = 30
# A news page is rarely over 2 MB; anything over 10 MB is not an article.
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
RETRY_TIMES = 2

ITEM_PIPELINES = {
    "pipelines.extract.ExtractPipeline": 100,
    "pipelines.dedup.DedupPipeline": 200,
    "pipelines.store.StorePipeline": 300,
}
EXTENSIONS = {
    "crawler.extensions.crawl_runs.CrawlRunRecorder": 500,
}

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
