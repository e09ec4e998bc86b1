"""Working on the crawler by hand: a database of its own and a verbose log."""

import os

from .base import *  # noqa: F403

NEWS_DB_PATH = os.environ.get("WIRECRAWL_DB", "data/dev.db")
LOG_LEVEL = "DEBUG"
