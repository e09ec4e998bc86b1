"""ArticleItem: one fetched article on its way through extract, dedup and store."""

from __future__ import annotations

import scrapy


class ArticleItem(scrapy.Item):
    # Set by the spider
    url = scrapy.Field()  # canonical URL: the article's key
    fetched_url = scrapy.Field()  # the URL the page was finally fetched from
    feed_url = scrapy.Field()
    feed_title = scrapy.Field()  # the entry's title in the feed
    feed_published = scrapy.Field()  # the entry's date in the feed (ISO 8601, UTC)
    feed_lastmod = scrapy.Field()  # a plain sitemap entry's lastmod: published where the page has no date
    fetched = scrapy.Field()
    content_type = scrapy.Field()
    body = scrapy.Field()  # raw bytes; removed once the worker has them
    # Set by ExtractPipeline (pipelines/article/extraction.py says what each holds)
    title = scrapy.Field()
    text = scrapy.Field()
    authors = scrapy.Field()
    published = scrapy.Field()
    modified = scrapy.Field()  # when the page says it last changed (after published), or None
    language = scrapy.Field()
    description = scrapy.Field()
    site_name = scrapy.Field()
    tags = scrapy.Field()
    canonical_url = scrapy.Field()
    image = scrapy.Field()
    words = scrapy.Field()
    text_hash = scrapy.Field()
    shingles = scrapy.Field()
    minhash = scrapy.Field()
    line_keys = scrapy.Field()  # keys of the text's lines, for the site boilerplate model
    # Set by DedupPipeline
    id = scrapy.Field()
    cluster_id = scrapy.Field()
    similarity = scrapy.Field()
    story_id = scrapy.Field()  # the story of its cluster (pipelines/stories.py)
    # Set by ExtractPipeline on a worker of a distributed crawl: the story evidence, for the writer
    evidence = scrapy.Field()
