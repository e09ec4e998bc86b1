"""``python -m crawler``: the crawl's own extraction and dedup code, outside a crawl.

    python -m crawler extract PAGE.html [--url URL]
    python -m crawler extract [--db FILE] -                 (JSON lines {"path", "url"} on standard input)
    python -m crawler dedup ARTICLES.jsonl [--db FILE]      (or - for standard input)
    python -m crawler summary [--db FILE]
    python -m crawler reclean [--site SITE] [--db FILE]
    python -m crawler relink [--db FILE]

Exit codes: 0 done, 1 the input had no result (no article on the page), 2 bad usage or
unreadable input (missing file, bad JSON).
"""

from __future__ import annotations

import argparse
import configparser
import importlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from pipelines.article.extraction import (
    ExtractionError,
    TemplateOptions,
    extract_article,
    load_language_model_in_background,
    word_count,
)
from pipelines.dedup import ClusterAssigner, cluster_text, dedup_index_from_settings
from pipelines.article.signature import Signature, remove_lines
from pipelines.article.templates import SiteModel
from pipelines.stories import StoryLinker
from storage import NewsDatabase, article_id_for, site_of
from storage.queries import summary

COMMIT_EVERY = 1000


class UsageProblem(Exception):
    """Bad input; the message says what to fix. Exit code 2."""


class ProjectSettings:
    """The project's settings module, read as ``scrapy crawl`` picks it (``SCRAPY_SETTINGS_MODULE``,
    else ``scrapy.cfg``'s default), without importing Scrapy: a fifth of a second that every
    run of a command would pay before its first page. Only the project's own ``NEWS_*`` keys
    are asked for here, and ``settings/`` imports nothing but the standard library."""

    def __init__(self, module: Any):
        self.module = module

    @classmethod
    def load(cls) -> ProjectSettings:
        name = os.environ.get("SCRAPY_SETTINGS_MODULE")
        if not name:
            config = configparser.ConfigParser()
            config.read(Path(__file__).resolve().parent.parent / "scrapy.cfg")
            name = config.get("settings", "default", fallback="settings.base")
        return cls(importlib.import_module(name))

    def get(self, name: str, default: Any = None) -> Any:
        return getattr(self.module, name, default)

    def getint(self, name: str, default: int = 0) -> int:
        return int(self.get(name, default))

    def getfloat(self, name: str, default: float = 0.0) -> float:
        return float(self.get(name, default))


def _settings() -> ProjectSettings:
    # The same defaults the crawl uses, read from the settings module, never copied.
    return ProjectSettings.load()


def _extract_options(settings: Any) -> dict[str, Any]:
    return {
        "num_perm": settings.getint("NEWS_DEDUP_NUM_PERM"),
        "shingle_words": settings.getint("NEWS_DEDUP_SHINGLE_WORDS"),
    }


def _template_options(settings: Any) -> TemplateOptions:
    return TemplateOptions(
        min_pages=settings.getint("NEWS_TEMPLATE_MIN_PAGES"), check_every=settings.getint("NEWS_TEMPLATE_CHECK_EVERY")
    )


def _article_json(article: dict[str, Any], url: str | None) -> str:
    article.pop("minhash")
    article["url"] = url or article.get("canonical_url")
    return json.dumps(article, ensure_ascii=False)


def cmd_extract(args: argparse.Namespace, out: IO[str]) -> int:
    if args.page == "-":
        return _extract_batch(args, out)
    if args.db:
        raise UsageProblem("--db is for the batch form, python -m crawler extract --db FILE - (pages named on standard input)")
    path = Path(args.page)
    if not path.is_file():
        raise UsageProblem(f"{args.page}: no such file; give the path of a saved HTML page")
    try:
        article = extract_article(path.read_bytes(), url=args.url, **_extract_options(_settings()))
    except ExtractionError as error:
        print(f"{args.page}: {error}", file=sys.stderr)
        return 1
    out.write(_article_json(article, args.url) + "\n")
    return 0


def _extract_batch(args: argparse.Namespace, out: IO[str]) -> int:
    """Pages named on standard input, read with and teaching the site templates of ``--db`` as
    the crawl does (``ExtractPipeline``); with a file of its own (no crawled articles), also
    the sites' boilerplate lines, clustered through its dedup index as ``DedupPipeline`` does."""
    if args.url:
        raise UsageProblem("--url is for one page; in the batch form each JSON line gives its \"url\"")
    load_language_model_in_background()  # meanwhile: settings, the database, datasketch
    settings = _settings()
    options = _extract_options(settings)
    template_options = _template_options(settings)
    with tempfile.TemporaryDirectory(prefix="wirecrawl-extract-") as scratch:
        db = NewsDatabase.open(args.db or Path(scratch) / "templates.db")
        try:
            templates = db.site_templates()
            site_lines = db.site_lines(settings.getint("NEWS_BOILERPLATE_CLUSTERS"))
            # A crawl's database: its dedup index and lines belong to its articles; read only.
            learn_lines = not db.conn.execute("SELECT 1 FROM articles LIMIT 1").fetchone()
            assigner = ClusterAssigner.from_settings(dedup_index_from_settings(db, settings), settings)
            for number, row in enumerate(_read_pages(sys.stdin), start=1):
                url = row.get("url") or None
                site = site_of(url) if url else ""
                model = SiteModel.from_json(templates.get(site))
                db.begin()
                try:
                    article = extract_article(
                        Path(row["path"]).read_bytes(),
                        url=url,
                        site_boilerplate=site_lines.known(site),
                        site_templates=model.templates,
                        template_options=template_options,
                        **options,
                    )
                except (ExtractionError, OSError) as error:
                    out.write(json.dumps({"url": url, "path": row["path"], "error": str(error)}, ensure_ascii=False) + "\n")
                    out.flush()
                    continue
                report = article["template"]
                model.apply(report)
                templates.put(site, model.templates)
                article["template"] = {"outcome": report["outcome"], "reason": report["reason"]}
                if learn_lines:
                    assignment = assigner.assign(
                        article_id_for(f"wirecrawl-extract:{number}:{url}"),
                        Signature.hashvalues_from_bytes(article["minhash"]),
                        article["shingles"],
                        article["text_hash"],
                        article["published"],
                    )
                    site_lines.observe(site, article["line_keys"], assignment.cluster_id)
                db.commit()
                out.write(_article_json(article, url) + "\n")
                out.flush()
            db.commit()
        finally:
            db.close()
    return 0


def _read_pages(stream: IO[str]) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise UsageProblem(f"standard input, line {number}: not JSON ({error.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("path"), str):
            raise UsageProblem(f"standard input, line {number}: each line needs a \"path\" (and a \"url\")")
        yield row


def _read_jsonl(stream: IO[str], source: str) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise UsageProblem(f"{source}, line {number}: not JSON ({error.msg})") from None
        if not isinstance(row, dict) or "id" not in row or not isinstance(row.get("text"), str):
            raise UsageProblem(f"{source}, line {number}: each line needs an \"id\" and a \"text\" string")
        yield row


def cmd_dedup(args: argparse.Namespace, out: IO[str]) -> int:
    from_stdin = args.articles == "-"
    if not from_stdin and not Path(args.articles).is_file():
        raise UsageProblem(f"{args.articles}: no such file; give a JSON-lines file or - for standard input")
    settings = _settings()
    num_perm = settings.getint("NEWS_DEDUP_NUM_PERM")
    shingle_words = settings.getint("NEWS_DEDUP_SHINGLE_WORDS")
    with tempfile.TemporaryDirectory(prefix="wirecrawl-dedup-") as scratch:
        db = NewsDatabase.open(args.db or Path(scratch) / "index.db")
        try:
            if db.conn.execute("SELECT count(*) FROM articles").fetchone()[0]:
                # Its index rows would have no article behind them and could mislead the next crawl.
                raise UsageProblem(
                    f"{args.db} holds crawled articles; give python -m crawler dedup --db an index file of its own"
                )
            assigner = ClusterAssigner.from_settings(dedup_index_from_settings(db, settings), settings)
            site_lines = db.site_lines(settings.getint("NEWS_BOILERPLATE_CLUSTERS"))
            linker = StoryLinker.from_settings(db.conn, settings)
            stream = sys.stdin if from_stdin else open(args.articles, encoding="utf-8")
            source = "standard input" if from_stdin else args.articles
            # Printed at the end: a later version can join an earlier row's story to another.
            answers: list[tuple[Any, int, int]] = []
            moved: dict[int, int] = {}
            try:
                for count, row in enumerate(_read_jsonl(stream, source), start=1):
                    db.begin()
                    article_id = article_id_for(f"wirecrawl-dedup:{row['id']}")
                    assignment = cluster_text(
                        assigner,
                        site_lines,
                        article_id,
                        row.get("site") or (site_of(row["url"]) if row.get("url") else ""),
                        row["text"],
                        row.get("published"),
                        num_perm,
                        shingle_words,
                    )
                    story = linker.story_for(
                        assignment.cluster_id,
                        assignment.matched_article_id is None,
                        row.get("title"),
                        row["text"],
                        row.get("language"),
                        row.get("published"),
                    )
                    for absorbed in story.absorbed:
                        db.absorb_story(absorbed, story.story_id)
                        moved[absorbed] = story.story_id
                    answers.append((row["id"], assignment.cluster_id, story.story_id))
                    if count % COMMIT_EVERY == 0:
                        db.commit()
            finally:
                if not from_stdin:
                    stream.close()
            db.commit()
            for article, cluster, story_id in answers:
                out.write(json.dumps({"id": article, "cluster": cluster, "story": moved.get(story_id, story_id)}) + "\n")
        finally:
            db.close()
    return 0


def _open_existing(db_argument: str | None) -> NewsDatabase:
    """The database of ``--db``, or of the NEWS_DB_PATH setting; it must exist already."""
    path = db_argument or _settings().get("NEWS_DB_PATH")
    if not Path(path).is_file():
        raise UsageProblem(f"{path}: no such database; run a crawl first (make demo, or scrapy crawl feeds)")
    return NewsDatabase.open(path)


def cmd_summary(args: argparse.Namespace, out: IO[str]) -> int:
    db = _open_existing(args.db)
    try:
        out.write(summary(db.conn))
    finally:
        db.close()
    return 0


def cmd_reclean(args: argparse.Namespace, out: IO[str]) -> int:
    """Remove from stored articles the lines their site's model has learned since they were stored."""
    db = _open_existing(args.db)
    try:
        site_lines = db.site_lines(_settings().getint("NEWS_BOILERPLATE_CLUSTERS"))
        sites = [args.site] if args.site else db.sites()
        for site in sites:
            known = site_lines.known(site)
            changed = 0
            for article_id, text in list(db.site_texts(site)):
                cleaned = remove_lines(text, known).strip()
                if cleaned and cleaned != text:
                    db.replace_text(article_id, cleaned, word_count(cleaned))
                    changed += 1
            db.commit()
            out.write(f"{site}: {changed} articles cleaned of {len(known)} known boilerplate lines\n")
    finally:
        db.close()
    return 0


def cmd_relink(args: argparse.Namespace, out: IO[str]) -> int:
    """Link the stored clusters that have no story evidence yet (stored before stories)."""
    db = _open_existing(args.db)
    try:
        read, linked = StoryLinker.from_settings(db.conn, _settings()).relink(db)
        stories = db.conn.execute("SELECT count(*) FROM stories").fetchone()[0]
        out.write(f"relink: {read} clusters read, {linked} linked to a story in another language; {stories} stories\n")
    finally:
        db.close()
    return 0


def cmd_ingest(args: argparse.Namespace, out: IO[str]) -> int:
    """The writer of a distributed crawl: articles from the Redis stream into the database."""
    import signal

    import redis

    from crawler import exitcodes
    from crawler.runlock import RunLock, RunLocked, lock_path_for
    from pipelines.ingest import Writer
    from storage import shared

    settings = _settings()
    url = args.redis or settings.get("NEWS_REDIS_URL")
    if not url:
        raise UsageProblem("no Redis to read from: set NEWS_REDIS_URL (or give --redis redis://host:6379/0)")
    db_path = args.db or settings.get("NEWS_DB_PATH")
    lock = RunLock(lock_path_for(db_path))
    try:
        lock.acquire()
    except RunLocked as error:
        print(f"error: {error}; not starting (exit code {exitcodes.LOCKED})", file=sys.stderr)
        return exitcodes.LOCKED
    stopping: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda number, frame: stopping.append(number))
    try:
        try:
            client = shared.connect(url)
        except shared.RedisUnavailable as error:
            print(f"error: {error} (exit code {exitcodes.REDIS})", file=sys.stderr)
            return exitcodes.REDIS
        db = NewsDatabase.open(db_path)
        try:
            if args.batch_size is not None and args.batch_size < 1:
                raise UsageProblem("--batch-size takes a number of articles, at least 1")
            keys = shared.Keys(settings.get("NEWS_REDIS_PREFIX"))
            writer = Writer(db, client, keys, settings, batch_size=args.batch_size)
            started = time.perf_counter()
            try:
                counts = writer.run(until_empty=not args.follow, stop=lambda: bool(stopping))
            except (redis.RedisError, OSError) as error:
                db.rollback()
                print(
                    f"error: {shared.unavailable_message(url, error)}; the batch not yet committed stays in the"
                    f" stream and is stored by the next run (exit code {exitcodes.REDIS})",
                    file=sys.stderr,
                )
                return exitcodes.REDIS
            seconds = time.perf_counter() - started
        finally:
            db.close()
    finally:
        signal.signal(signal.SIGTERM, previous)
        lock.release()
    out.write(
        f"ingest: {counts.read} messages read, {counts.stored} articles stored, {counts.known} already stored,"
        f" {counts.batches} batches in {seconds:.1f} s\n"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m crawler", description="wirecrawl's extraction and dedup, outside a crawl.")
    commands = parser.add_subparsers(dest="command", required=True)

    extract = commands.add_parser("extract", help="print one page's extracted article as JSON")
    extract.add_argument("page", help="a saved HTML page, or - for JSON lines {\"path\", \"url\"} on standard input")
    extract.add_argument("--url", help="the page's URL (helps resolve links and metadata)")
    extract.add_argument("--db", help="with -: use and update the site templates of this database (default: a temporary one)")
    extract.set_defaults(handler=cmd_extract)

    dedup = commands.add_parser(
        "dedup", help="assign wire-copy clusters and stories to JSON lines {id, text, title, language, published, ...}"
    )
    dedup.add_argument("articles", help="a JSON-lines file, or - for standard input")
    dedup.add_argument("--db", help="use and add to the dedup index of this database (default: a temporary index)")
    dedup.set_defaults(handler=cmd_dedup)

    summary_parser = commands.add_parser("summary", help="print what a database holds: articles, clusters, sources")
    summary_parser.add_argument("--db", help="the database (default: the NEWS_DB_PATH setting)")
    summary_parser.set_defaults(handler=cmd_summary)
    relink = commands.add_parser(
        "relink", help="link the stored clusters stored before stories (or not yet linked) to stories in other languages"
    )
    relink.add_argument("--db", help="the database (default: the NEWS_DB_PATH setting)")
    relink.set_defaults(handler=cmd_relink)
    reclean = commands.add_parser(
        "reclean", help="remove from stored articles the boilerplate lines their site's model learned since"
    )
    reclean.add_argument("--site", help="only this site (as in articles.site), default every site")
    reclean.add_argument("--db", help="the database (default: the NEWS_DB_PATH setting)")
    reclean.set_defaults(handler=cmd_reclean)

    ingest = commands.add_parser(
        "ingest", help="the writer of a distributed crawl: store the workers' articles from Redis (exit codes: README)"
    )
    ingest.add_argument("--db", help="the database (default: the NEWS_DB_PATH setting)")
    ingest.add_argument("--redis", help="the Redis URL (default: the NEWS_REDIS_URL setting)")
    ingest.add_argument("--batch-size", type=int, help="articles per transaction (default: NEWS_STORE_BATCH_SIZE)")
    ingest.add_argument("--follow", action="store_true", help="keep running, waiting for articles (default: stop when none are left)")
    ingest.set_defaults(handler=cmd_ingest)
    return parser


def main(argv: Sequence[str] | None = None, out: IO[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args, out or sys.stdout)
    except UsageProblem as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader (head, a closed pager) has all it wants
        sys.stderr.close()
        return 0
