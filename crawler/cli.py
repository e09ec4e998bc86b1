"""``python -m crawler``: the crawl's own extraction and dedup code, outside a crawl.

    python -m crawler extract PAGE.html [--url URL]
    python -m crawler dedup ARTICLES.jsonl [--db FILE]      (or - for standard input)
    python -m crawler summary [--db FILE]
    python -m crawler reclean [--site SITE] [--db FILE]
    python -m crawler relink [--db FILE]

Exit codes: 0 done, 1 the input had no result (no article on the page), 2 bad usage or
unreadable input (missing file, bad JSON).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from pipelines.dedup import ClusterAssigner, cluster_text, dedup_index_from_settings
from pipelines.stories import StoryLinker
from pipelines.article.extraction import ExtractionError, extract_article, word_count
from pipelines.article.signature import remove_lines
from storage import NewsDatabase, article_id_for, site_of
from storage.queries import summary

COMMIT_EVERY = 1000


class UsageProblem(Exception):
    """Bad input; the message says what to fix. Exit code 2."""


def _settings() -> Any:
    # The same defaults the crawl uses, read from the settings module, never copied.
    from scrapy.utils.project import get_project_settings

    return get_project_settings()


def cmd_extract(args: argparse.Namespace, out: IO[str]) -> int:
    path = Path(args.page)
    if not path.is_file():
        raise UsageProblem(f"{args.page}: no such file; give the path of a saved HTML page")
    settings = _settings()
    try:
        article = extract_article(
            path.read_bytes(),
            url=args.url,
            num_perm=settings.getint("NEWS_DEDUP_NUM_PERM"),
            shingle_words=settings.getint("NEWS_DEDUP_SHINGLE_WORDS"),
        )
    except ExtractionError as error:
        print(f"{args.page}: {error}", file=sys.stderr)
        return 1
    article.pop("minhash")
    article["url"] = args.url or article.get("canonical_url")
    json.dump(article, out, ensure_ascii=False)
    out.write("\n")
    return 0


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
                    out.write(json.dumps({"id": row["id"], "cluster": assignment.cluster_id, "story": story.story_id}) + "\n")
                    if count % COMMIT_EVERY == 0:
                        db.commit()
            finally:
                if not from_stdin:
                    stream.close()
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m crawler", description="wirecrawl's extraction and dedup, outside a crawl.")
    commands = parser.add_subparsers(dest="command", required=True)

    extract = commands.add_parser("extract", help="print one page's extracted article as JSON")
    extract.add_argument("page", help="a saved HTML page")
    extract.add_argument("--url", help="the page's URL (helps resolve links and metadata)")
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
