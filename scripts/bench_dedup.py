"""Benchmark the persistent dedup index at scale: ``make bench-dedup``.

Inserts synthetic articles (1,000,000 by default) into a fresh index file with the crawl's own
``ClusterAssigner`` (each insert is a lookup, a verification and an add, in transactions of
1,000, as the crawl's batches, the WAL checkpointed in a thread after each commit as the crawl
does), then measures, in that order:

- articles/s into the index, overall and over the last tenth (does it slow down as it grows?);
- cold start: a new process that opens the database and answers its first lookup;
- lookup latency p50 and p99 over 5,000 lookups of new signatures published in the last week
  (what a crawl asks: the window around a new article), then over 5,000 at any day of the
  year (what a backfill asks: mostly index pages that no cache holds, read from disk);
- peak RSS of the benchmark process.

Each insert also gives the article its story, as the crawl's ``DedupPipeline`` does: a copy
reads its cluster's story, a new cluster is linked through the story index
(``pipelines/stories.py``) with synthetic evidence keys (25 a cluster, drawn from a skewed
vocabulary, so that a few keys, like a year or a country, are shared by many clusters of a
day and most by few); reading the evidence from a text is the extraction's cost, measured apart
(``scripts/bench_stories.py``). ``--no-stories`` leaves the stories out, for the index alone.

The articles are MinHash signatures, not texts (signing is the extraction worker's cost, not the
index's): random signatures spread over a year of publication times (about 2,700 a day, a large
crawl), of which one in five is a copy of a recent article with 30% of its values changed, so
the verification and join paths run as they do on real copies.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipelines.dedup import ClusterAssigner  # noqa: E402
from pipelines.evidence import Evidence  # noqa: E402
from pipelines.stories import StoryLinker  # noqa: E402
from storage.story_index import StoryIndex  # noqa: E402
from storage import BackgroundCheckpoints, NewsDatabase  # noqa: E402

NUM_PERM = 128
START = datetime(2025, 1, 1, tzinfo=timezone.utc)
COLD_START = """
import sys, time
started = time.perf_counter()
sys.path.insert(0, {root!r})
import numpy as np
from storage import NewsDatabase
db = NewsDatabase.open({path!r})
index = db.dedup_index()
index.candidates(np.random.default_rng(1).integers(0, 2**32, 128, dtype=np.uint32), "2025-06-01T12:00:00+00:00")
print(time.perf_counter() - started)
"""


def synthetic_stream(count: int, seed: int = 7):
    """(article_id, hashvalues, shingles, text_hash, published) in publication order."""
    rng = np.random.default_rng(seed)
    recent: list[np.ndarray] = []
    seconds_per_article = 365 * 86400 / count
    for number in range(count):
        published = (START + timedelta(seconds=number * seconds_per_article)).isoformat(timespec="seconds")
        if recent and rng.random() < 0.2:
            values = recent[int(rng.integers(len(recent)))].copy()
            changed = rng.random(NUM_PERM) < 0.3
            values[changed] = rng.integers(0, 2**32, int(changed.sum()), dtype=np.uint32)
        else:
            values = rng.integers(0, 2**32, NUM_PERM, dtype=np.uint32)
        recent.append(values)
        if len(recent) > 2000:
            recent.pop(0)
        yield (number + 1) * 7919, values, int(rng.integers(80, 600)), f"{number:040x}", published


LANGUAGES = ("fr", "en", "ar")
EVIDENCE_KEYS = 25


def synthetic_evidence(rng: np.random.Generator) -> Evidence:
    """25 evidence keys from a Zipf-like vocabulary of a million: a few very common, most rare."""
    keys = (rng.zipf(1.3, EVIDENCE_KEYS) % 1_000_000).astype(np.int64) * 2654435761 % (1 << 62)
    numbers, dates, names = np.array_split(np.unique(keys), 3)
    return Evidence(frozenset(map(int, numbers)), frozenset(map(int, dates)), frozenset(map(int, names)))


def insert(path: Path, count: int, stories: bool = True) -> tuple[float, float]:
    """Articles/s into the index, overall and over the last tenth.

    Only the index's work is timed (lookup, verification, add, commits): making up the
    synthetic signatures is the benchmark's own cost, as signing is the worker's in a crawl.
    """
    db = NewsDatabase.open(path)
    checkpoints = BackgroundCheckpoints(db)
    assigner = ClusterAssigner(db.dedup_index())
    linker = StoryLinker(StoryIndex(db.conn, window_hours=24))
    rng = np.random.default_rng(3)
    spent = last_tenth_spent = 0.0
    tenth = max(1, count // 10)
    for number, (article_id, values, shingles, text_hash, published) in enumerate(synthetic_stream(count), start=1):
        evidence = synthetic_evidence(rng) if stories else None
        language = LANGUAGES[number % 3]
        started = time.perf_counter()
        db.begin()
        assignment = assigner.assign(article_id, values, shingles, text_hash, published)
        if evidence is not None:
            if assignment.matched_article_id is None:
                linker.link(assignment.cluster_id, language, published, evidence)
            else:
                linker.index.story_of(assignment.cluster_id)
        if number % 1000 == 0:
            db.commit()
            checkpoints.request()
        elapsed = time.perf_counter() - started
        spent += elapsed
        if number > count - tenth:
            last_tenth_spent += elapsed
        if number % 100_000 == 0:
            print(f"  {number:>9,} articles, {number / spent:,.0f}/s", flush=True)
    started = time.perf_counter()
    db.commit()
    checkpoints.close()
    spent += time.perf_counter() - started
    db.close()
    return count / spent, tenth / max(last_tenth_spent, 1e-9)


def lookups(path: Path, first_day: float, last_day: float, count: int = 5000) -> tuple[float, float]:
    """p50 and p99 in ms of ``count`` lookups of new signatures published between two days of the year."""
    db = NewsDatabase.open(path)
    index = db.dedup_index()
    rng = np.random.default_rng(11)
    times = []
    for _ in range(count):
        values = rng.integers(0, 2**32, NUM_PERM, dtype=np.uint32)
        published = (START + timedelta(days=random.uniform(first_day, last_day))).isoformat(timespec="seconds")
        started = time.perf_counter()
        index.candidates(values, published)
        times.append(time.perf_counter() - started)
    db.close()
    return float(np.percentile(times, 50)) * 1000, float(np.percentile(times, 99)) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000, help="how many to insert (default 1,000,000)")
    parser.add_argument("--keep", type=Path, help="write the index to this file and keep it")
    parser.add_argument("--no-stories", action="store_true", help="the dedup index alone, without story linking")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-dedup-") as scratch:
        path = args.keep or Path(scratch) / "index.db"
        print(f"Inserting {args.articles:,} synthetic articles into {path}")
        overall, last_tenth = insert(path, args.articles, stories=not args.no_stories)
        cold = float(subprocess.run(
            [sys.executable, "-c", COLD_START.format(root=str(ROOT), path=str(path))],
            capture_output=True, text=True, check=True,
        ).stdout)
        # What a crawl asks: the window of a new article, published in the last week.
        p50, p99 = lookups(path, 358, 365)
        # What a backfill asks: any day of the year, mostly pages no cache holds (read from disk).
        any_p50, any_p99 = lookups(path, 0, 365)
        size = sum(f.stat().st_size for f in path.parent.glob(path.name + "*")) / 2**20
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with_stories = "without stories" if args.no_stories else "with story linking"
    print(f"articles/s into the index   {overall:,.0f} (last tenth: {last_tenth:,.0f})   target >= 2,000   ({with_stories})")
    print(f"lookup latency p50 / p99    {p50:.2f} ms / {p99:.2f} ms   target p99 <= 5 ms"
          "   (new articles: the last week, as a crawl asks)")
    print(f"  ... any day of the year   {any_p50:.2f} ms / {any_p99:.2f} ms   (a backfill: cold pages, read from disk)")
    print(f"peak RSS                    {peak_rss:,.0f} MB   target <= 1,024 MB")
    print(f"cold start (open + lookup)  {cold:.3f} s   target <= 1 s")
    print(f"index file                  {size:,.0f} MB for {args.articles:,} articles")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
