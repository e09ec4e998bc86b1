"""Exit codes of ``scrapy crawl feeds``, for cron and monitoring (README.md, "From cron").

Kept apart from the command so the extension that decides them and the tests share one list.
"""

OK = 0  # the run finished and every feed and article fetch worked (pages may be dropped as too short)
FAILURES = 1  # the run finished, but some feeds or article fetches failed, or errors were logged
INCOMPLETE = 2  # the run did not complete: database unusable (read-only, disk full), interrupted, crashed, bad usage
LOCKED = 3  # another run holds the run lock; this one did nothing
# Redis (NEWS_REDIS_URL) unreachable at the start or lost during the run, for a worker of a distributed
# crawl or the writer (python -m crawler ingest): nothing stored is lost; run it again once Redis is back
REDIS = 4

EXIT_CODE_STAT = "wirecrawl/exit_code"
