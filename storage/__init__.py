"""SQLite storage for wirecrawl: schema, queries, the persistent dedup index, Datasette metadata.

Nothing here knows of Scrapy; the crawl's components and the command line both use it.
"""

from .database import NewsDatabase, article_id_for, site_of, utc_now
from .dedup_index import Candidate, DedupIndex
from .schema import SCHEMA_VERSION, SchemaTooNew, ensure_schema

__all__ = [
    "SCHEMA_VERSION",
    "Candidate",
    "DedupIndex",
    "NewsDatabase",
    "SchemaTooNew",
    "article_id_for",
    "ensure_schema",
    "site_of",
    "utc_now",
]
