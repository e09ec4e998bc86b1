"""SQLite storage for wirecrawl: schema, queries, the persistent dedup index, Datasette metadata.

Nothing here knows of Scrapy; the crawl's components and the command line both use it.
"""

from .database import BackgroundCheckpoints, NewsDatabase, StorageFailed, article_id_for, backoff_delay, site_of, utc_now
from .dedup_index import Candidate, DedupIndex
from .schema import SCHEMA_VERSION, SchemaTooNew, ensure_schema
from .site_lines import SiteLines
from .site_templates import SiteTemplates
from .times import hours_between, parse_time

__all__ = [
    "SCHEMA_VERSION",
    "BackgroundCheckpoints",
    "Candidate",
    "DedupIndex",
    "NewsDatabase",
    "SchemaTooNew",
    "SiteLines",
    "SiteTemplates",
    "StorageFailed",
    "article_id_for",
    "backoff_delay",
    "ensure_schema",
    "hours_between",
    "parse_time",
    "site_of",
    "utc_now",
]
