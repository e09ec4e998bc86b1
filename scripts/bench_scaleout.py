"""Benchmark the distributed crawl: ``make bench-scaleout``.

Starts a redis-server of its own (Debian's, on a free port of 127.0.0.1, append-only file with
``appendfsync everysec`` as a production Redis would run) and prints:

- (a) the writer's ingest rate: ``--articles`` synthetic articles (20,000 by default; news-like
  text of 250-600 words naming its story's people (3-6 names of thousands, and one of a few
  common places) and about one figure in three sentences, a third of them wire copies of an
  earlier one on another site, signed with the crawl's own MinHash, with the story evidence a
  worker sends) are put on the article stream first; then
  ``python -m crawler ingest`` stores them into a fresh database. Articles/s is the articles
  stored over the writer's own elapsed time (from its first read, without the interpreter's
  start-up), with the CPU seconds the writer used: it is one process on one core. Target
  1,000/s, so that one writer serves about 50 extraction cores at 50 ms a page;
- (b) pages/s of 1 and 2 worker processes (``scrapy crawl feeds`` with NEWS_REDIS_URL, each
  with one extraction process, NEWS_EXTRACT_WORKERS=1) against the same generated local web
  (``scripts/bench_crawl.py``'s: the real pages of ``../shared/corpus/extraction`` when present,
  read at run time, else generated ones; ``--pages`` article pages, 600 by default): articles handed to
  the stream over the time from the first to the last one handed (without start-up), and the
  wall time of the whole run.

Options: ``--articles N``, ``--pages N``, ``--no-workers``, ``--no-writer``, ``--keep DIR``.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import pickle
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

TARGET_INGEST = 1000.0
VOCABULARY = (
    "minister council border talks ceasefire envoy delegation harbour convoy refinery election turnout coalition"
    " budget tariff grain shipment drought reservoir protest verdict court appeal province governor militia"
    " brigade airport corridor summit treaty sanctions exports inflation currency bond yields pipeline reactor"
    " vaccine clinic census harvest monsoon earthquake rescue volunteers negotiators mediator parliament senate"
    " ruling amendment quota ferry railway bridge checkpoint observers monitors statement spokesman officials"
).split()
SYLLABLES = "ba ka da fa ga ha ja la ma na pa ra sa ta va za be ko di mu ro si tu ne li vo".split()
# People and places: a few names the whole news speaks of, and each story's own (from a pool of
# thousands): an article names its story's people, as news does, not everyone's.
COMMON_NAMES = ["Damascus", "Baghdad", "Ankara", "Beirut", "Geneva"]


def name(number: int) -> str:
    rng = random.Random(number * 7919)
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def synthetic_text(rng: random.Random, story: int) -> str:
    names = [name(story * 20 + k) for k in range(rng.randint(3, 6))] + [rng.choice(COMMON_NAMES)]
    paragraphs = []
    for _ in range(rng.randint(5, 10)):
        sentences = []
        for _ in range(rng.randint(3, 5)):
            words = [rng.choice(VOCABULARY) for _ in range(rng.randint(9, 16))]
            words[0] = words[0].capitalize()
            said = f"{rng.choice(names)} said" + (f" {rng.randint(2, 99999)}" if rng.random() < 0.35 else "")
            words.insert(rng.randint(1, len(words) - 1), said)
            sentences.append(" ".join(words) + ".")
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs)


def make_article(number: int) -> dict:
    """Article ``number``: every third one a wire copy of an earlier one (one sentence changed)."""
    from pipelines.article.signature import sign, without_known_lines
    from pipelines.evidence import evidence

    rng = random.Random(number)
    original = number - rng.randint(1, 50) if number % 3 == 2 and number > 50 else number
    text = synthetic_text(random.Random(original), original)
    if original != number:
        text = text.replace(".", f" in the copy of outlet {number % 40}.", 1)
    kept, keys = without_known_lines(text, frozenset())
    signature = sign(kept)
    site = f"outlet{number % 40}.invalid"
    title = " ".join(text.split()[:9])
    found = evidence(title, text, "en")  # read by the worker that extracted it (pipelines/extract.py)
    day = 1 + (original // 2000) % 27
    return {
        "url": f"https://{site}/news/{number}.html", "fetched_url": f"https://{site}/news/{number}.html",
        "feed_url": f"https://{site}/feed.xml", "site": site, "site_name": f"Outlet {number % 40}",
        "title": title, "text": text, "description": None, "authors": [], "tags": [],
        "published": f"2025-03-{day:02d}T{8 + number % 10:02d}:00:00+00:00", "modified": None, "language": "en",
        "image": None, "words": len(text.split()), "text_hash": signature.text_hash, "shingles": signature.shingles,
        "minhash": signature.to_bytes(), "line_keys": keys, "fetched": "2025-03-28T12:00:00+00:00",
        "evidence": {"title": title, "numbers": sorted(found.numbers), "dates": sorted(found.dates),
                     "names": sorted(found.names)},
    }  # fmt: skip


def _encoded(number: int) -> str:
    from storage import shared

    return shared.dumps(make_article(number))


class Redis:
    def __init__(self, folder: Path):
        from tests.redis_server import free_port

        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(folder), "--save", "",
             "--appendonly", "yes", "--appendfsync", "everysec", "--logfile", str(folder / "redis.log")],
        )  # fmt: skip
        import redis

        self.client = redis.Redis.from_url(self.url)
        for _ in range(200):
            try:
                self.client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


def bench_writer(redis: Redis, folder: Path, articles: int) -> None:
    print(f"\n(a) the writer: {articles:,} articles put on the stream first (signing them in {os.cpu_count()} processes)...", flush=True)
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(os.cpu_count() or 1) as pool:
        pipe = redis.client.pipeline(transaction=False)
        for number, encoded in enumerate(pool.imap(_encoded, range(articles), chunksize=200), start=1):
            pipe.xadd("wirecrawl:articles", {"article": encoded})
            if number % 1000 == 0:
                pipe.execute()
        pipe.execute()
    print(f"  stream filled in {time.perf_counter() - started:.1f} s ({redis.client.xlen('wirecrawl:articles'):,} messages)")
    db = folder / "writer.db"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "ingest", "--db", str(db), "--redis", redis.url],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "SCRAPY_SETTINGS_MODULE": "settings.base"},
    )  # fmt: skip
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        print(result.stderr[-3000:])
        raise SystemExit(2)
    print("  " + result.stdout.strip())
    seconds = float(result.stdout.rsplit(" in ", 1)[1].split(" s")[0])
    stored = int(result.stdout.split(" articles stored")[0].rsplit(" ", 1)[1])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    import sqlite3

    clusters = sqlite3.connect(db).execute("SELECT count(*) FROM clusters").fetchone()[0]
    rate = stored / seconds
    verdict = "met" if rate >= TARGET_INGEST else "NOT met"
    print(f"  ingest rate: {rate:,.0f} articles/s ({stored:,} stored in {seconds:.1f} s; {clusters:,} clusters);"
          f" writer process {cpu:.1f} s CPU in {wall:.1f} s wall, with start-up")  # fmt: skip
    print(f"  target >= {TARGET_INGEST:,.0f} articles/s on one core: {verdict}")
    print(f"  one writer serves about {rate * 0.05:,.0f} extraction cores at 50 ms of CPU a page")


def bench_workers(redis: Redis, folder: Path, pages: int) -> None:
    import bench_crawl

    cores = os.cpu_count() or 1
    if (bench_crawl.CORPUS / "index.jsonl").exists():
        base = bench_crawl.corpus_pages()  # read at run time, never copied into the project
        source = f"real pages of 100-300 KB of {bench_crawl.CORPUS}"
    else:
        base = bench_crawl.generated_pages()
        source = "generated news-like pages (no ../shared corpus)"
    chosen, anchors = bench_crawl.select_pages(base, cores)
    feeds = 20
    copies = math.ceil(pages / len(chosen))
    plan = [(page, copy, (page + copy * 7) % feeds) for copy in range(copies) for page in range(len(chosen))]
    print(f"\n(b) workers: {len(plan):,} article pages on {feeds} local sites (scripts/bench_crawl.py's web): {source}")
    state_file = folder / "web.pickle"
    state_file.write_bytes(pickle.dumps({"pages": chosen, "anchors": anchors, "feeds": feeds, "plan": plan}))
    server = bench_crawl.Server(state_file)
    try:
        feeds_file = folder / "feeds.txt"
        feeds_file.write_text("".join(f"http://127.0.0.1:{port}/feed.xml Bench outlet {n}\n" for n, port in enumerate(server.ports)))
        rates = {}
        for count in (1, 2):
            redis.client.flushdb()
            env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "settings.demo"}
            started = time.perf_counter()
            processes = []
            for number in range(count):
                command = [sys.executable, "-m", "scrapy", "crawl", "feeds", "-a", f"feeds={feeds_file}", "-s",
                           f"NEWS_REDIS_URL={redis.url}", "-s", "NEWS_EXTRACT_WORKERS=1"]  # fmt: skip
                worker_env = {**env, "WIRECRAWL_DB": str(folder / f"worker-{count}-{number}.db")}
                log = open(folder / f"worker-{count}-{number}.log", "w")  # noqa: SIM115
                processes.append(subprocess.Popen(command, cwd=ROOT, env=worker_env, stdout=subprocess.DEVNULL, stderr=log))
                log.close()
            first = last = None
            handed = 0
            while any(process.poll() is None for process in processes):
                handed = redis.client.xlen("wirecrawl:articles")
                now = time.perf_counter()
                if handed and first is None:
                    first = (now, handed)
                if first is not None and handed > first[1]:
                    last = (now, handed)
                time.sleep(0.05)
            wall = time.perf_counter() - started
            handed = redis.client.xlen("wirecrawl:articles")
            codes = [process.returncode for process in processes]
            rate = (last[1] - first[1]) / (last[0] - first[0]) if first and last and last[0] > first[0] else 0.0
            rates[count] = rate
            print(f"  {count} worker process{'es' if count > 1 else ''}: {rate:.1f} pages/s ({handed:,} articles handed on;"
                  f" {wall:.1f} s wall with start-up; exit codes {codes})")  # fmt: skip
        if rates.get(1):
            print(f"  2 workers / 1 worker: x{rates[2] / rates[1]:.2f} on {cores} cores")
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20000, help="articles for the writer (default 20,000)")
    parser.add_argument("--pages", type=int, default=600, help="article pages for the workers (default 600)")
    parser.add_argument("--no-workers", action="store_true")
    parser.add_argument("--no-writer", action="store_true")
    parser.add_argument("--keep", type=Path, help="keep the databases and logs in this folder")
    args = parser.parse_args(argv)
    if not shutil.which("redis-server"):
        print("error: redis-server is not installed (Debian: apt-get install redis-server)", file=sys.stderr)
        return 2
    print(f"Load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench-scaleout-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        redis = Redis(Path(scratch) / "redis")
        try:
            if not args.no_writer:
                bench_writer(redis, folder, args.articles)
            if not args.no_workers:
                bench_workers(redis, folder, args.pages)
        finally:
            redis.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
