"""Unattended runs from cron: quieter log, written to a rotating file when WIRECRAWL_LOG is set."""

import os

from .base import *  # noqa: F403

LOG_LEVEL = "INFO"
NEWS_LOG_FILE = os.environ.get("WIRECRAWL_LOG") or None
