"""The offline demo web and the tests: every site is on 127.0.0.1, so no politeness delay."""

import os

from .base import *  # noqa: F403

NEWS_DB_PATH = os.environ.get("WIRECRAWL_DB", "data/demo.db")
AUTOTHROTTLE_ENABLED = False
DOWNLOAD_DELAY = 0
CONCURRENT_REQUESTS_PER_DOMAIN = 16
RETRY_TIMES = 0
# The demo web and the tests' servers are on 127.0.0.1.
NEWS_ALLOW_PRIVATE_ADDRESSES = True
