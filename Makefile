# wirecrawl: `make demo` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= data/news.db

.PHONY: demo test serve crawl clean-demo eval-extract eval-sites eval-dedup eval-stories bench-dedup bench bench-sitemaps bench-scaleout

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# Serve the bundled offline news web on 127.0.0.1, crawl it, print a summary.
demo: $(BIN)/.installed
	$(BIN)/python -m demo.run

test: $(BIN)/.installed
	$(BIN)/python -m pytest

# Crawl the real feeds of settings/feeds.py into $(DB).
crawl: $(BIN)/.installed
	SCRAPY_SETTINGS_MODULE=settings.prod WIRECRAWL_DB=$(DB) $(BIN)/scrapy crawl feeds

# Browse a database read-only in Datasette on http://127.0.0.1:8001/, with the story view
# (storage/datasette_plugin). Datasette reads a mutable file through mode=ro connections and
# nothing here writes (no write queries or plugins), so a cron crawl can run meanwhile.
serve: $(BIN)/.installed
	$(BIN)/datasette serve $(DB) --metadata storage/metadata.yml --plugins-dir storage/datasette_plugin \
		--host 127.0.0.1 --port 8001 --setting sql_time_limit_ms 5000

clean-demo:
	rm -f data/demo.db data/demo.db-wal data/demo.db-shm data/demo-feeds.txt

# Score extract_article against plain trafilatura on ../shared/corpus/extraction (skipped if absent).
eval-extract: $(BIN)/.installed
	$(BIN)/python scripts/eval_extract.py

# Score the site templates (python -m crawler extract --db FILE -) against plain trafilatura on
# ../shared/corpus/sites, COLD (each site's first 10 pages) and WARM (the rest) (skipped if absent).
eval-sites: $(BIN)/.installed
	$(BIN)/python scripts/eval_sites.py

# Score python -m crawler dedup against plain MinHash LSH on ../shared/corpus/wirecopies (skipped if absent).
eval-dedup: $(BIN)/.installed
	$(BIN)/python scripts/eval_dedup.py

# Score the cross-language stories of python -m crawler dedup on ../shared/corpus/crosslingual, beside clusters only.
eval-stories: $(BIN)/.installed
	$(BIN)/python scripts/eval_stories.py

# Insert 1,000,000 synthetic articles into a fresh dedup index; print articles/s, lookup p50/p99, RSS, cold start.
bench-dedup: $(BIN)/.installed
	$(BIN)/python scripts/bench_dedup.py

# Crawl a cold web (../shared/corpus/extraction) and a warm one (../shared/corpus/sites, one 127.0.0.x host
# a site) from start to exit, beside plain trafilatura's pool and its command line; print pages/s, CPU, RSS.
bench: $(BIN)/.installed
	$(BIN)/python scripts/bench_crawl.py

# Peak RSS of a crawl of hostile sitemaps (nesting, loops, 60 MB, gzip bombs, 1,000,000 URLs...).
bench-sitemaps: $(BIN)/.installed
	$(BIN)/python scripts/bench_sitemaps.py

# The distributed crawl on a redis-server of its own: the writer's ingest rate (articles/s from a
# stream filled first) and pages/s of 1 and 2 worker processes against one local web.
bench-scaleout: $(BIN)/.installed
	$(BIN)/python scripts/bench_scaleout.py
