"""The page-to-article engine: one page's HTML in, its article text, metadata and signature out.

Nothing here knows Scrapy or the crawl: ``extract_article`` (``extraction.py``) runs in the
crawl's worker processes, in ``python -m crawler extract`` and in the evaluation scripts alike.
The Scrapy pipelines beside this folder (``pipelines/extract.py``, ``dedup.py``, ``store.py``)
move items through the crawl and call it.
"""
