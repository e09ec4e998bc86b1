"""``make demo``: serve the demo news web, crawl it with ``scrapy crawl feeds``, print a summary.

The outlets are served on fixed ports (8701 and up; DEMO_PORT to change) so their URLs,
and so the stored articles, are the same on every run: a second ``make demo`` adds nothing.
The database is data/demo.db (WIRECRAWL_DB to change).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from crawler.cli import main as cli_main
from demo.server import DEFAULT_PORT, DemoWeb

PROJECT = Path(__file__).resolve().parent.parent


def main() -> int:
    db_path = os.environ.get("WIRECRAWL_DB", "data/demo.db")
    port = int(os.environ.get("DEMO_PORT", DEFAULT_PORT))
    feeds_file = PROJECT / "data" / "demo-feeds.txt"
    try:
        web = DemoWeb(port=port).start()
    except OSError as error:
        print(
            f"error: cannot serve the demo web on 127.0.0.1:{port} and up ({error});"
            " stop whatever uses those ports or set DEMO_PORT to another first port",
            file=sys.stderr,
        )
        return 2
    try:
        web.write_feed_list(feeds_file)
        print(f"Serving {len(web.outlets)} demo outlets on 127.0.0.1:{port}-{port + len(web.outlets) - 1}")
        print(f"Crawling: scrapy crawl feeds -a feeds={feeds_file.relative_to(PROJECT)}  ->  {db_path}")
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "settings.demo", "WIRECRAWL_DB": db_path}
        crawl = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "feeds", "-a", f"feeds={feeds_file}", "-s", "LOG_LEVEL=WARNING"],
            cwd=PROJECT,
            env=env,
        )
    finally:
        web.stop()
    if crawl.returncode != 0:
        print(f"error: the crawl exited with status {crawl.returncode}", file=sys.stderr)
        return crawl.returncode
    print()
    status = cli_main(["summary", "--db", db_path])
    print()
    print(f"Browse it in Datasette: make serve DB={db_path}   (then open http://127.0.0.1:8001/)")
    return status


if __name__ == "__main__":
    sys.exit(main())
