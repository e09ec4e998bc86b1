"""Benchmark the whole crawl as a user sees it against plain trafilatura: ``make bench``.

Serves a news web from a separate process (so the server never competes for the crawl's GIL),
then, in one run, on each of two webs:

- **cold**: ``--feeds`` RSS feeds (20 by default), each on its own port of 127.0.0.1 (its own
  site), listing together at least ``--pages`` article pages (2,000 by default) of 100-300 KB,
  built around the real pages of ``../shared/corpus/extraction`` (read at run time, never
  copied into the project): each real page is served under several URLs, with a unique sentence
  added to one of its article's paragraphs, so every copy has its own text (and the copies of
  one page cluster together, as wire copies do). A site's pages come from different real sites:
  no template is ever confirmed, every page is cold. Without ``../shared``, the pages come from a
  generator of news-like markup.
- **warm**: ``../shared/corpus/sites`` (real pages of 61 sites, 10-84 each): each site on a
  host of its own (127.0.0.2, 127.0.0.3, ...), its feed listing its pages in the corpus's order,
  the oldest first, so the site templates (``pipelines/article/templates.py``) read most of a
  site's later pages. Skipped without ``../shared``.

For each web it prints:

- (a) the ceiling: plain ``trafilatura.extract(html, include_comments=False)`` over the same
  pages in a pool of one process per core, pages/s (right before the crawl and again after it;
  this VM's speed drifts by 10-20% over minutes, so b is set against the mean of the two);
- (b) ``scrapy crawl feeds`` (``settings.demo``) into a fresh database, from the process's start
  to its exit: pages stored per second of that wall time; the time from the start to the first
  request the web sees; CPU per page of the whole process tree, split into extraction (the
  forkserver and the workers between the first request and the last page served), the main
  process over the same span, and the fixed costs (all processes from the start to the first
  request, and from the last page served to the exit: the close); peak RSS of the process tree
  and PSS (sampled from /proc every 100 ms); the longest reactor stall (``wirecrawl/reactor/max_stall_ms``);
  then a second crawl of the same database, which must store nothing (every feed answers 304) in
  under 5% of the first crawl's wall time;
- (c) trafilatura's own command line, ``trafilatura -i URLS -o DIR --fast --parallel 4
  --no-comments``, fetching the same pages from the same server, with a ``--config-file`` that
  sets ``SLEEP_TIME = 0`` (no pause between two requests to one host) and ``SSRF_PROTECTION =
  off`` (the web is on loopback addresses): pages written per second, start to exit;
- b/a and b/c, and each figure against the issue's target.

Options: ``--pages N`` and ``--feeds N`` (the cold web), ``--webs cold,warm`` (which webs),
``--no-cli``, ``--no-ceiling``, ``--generated`` (generated pages even with the corpus),
``-s KEY=VALUE`` (a setting for every crawl, to try one), ``--keep DIR`` (keep databases, logs,
the command line's output).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import math
import multiprocessing
import os
import pickle
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "extraction"
SITES = SHARED / "corpus" / "sites"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PAGE_MIN_BYTES, PAGE_MAX_BYTES = 100_000, 300_000
# A page is kept only if its text has this many words (NEWS_MIN_WORDS is 40): a site's learned
# boilerplate lines may still shorten it during the crawl, and every page must be stored.
KEEP_MIN_WORDS = 80
CONTENT_TYPE = "text/html; charset=utf-8"
PUBLISHED = datetime(2025, 3, 1, 8, 0, tzinfo=timezone.utc)
TARGETS = {
    "cold_b_a": 0.85,
    "cold_b_c": 1.5,
    "warm_b_a": 1.5,
    "first_request_s": 1.5,
    "rss_mb": 1024,
    "stall_ms": 100,
    "second_share": 0.05,
}
VOCABULARY = (
    "minister council border talks ceasefire envoy delegation harbour convoy refinery election "
    "turnout coalition budget tariff grain shipment drought reservoir protest verdict court "
    "appeal province governor militia brigade airport corridor summit treaty sanctions exports "
    "inflation currency bond yields pipeline reactor vaccine clinic census harvest monsoon "
    "earthquake rescue volunteers negotiators mediator parliament senate ruling amendment quota "
    "ferry railway bridge checkpoint observers monitors statement spokesman sources officials"
).split()


# --- the pages ----------------------------------------------------------------------------


def unique_sentence(page: int, copy: int) -> bytes:
    """The sentence that makes copy ``copy`` of page ``page`` a text of its own."""
    rng = random.Random(page * 1000 + copy)
    words = " ".join(rng.choice(VOCABULARY) for _ in range(14))
    return f" Bulletin {page:03d}-{copy:02d} {rng.randrange(10**6):06d}: {words}.".encode()


def build_page(base: bytes, anchor: int, page: int, copy: int) -> bytes:
    return base[:anchor] + unique_sentence(page, copy) + base[anchor:]


def corpus_pages() -> list[bytes]:
    """The corpus's real pages of 100-300 KB, as served (UTF-8 HTML)."""
    rows = [json.loads(line) for line in (CORPUS / "index.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    pages = []
    for row in rows:
        html = gzip.decompress((CORPUS / row["html"]).read_bytes())
        if PAGE_MIN_BYTES <= len(html) <= PAGE_MAX_BYTES:
            pages.append(html)
    return pages


def generated_pages(count: int = 120, seed: int = 3) -> list[bytes]:
    """News-like pages of 100-300 KB: navigation, inline scripts and styles, an article, links."""
    rng = random.Random(seed)
    syllables = "ka lo mi re tan sul ver pa do en ri mos tel gar bi nu sha qu il om".split()

    def word() -> str:
        return "".join(rng.choice(syllables) for _ in range(rng.randint(1, 3)))

    def sentence(words: int) -> str:
        return " ".join(word() for _ in range(words)).capitalize() + "."

    pages = []
    for number in range(count):
        target = rng.randint(PAGE_MIN_BYTES + 10_000, PAGE_MAX_BYTES - 20_000)
        title = sentence(rng.randint(6, 12))
        nav = "".join(f'<li><a href="/section/{word()}/{i}">{word().title()}</a></li>' for i in range(120))
        body = "".join(f"<p>{' '.join(sentence(rng.randint(8, 22)) for _ in range(rng.randint(2, 5)))}</p>\n" for _ in range(rng.randint(8, 16)))
        related = "".join(f'<li><a href="/news/{word()}-{i}.html">{sentence(8)}</a></li>' for i in range(40))
        head = (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} | The Gazette</title>'
            f'<meta property="og:title" content="{title}"><meta property="og:site_name" content="The Gazette">'
            f'<meta name="author" content="{word().title()} {word().title()}">'
            f'<meta property="article:published_time" content="2025-03-01T08:00:00+00:00">'
            f"<style>{'.c%d{margin:0 %dpx;color:#%06x}' * 1 % (number, number % 9, number * 977 % 0xFFFFFF)}</style>"
        )
        article = (
            f'<body><header><nav><ul>{nav}</ul></nav></header><main><article><h1>{title}</h1>'
            f'<p class="byline">By {word().title()} {word().title()}</p><time datetime="2025-03-01">1 March 2025</time>'
            f"{body}</article><aside><h2>Related</h2><ul>{related}</ul></aside></main>"
            f"<footer><p>© The Gazette. All rights reserved.</p></footer>"
        )
        html = head + article
        blob = []
        while len(html) + sum(map(len, blob)) < target:
            state = {f"k{i}": [word() for _ in range(12)] for i in range(40)}
            blob.append('<script type="application/json">' + json.dumps(state) + "</script>\n")
        pages.append((head + "</head>" + article + "".join(blob) + "</body></html>").encode())
    return pages


def find_anchor(base: bytes, text: str) -> int | None:
    """Where a unique sentence can go: before the </p> that closes one of the text's paragraphs."""
    for line in sorted(text.splitlines(), key=len, reverse=True)[:20]:
        line = line.strip()
        if len(line) < 60:
            continue
        for start in (0, len(line) // 3):
            fragment = line[start : start + 40].encode()
            position = base.find(fragment)
            if position < 0:
                continue
            close = base.find(b"</p>", position, position + 20_000)
            other = base.find(b"<p", position, close) if close > 0 else -1
            if close > 0 and other < 0:
                return close
    return None


# --- the webs ---------------------------------------------------------------------------------
#
# A web is plain data, pickled to the server process: the pages (bytes), each page's anchor for
# a unique sentence (None: served as it is), and its sites: a host, and its articles in feed
# order as (path, page, copy).


def article_path(page: int, copy: int) -> str:
    day = PUBLISHED + timedelta(hours=copy)
    return f"/news/{day:%Y/%m/%d}/story-{page:03d}-{copy:02d}.html"


def page_body(pages: list[bytes], anchors: list[int | None], page: int, copy: int) -> bytes:
    anchor = anchors[page]
    return pages[page] if anchor is None else build_page(pages[page], anchor, page, copy)


def cold_web(pages: list[bytes], anchors: list[int], total: int, feeds: int) -> dict:
    copies = math.ceil(total / len(pages))
    sites: list[dict] = [{"host": "127.0.0.1", "title": f"Bench outlet {feed}", "articles": []} for feed in range(feeds)]
    # Copies of a page go to different feeds (sites), a few hours apart, as wire copies do.
    for copy in range(copies):
        for page in range(len(pages)):
            sites[(page + copy * 7) % feeds]["articles"].append((article_path(page, copy), page, copy))
    return {"name": "cold", "pages": pages, "anchors": anchors, "sites": sites}


def sites_corpus() -> list[tuple[str, bytes]]:
    """(site, page bytes) of ``../shared/corpus/sites``, each site's pages in the corpus's order."""
    rows = [json.loads(line) for line in (SITES / "index.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    rows.sort(key=lambda row: (row["site"], row["order"]))
    return [(row["site"], gzip.decompress((SITES / row["html"]).read_bytes())) for row in rows]


def warm_web(corpus: list[tuple[str, bytes]], keep: list[bool]) -> dict:
    pages: list[bytes] = []
    sites: list[dict] = []
    names: dict[str, dict] = {}
    for (name, html), kept in zip(corpus, keep):
        if not kept:
            continue
        if name not in names:
            # The site's own name stays out of the crawl: a number on a loopback host of its own.
            names[name] = {"host": f"127.0.0.{len(sites) + 2}", "title": f"Bench site {len(sites)}", "articles": []}
            sites.append(names[name])
        site = names[name]
        site["articles"].append((f"/article/{len(site['articles']):03d}.html", len(pages), 0))
        pages.append(html)
    return {"name": "warm", "pages": pages, "anchors": [None] * len(pages), "sites": sites}


def web_jobs(web: dict) -> list[tuple[int, int]]:
    return [(page, copy) for site in web["sites"] for _path, page, copy in site["articles"]]


# --- worker pools (fork: the bench process has no threads yet) --------------------------------

_POOL_PAGES: list[bytes] = []
_POOL_ANCHORS: list[int | None] = []


def _pool_init(pages: list[bytes], anchors: list[int | None]) -> None:
    _POOL_PAGES[:] = pages
    _POOL_ANCHORS[:] = anchors


def _probe_words(page: int) -> int:
    """Words the project's generic pass keeps of a page (0: no article)."""
    from pipelines.article.extraction import ExtractionError, extract_article

    try:
        return extract_article(_POOL_PAGES[page], "http://127.0.0.1/probe.html", CONTENT_TYPE)["words"]
    except ExtractionError:
        return 0


def _find_anchor_task(page: int) -> int | None:
    from pipelines.article.extraction import ExtractionError, extract_article

    base = _POOL_PAGES[page]
    try:
        article = extract_article(base, "http://127.0.0.1/probe.html", CONTENT_TYPE)
    except ExtractionError:
        return None
    if article["words"] < KEEP_MIN_WORDS:
        return None
    anchor = find_anchor(base, article["text"])
    if anchor is None:
        return None
    marker = unique_sentence(page, 0).decode().split(":")[0].strip()
    try:
        variant = extract_article(build_page(base, anchor, page, 0), "http://127.0.0.1/probe.html", CONTENT_TYPE)
    except ExtractionError:
        return None
    return anchor if marker in variant["text"] and variant["words"] >= KEEP_MIN_WORDS else None


def _trafilatura_task(job: tuple[int, int]) -> tuple[bool, float]:
    """Plain trafilatura over one page, as a user calls it: (gave a text, CPU seconds)."""
    import trafilatura

    page, copy = job
    body = page_body(_POOL_PAGES, _POOL_ANCHORS, page, copy)
    started = time.process_time()
    text = trafilatura.extract(body, include_comments=False)
    return bool(text), time.process_time() - started


def _pool(pages: list[bytes], anchors: list[int | None], workers: int):
    import pipelines.article.extraction  # noqa: F401  (imported once, before the fork)

    return multiprocessing.get_context("fork").Pool(workers, initializer=_pool_init, initargs=(pages, anchors))


def select_pages(pages: list[bytes], workers: int) -> tuple[list[bytes], list[int]]:
    """The cold web's pages: those with an article of KEEP_MIN_WORDS+ words and a place for a sentence."""
    with _pool(pages, [None] * len(pages), workers) as pool:
        anchors = pool.map(_find_anchor_task, range(len(pages)), chunksize=1)
    kept = [(page, anchor) for page, anchor in zip(pages, anchors) if anchor is not None]
    return [page for page, _ in kept], [anchor for _, anchor in kept]


def select_warm(corpus: list[tuple[str, bytes]], workers: int) -> list[bool]:
    """The warm web's pages: those the generic pass reads KEEP_MIN_WORDS+ words from, so that every
    page served is one the crawl must store (the others would be dropped as too short, rightly)."""
    with _pool([html for _, html in corpus], [None] * len(corpus), workers) as pool:
        words = pool.map(_probe_words, range(len(corpus)), chunksize=4)
    return [count >= KEEP_MIN_WORDS for count in words]


def ceiling(web: dict, workers: int) -> dict:
    """(a): pages/s of plain trafilatura over every page of the web, in ``workers`` processes."""
    import trafilatura  # noqa: F401  (imported once, before the fork)

    jobs = web_jobs(web)
    with _pool(web["pages"], web["anchors"], workers) as pool:
        pool.map(_trafilatura_task, jobs[: workers * 2], chunksize=1)  # warm-up: imports, caches
        started = time.perf_counter()
        results = pool.map(_trafilatura_task, jobs, chunksize=4)
        elapsed = time.perf_counter() - started
    cpu = sum(seconds for _, seconds in results)
    return {"rate": len(jobs) / elapsed, "cpu": cpu, "texts": sum(1 for ok, _ in results if ok), "pages": len(jobs)}


# --- the server (a separate process) --------------------------------------------------------


class Web:
    def __init__(self, state: dict):
        self.pages: list[bytes] = state["pages"]
        self.anchors: list[int | None] = state["anchors"]
        self.sites: list[dict] = state["sites"]
        self.by_path = [{path: (page, copy) for path, page, copy in site["articles"]} for site in self.sites]
        self.feed_bodies: dict[int, bytes] = {}
        self.reset()

    def reset(self) -> None:
        self.counts: dict[str, float] = {"articles": 0, "feeds_200": 0, "feeds_304": 0, "other": 0}
        # When the web saw its first request and served its last article (time.time()).
        self.counts.update(first_request=0.0, last_article=0.0)

    def feed_body(self, number: int, base: str) -> bytes:
        if number not in self.feed_bodies:
            site = self.sites[number]
            items = []
            # Newest first, as feeds list; the order numbers the pages in the site's order.
            for order, (path, page, copy) in reversed(list(enumerate(site["articles"]))):
                when = PUBLISHED + timedelta(minutes=order * 7 + copy * 60)
                items.append(
                    f"<item><title>Story {page:03d}, copy {copy:02d}</title><link>{base}{path}</link>"
                    f"<guid>{base}{path}</guid><pubDate>{format_datetime(when)}</pubDate></item>"
                )
            self.feed_bodies[number] = (
                '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>{site['title']}</title><link>{base}/</link>"
                f"<description>wirecrawl bench</description>{''.join(items)}</channel></rss>"
            ).encode()
        return self.feed_bodies[number]

    def respond(self, number: int, base: str, path: str, headers: dict[str, str]) -> tuple[int, str, bytes, dict[str, str]]:
        if path == "/_stats":
            return 200, "application/json", json.dumps(self.counts).encode(), {}
        if path == "/_reset":
            self.reset()
            return 200, "text/plain", b"reset\n", {}
        if not self.counts["first_request"]:
            self.counts["first_request"] = time.time()
        if path == "/robots.txt":
            self.counts["other"] += 1
            return 200, "text/plain", b"User-agent: *\nAllow: /\n", {}
        if path == "/feed.xml":
            etag = f'"bench-{number}"'
            if headers.get("if-none-match") == etag:
                self.counts["feeds_304"] += 1
                return 304, "", b"", {"ETag": etag}
            self.counts["feeds_200"] += 1
            return 200, "application/rss+xml; charset=utf-8", self.feed_body(number, base), {"ETag": etag}
        found = self.by_path[number].get(path)
        if found:
            self.counts["articles"] += 1
            self.counts["last_article"] = time.time()
            return 200, CONTENT_TYPE, page_body(self.pages, self.anchors, *found), {}
        self.counts["other"] += 1
        return 404, "text/plain", b"not found\n", {}

    async def handle(self, number: int, base: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        reasons = {200: "OK", 304: "Not Modified", 404: "Not Found"}
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    break
                lines = head.decode("latin-1").split("\r\n")
                _method, target, _version = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                status, content_type, body, extra = self.respond(number, base, target.split("?")[0], headers)
                out = [f"HTTP/1.1 {status} {reasons[status]}", "Server: bench-news/1.0"]
                if content_type:
                    out.append(f"Content-Type: {content_type}")
                out.append(f"Content-Length: {len(body)}")
                out += [f"{name}: {value}" for name, value in extra.items()]
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def serve(self) -> None:
        servers, bases = [], []
        for number, site in enumerate(self.sites):
            holder: dict[str, str] = {}
            server = await asyncio.start_server(
                lambda r, w, number=number, holder=holder: self.handle(number, holder["base"], r, w), site["host"], 0
            )
            holder["base"] = f"http://{site['host']}:{server.sockets[0].getsockname()[1]}"
            servers.append(server)
            bases.append(holder["base"])
        print(json.dumps(bases), flush=True)
        await asyncio.Event().wait()


def serve_main(state_file: str) -> None:
    state = pickle.loads(Path(state_file).read_bytes())
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    asyncio.run(Web(state).serve())


class Server:
    """The bench web in a subprocess of its own."""

    def __init__(self, state_file: Path):
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(state_file)], stdout=subprocess.PIPE, text=True, cwd=ROOT
        )
        assert self.process.stdout is not None
        self.bases: list[str] = json.loads(self.process.stdout.readline())

    def _get(self, path: str) -> dict:
        # Straight to the loopback server, whatever proxy the environment names.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"{self.bases[0]}{path}", timeout=10) as response:
            body = response.read()
        return json.loads(body) if path == "/_stats" else {}

    def counts(self) -> dict[str, float]:
        return self._get("/_stats")

    def reset(self) -> None:
        self._get("/_reset")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


# --- a crawl, watched from /proc --------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as file:
                found += [int(child) for child in file.read().split()]
    except OSError:
        pass
    return found


def _rss_and_cpu(pid: int) -> tuple[int, float] | None:
    """(RSS in kB, CPU seconds) of one process, from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            fields = file.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # after the command: state is field 3, utime 14, stime 15, rss 24 (1-based, whole line)
    cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return int(fields[21]) * PAGE_KB, cpu


def _pss_kb(pid: int) -> int:
    """Proportional set size in kB: pages shared with the other processes (the forked workers
    share the fork server's) counted once over all of them, not once per process as in RSS."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as file:
            for line in file:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeSampler(threading.Thread):
    """Peak RSS of a process and all its descendants, and each one's last CPU time."""

    def __init__(self, pid: int, interval: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_kb = 0
        self.peak_pss_kb = 0
        self.peak_main_kb = 0
        self.cpu: dict[int, float] = {}
        # (wall clock, the main process's CPU seconds, all other processes' CPU seconds), to
        # tell the CPU spent between the crawl's first request and its end from start-up's.
        self.timeline: list[tuple[float, float, float]] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            total = pss = 0
            stack = [self.pid]
            while stack:
                pid = stack.pop()
                sample = _rss_and_cpu(pid)
                if sample is None:
                    continue
                total += sample[0]
                pss += _pss_kb(pid)
                self.cpu[pid] = sample[1]
                if pid == self.pid:
                    self.peak_main_kb = max(self.peak_main_kb, sample[0])
                stack += _children(pid)
            self.peak_kb = max(self.peak_kb, total)
            self.peak_pss_kb = max(self.peak_pss_kb, pss)
            main_cpu = self.cpu.get(self.pid, 0.0)
            self.timeline.append((time.time(), main_cpu, sum(self.cpu.values()) - main_cpu))
            self.done.wait(self.interval)


def tree_cpu_at(sampler: TreeSampler, moment: float) -> tuple[float, float]:
    """CPU seconds of (the main process, all the others) at a wall-clock time, from the timeline."""
    before = [sample for sample in sampler.timeline if sample[0] <= moment]
    sample = before[-1] if before else sampler.timeline[0]
    return sample[1], sample[2]


def watched(command: list[str], env: dict[str, str], log: Path) -> tuple[int, float, float, TreeSampler]:
    """Run a command with its process tree sampled: (exit code, start, end (time.time()), sampler)."""
    with open(log, "w") as out:
        started = time.time()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        sampler = TreeSampler(process.pid)
        sampler.start()
        code = process.wait()
        ended = time.time()
    sampler.done.set()
    sampler.join()
    return code, started, ended, sampler


def crawl(db_path: Path, feeds_file: Path, log: Path, settings: list[str], server: Server) -> dict:
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "settings.demo", "WIRECRAWL_DB": str(db_path)}
    env.pop("WIRECRAWL_LOG", None)
    command = [str(Path(sys.executable).with_name("scrapy")), "crawl", "feeds", "-a", f"feeds={feeds_file}"]
    for setting in settings:
        command += ["-s", setting]
    server.reset()
    code, started, ended, sampler = watched(command, env, log)
    served = server.counts()
    with sqlite3.connect(db_path) as conn:
        stats_json, run_id = conn.execute("SELECT stats, id FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
        stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        new = conn.execute("SELECT count(*) FROM articles WHERE run_id = ?", [run_id]).fetchone()[0]
        # Why the pages not stored were dropped (each has its errors row).
        dropped = conn.execute("SELECT stage, reason, count(*) FROM errors GROUP BY 1, 2 ORDER BY 3 DESC").fetchall()
    conn.close()
    stats = json.loads(stats_json)
    wall = ended - started
    first = served["first_request"] or ended
    # The close: from the last page served (its extraction and storing are a page's work) to exit.
    last = served["last_article"] or first
    main_total = sampler.cpu.get(sampler.pid, 0.0)
    others_total = sum(cpu for pid, cpu in sampler.cpu.items() if pid != sampler.pid)
    main_first, others_first = tree_cpu_at(sampler, first)
    main_last, others_last = tree_cpu_at(sampler, last)
    return {
        "code": code,
        "wall": wall,
        "elapsed": float(stats.get("elapsed_time_seconds", 0.0)),
        "stored": stored,
        "new": new,
        "served": int(served["articles"]),
        "rate": new / wall if wall else 0.0,
        "to_first": first - started,
        "close": ended - last,
        "peak_mb": sampler.peak_kb / 1024,
        "peak_main_mb": sampler.peak_main_kb / 1024,
        "peak_pss_mb": sampler.peak_pss_kb / 1024,
        "cpu_total": main_total + others_total,
        "cpu_startup": main_first + others_first,
        "cpu_main": main_last - main_first,
        "cpu_workers": others_last - others_first,
        "cpu_close": (main_total - main_last) + (others_total - others_last),
        "extract_cpu": float(stats.get("wirecrawl/extract/cpu_seconds", 0.0)),
        "dedup_cpu": float(stats.get("wirecrawl/dedup/cpu_seconds", 0.0)),
        "templated": int(stats.get("wirecrawl/templates/hit", 0) or 0),
        "stall_ms": float(stats.get("wirecrawl/reactor/max_stall_ms", 0.0)),
        "stalls": int(stats.get("wirecrawl/reactor/stalls_over_100ms", 0)),
        "errors": int(stats.get("log_count/ERROR", 0)),
        "dropped": dropped,
        "log": log,
    }


def ms_per_page(seconds: float, pages: int) -> str:
    return f"{seconds * 1000 / pages:.1f} ms" if pages else "-"


def describe(label: str, run: dict) -> None:
    pages = run["new"]
    print(
        f"  {label}: {pages:,} new articles ({run['served']:,} pages served) in {run['wall']:.1f} s from start to exit"
        f" = {run['rate']:.1f} pages/s (Scrapy's elapsed {run['elapsed']:.1f} s; exit code {run['code']})"
    )
    print(
        f"      start to first request {run['to_first']:.2f} s; last page served to exit {run['close']:.2f} s;"
        f" peak RSS {run['peak_mb']:,.0f} MB (main process {run['peak_main_mb']:,.0f} MB; PSS {run['peak_pss_mb']:,.0f} MB);"
        f" longest reactor stall {run['stall_ms']:.0f} ms ({run['stalls']} over 100 ms)"
    )
    for stage, reason, count in run["dropped"]:
        print(f"      errors rows: {count:,} x {stage}: {reason}")
    print(
        f"      CPU {run['cpu_total']:.1f} s = {ms_per_page(run['cpu_total'], pages)}/page: extraction (workers)"
        f" {run['cpu_workers']:.1f} s = {ms_per_page(run['cpu_workers'], pages)}"
        f" (in extract_article {ms_per_page(run['extract_cpu'], pages)}), main process {run['cpu_main']:.1f} s ="
        f" {ms_per_page(run['cpu_main'], pages)} (dedup {ms_per_page(run['dedup_cpu'], pages)}), fixed: start-up"
        f" {run['cpu_startup']:.1f} s + close {run['cpu_close']:.1f} s; pages read by a site template: {run['templated']:,}"
    )


def trafilatura_cli(web: dict, bases: list[str], folder: Path, server: Server) -> dict:
    """(c): trafilatura's command line over the web's article URLs, from its start to its exit."""
    urls = folder / f"{web['name']}-urls.txt"
    urls.write_text("".join(f"{bases[n]}{path}\n" for n, site in enumerate(web["sites"]) for path, _, _ in site["articles"]))
    config = folder / "trafilatura.cfg"
    # No pause between two requests to one host (the default is 5 s), and loopback allowed.
    config.write_text("[DEFAULT]\nSLEEP_TIME = 0\nSSRF_PROTECTION = off\n")
    out = folder / f"{web['name']}-trafilatura"
    if out.exists():
        for old in out.iterdir():
            old.unlink()
    command = [str(Path(sys.executable).with_name("trafilatura")), "-i", str(urls), "-o", str(out), "--fast",
               "--parallel", "4", "--no-comments", "--config-file", str(config)]  # fmt: skip
    server.reset()
    code, started, ended, sampler = watched(command, dict(os.environ), folder / f"{web['name']}-trafilatura.log")
    served = server.counts()
    # Over 1,000 URLs the command line writes into numbered folders of 1,000 files.
    written = sum(1 for _ in out.rglob("*.txt")) if out.exists() else 0
    wall = ended - started
    return {
        "code": code,
        "wall": wall,
        "written": written,
        "served": int(served["articles"]),
        "rate": written / wall if wall else 0.0,
        "cpu": sum(sampler.cpu.values()),
        "peak_mb": sampler.peak_kb / 1024,
    }


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def run_web(web: dict, args: argparse.Namespace, cores: int, scratch: Path, folder: Path) -> list[tuple[str, bool]]:
    """Every figure of one web; the targets, as (line, met)."""
    jobs = web_jobs(web)
    name = web["name"]
    print(f"\n=== {name} web: {len(web['sites'])} sites, {len(jobs):,} article pages", flush=True)
    ceilings: list[dict] = []

    def measure_ceiling(when: str) -> None:
        print(f"\n(a) plain trafilatura.extract(html, include_comments=False), {cores} processes, {when}...", flush=True)
        result = ceiling(web, cores)
        ceilings.append(result)
        print(
            f"  {result['rate']:.1f} pages/s; {result['cpu'] * 1000 / result['pages']:.1f} ms of CPU a page;"
            f" {result['texts']:,} of {result['pages']:,} pages gave a text"
        )

    if not args.no_ceiling:
        measure_ceiling("before the crawl")
    state_file = scratch / f"{name}.pickle"
    state_file.write_bytes(pickle.dumps(web))
    server = Server(state_file)
    try:
        feeds_file = folder / f"{name}-feeds.txt"
        feeds_file.write_text("".join(f"{base}/feed.xml {site['title']}\n" for base, site in zip(server.bases, web["sites"])))
        print(f"\n(b) scrapy crawl feeds, settings.demo, into a fresh database...", flush=True)
        for stale in folder.glob(f"{name}.db*"):
            stale.unlink()
        first = crawl(folder / f"{name}.db", feeds_file, folder / f"{name}-crawl-1.log", list(args.set), server)
        describe("first crawl ", first)
        second = crawl(folder / f"{name}.db", feeds_file, folder / f"{name}-crawl-2.log", list(args.set), server)
        describe("second crawl", second)
        if not args.no_ceiling:
            measure_ceiling("again, right after the crawls")
        cli = None
        if not args.no_cli:
            print(f"\n(c) trafilatura -i URLS -o DIR --fast --parallel 4 --no-comments (SLEEP_TIME = 0)...", flush=True)
            cli = trafilatura_cli(web, server.bases, folder, server)
            print(
                f"  {cli['written']:,} texts written ({cli['served']:,} pages served) in {cli['wall']:.1f} s from start to exit"
                f" = {cli['rate']:.1f} pages/s; CPU {cli['cpu']:.1f} s; peak RSS {cli['peak_mb']:,.0f} MB; exit code {cli['code']}"
            )
    finally:
        server.stop()
    for run in (first, second):
        if run["code"] != 0:
            print(f"\n  crawl exited with {run['code']}; the end of its log ({run['log']}):")
            print("    " + "\n    ".join(Path(run["log"]).read_text().splitlines()[-30:]))

    print(f"\nSummary, {name} web ({len(jobs):,} pages, {len(web['sites'])} sites)")
    results: list[tuple[str, bool]] = []
    rate_a = sum(c["rate"] for c in ceilings) / len(ceilings) if ceilings else None
    if rate_a:
        each = " and ".join(f"{c['rate']:.1f}" for c in ceilings)
        print(f"  (a) plain trafilatura, {cores} processes {rate_a:6.1f} pages/s (mean of {each})")
    print(f"  (b) scrapy crawl feeds, start to exit {first['rate']:6.1f} pages/s ({first['new']:,} pages in {first['wall']:.1f} s)")
    if cli:
        print(f"  (c) trafilatura command line          {cli['rate']:6.1f} pages/s ({cli['written']:,} pages in {cli['wall']:.1f} s)")
    target_a = TARGETS[f"{name}_b_a"]
    if rate_a:
        ratio = first["rate"] / rate_a
        results.append((f"{name}: b/a {ratio:.2f}, target >= {target_a}", ratio >= target_a))
        print(f"  b/a                                   {ratio:6.2f}   target >= {target_a}: {verdict(ratio >= target_a)}")
    if cli and cli["rate"]:
        ratio_c = first["rate"] / cli["rate"]
        target_c = TARGETS.get(f"{name}_b_c")
        if target_c:
            results.append((f"{name}: b/c {ratio_c:.2f}, target >= {target_c}", ratio_c >= target_c))
            print(f"  b/c                                   {ratio_c:6.2f}   target >= {target_c}: {verdict(ratio_c >= target_c)}")
        else:
            print(f"  b/c                                   {ratio_c:6.2f}   (no target on this web)")
    to_first = max(first["to_first"], second["to_first"])
    rss = first["peak_mb"]
    stall = max(first["stall_ms"], second["stall_ms"])
    stored_ok = first["stored"] == len(jobs) == first["served"] and first["code"] == 0
    share = second["wall"] / first["wall"]
    second_ok = second["new"] == 0 and share < TARGETS["second_share"] and second["code"] == 0
    checks = [
        (f"start to first request {to_first:.2f} s", f"<= {TARGETS['first_request_s']} s", to_first <= TARGETS["first_request_s"]),
        (f"peak RSS, all processes {rss:,.0f} MB (PSS {first['peak_pss_mb']:,.0f} MB)", f"<= {TARGETS['rss_mb']} MB", rss <= TARGETS["rss_mb"]),
        (f"longest reactor stall {stall:.0f} ms", f"<= {TARGETS['stall_ms']} ms", stall <= TARGETS["stall_ms"]),
        (f"stored / listed / served {first['stored']:,} / {len(jobs):,} / {first['served']:,}", "equal", stored_ok),
        (
            f"second crawl {second['new']} new in {second['wall']:.2f} s = {share:.1%} of {first['wall']:.1f} s"
            f" (Scrapy's elapsed {second['elapsed']:.2f} s vs {first['elapsed']:.1f} s)",
            "0 new, < 5%",
            second_ok,
        ),
    ]
    for line, target, ok in checks:
        print(f"  {line}   target {target}: {verdict(ok)}")
        results.append((f"{name}: {line}, target {target}", ok))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000, help="cold web: at least this many article pages (default 2,000)")
    parser.add_argument("--feeds", type=int, default=20, help="cold web: feeds, one site each (default 20)")
    parser.add_argument("--webs", default="cold,warm", help="which webs, comma-separated (default cold,warm)")
    parser.add_argument("--no-cli", action="store_true", help="skip trafilatura's command line")
    parser.add_argument("--no-ceiling", action="store_true", help="skip plain trafilatura's pool")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="KEY=VALUE", help="a setting for every crawl")
    parser.add_argument("--keep", type=Path, help="keep the databases, logs and outputs in this folder")
    parser.add_argument("--generated", action="store_true", help="cold web: generated pages even if the corpus is there")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve_main(args.serve)
        return 0
    webs = [name.strip() for name in args.webs.split(",") if name.strip()]
    unknown = set(webs) - {"cold", "warm"}
    if unknown:
        parser.error(f"--webs takes cold and/or warm, not {', '.join(sorted(unknown))}")

    cores = os.cpu_count() or 1
    print(f"Load average {os.getloadavg()[0]:.2f} on {cores} cores")
    # Every web is built before the first crawl: the pools fork while the bench has no threads.
    built: list[dict] = []
    if "cold" in webs:
        if (CORPUS / "index.jsonl").exists() and not args.generated:
            base = corpus_pages()
            print(f"Cold web: {len(base)} real pages of 100-300 KB from {CORPUS} (not copied), each served under several URLs")
        else:
            base = generated_pages()
            print(f"Cold web: no corpus at {CORPUS}; {len(base)} generated news-like pages, each served under several URLs")
        pages, anchors = select_pages(base, cores)
        if not pages:
            print("error: no page gave an article text to build on", file=sys.stderr)
            return 2
        web = cold_web(pages, anchors, args.pages, args.feeds)
        jobs = web_jobs(web)
        print(
            f"  {len(pages)} pages with an article of {KEEP_MIN_WORDS}+ words x {math.ceil(args.pages / len(pages))} copies"
            f" = {len(jobs):,} article pages ({sum(len(pages[p]) for p, _ in jobs) / 2**20:,.0f} MB), {args.feeds} RSS feeds"
        )
        built.append(web)
    if "warm" in webs:
        if (SITES / "index.jsonl").exists():
            corpus = sites_corpus()
            keep = select_warm(corpus, cores)
            web = warm_web(corpus, keep)
            print(
                f"Warm web: {len(corpus):,} real pages of {len({site for site, _ in corpus})} sites from {SITES} (not copied);"
                f" {len(web['pages']):,} with an article of {KEEP_MIN_WORDS}+ words, {len(web['sites'])} sites on hosts"
                f" 127.0.0.2-{web['sites'][-1]['host']}, each site's pages in the corpus's order"
            )
            built.append(web)
        else:
            print(f"Warm web: no corpus at {SITES}; skipped")

    results: list[tuple[str, bool]] = []
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for web in built:
            results += run_web(web, args, cores, Path(scratch), folder)

    print("\nTargets")
    for line, ok in results:
        print(f"  {verdict(ok):8} {line}")
    print(f"Load average now {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
