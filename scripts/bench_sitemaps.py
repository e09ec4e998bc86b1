"""Peak memory of a crawl of hostile sitemaps: ``make bench-sitemaps``.

Serves tests/hostile_sitemaps.py's outlet (127.0.0.5; ten sitemaps: 10-level nesting, a
self-pointing index, 60 MB streamed, two gzip bombs, 1,000,000 URLs, other-site and private URLs,
malformed dates, XML entities, one good one) and runs ``scrapy crawl feeds -a sites=...``
(``settings.demo``, the private-address guard on for all but 127.0.0.5) into a fresh database,
sampling the RSS of the whole process tree (the crawl, the feed reader, the forkserver, the
workers) from /proc every 50 ms. Prints the peak against the issue's target (1 GB), the errors
rows per sitemap, the articles stored and the run's time.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.bench_crawl import TreeSampler  # noqa: E402
from tests.hostile_sitemaps import CASES, HostileSitemaps  # noqa: E402

TARGET_MB = 1024


def main() -> int:
    with tempfile.TemporaryDirectory() as folder, HostileSitemaps() as web:
        db_path = Path(folder) / "news.db"
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "settings.demo", "WIRECRAWL_DB": str(db_path)}
        command = [
            sys.executable, "-m", "scrapy", "crawl", "feeds", "-a", f"sites={web.url('/')}",
            "-s", "NEWS_ALLOW_PRIVATE_ADDRESSES=False", "-s", "NEWS_ALLOWED_NETWORKS=127.0.0.5/32",
        ]  # fmt: skip
        started = time.monotonic()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        sampler = TreeSampler(process.pid, interval=0.05)
        sampler.start()
        _, stderr = process.communicate(timeout=600)
        sampler.done.set()
        sampler.join()
        elapsed = time.monotonic() - started
        db = sqlite3.connect(db_path)
        errors = db.execute("SELECT url, reason FROM errors WHERE stage = 'sitemap' ORDER BY url").fetchall()
        articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
        run = db.execute("SELECT finish_reason FROM crawl_runs").fetchone()
        db.close()
    print(f"crawl of {len(CASES)} hostile sitemaps: exit code {process.returncode}, {run[0] if run else 'no run row'},"
          f" {elapsed:.1f} s, {articles} articles stored")  # fmt: skip
    for url, reason in errors:
        print(f"  {url.split('/', 3)[3]:<22} {reason[:110]}")
    peak_mb = sampler.peak_kb / 1024
    ok = peak_mb <= TARGET_MB
    print(f"peak RSS, all processes {peak_mb:,.0f} MB (main process {sampler.peak_main_kb / 1024:,.0f} MB);"
          f" target <= {TARGET_MB} MB: {'met' if ok else 'NOT met'}")  # fmt: skip
    if process.returncode not in (0, 1):
        print(stderr[-3000:])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
