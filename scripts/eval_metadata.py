"""Score wirecrawl's article metadata against plain trafilatura on the shared corpus.

``make eval-extract`` runs this after the text scores (``scripts/eval_extract.py`` calls
``main``); it also runs alone: ``.venv/bin/python scripts/eval_metadata.py [--limit N] [--lang de,en]``.
Every page of ``../shared/corpus/extraction`` goes through plain
``trafilatura.bare_extraction(with_metadata=True)`` and through ``extract_article``, in this
process, one page at a time, and each field is compared with the page's reference values
(``index.jsonl``):

- title: equal after Unicode (NFKC), whitespace, quote and dash normalization;
- authors: equal as sets of names, case-insensitive, without "By"/"Par"/"Von"... prefixes
  (a page whose reference names nobody matches when no author is given);
- published (day): the same calendar day, in the reference's time zone when both carry one;
- published (time): on pages whose reference has a time of day (not a bare midnight), within
  5 minutes of it (a date without a time never matches);
- language: equal ISO 639-1 code (plain trafilatura detects no language: always empty);
- tags: the reference's topics, as a case-insensitive set: share of equal sets and mean
  Jaccard similarity (pages whose reference has topics);
- site name: the reference's publisher name, case-insensitive, equal or one inside the other;
- modified: no reference value; the share of pages where a modification date was given.

It also measures the CPU time per page of plain ``trafilatura.extract(include_comments=False)``
(the text baseline) and of ``extract_article`` (everything a worker does: decoding, extraction,
metadata, cleaning, language, MinHash), the issue's extraction-cost ratio.

Exits 0 with a message when the corpus is absent.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "extraction"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FIELDS = ("title", "authors", "published_day", "published_time", "language", "tags", "tags_jaccard",
          "site_name", "modified")
_QUOTES = str.maketrans({c: '"' for c in "“”„‟«»‹›〝〞＂‘’‚‛'`´"})
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−"})
_BYLINE = re.compile(
    r"^(?:by|par|von|por|di|da|de|door|av|af|from|written by|texte?|text von|autor(?:in)?|author|"
    r"bericht|reportage|بقلم|كتب|كتبت)\s*:?\s+", re.I
)


def norm_title(value: str | None) -> str:
    text = unicodedata.normalize("NFKC", value or "").translate(_QUOTES).translate(_DASHES)
    return " ".join(text.split())


def norm_author(value: str) -> str:
    name = " ".join(unicodedata.normalize("NFKC", value).split())
    name = _BYLINE.sub("", name)
    return name.casefold().strip(" ,;:.|-")


def author_set(values) -> frozenset[str]:
    return frozenset(a for a in (norm_author(v) for v in values or ()) if a)


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def _has_time(value: str | None) -> bool:
    """A time of day is given: a reference at exactly midnight without an offset is a bare date."""
    parsed = _parse(value) if value and "T" in value else None
    return parsed is not None and (parsed.tzinfo is not None or parsed.time() != datetime.min.time())


def same_day(ours: str | None, reference: str | None) -> bool:
    a, b = _parse(ours), _parse(reference)
    if a is None or b is None:
        return False
    if _has_time(ours) and a.tzinfo and b.tzinfo:
        a = a.astimezone(b.tzinfo)
    return a.date() == b.date()


def same_time(ours: str | None, reference: str | None, minutes: int = 5) -> bool:
    if not _has_time(ours):
        return False
    a, b = _parse(ours), _parse(reference)
    if (a.tzinfo is None) != (b.tzinfo is None):  # one side has no offset: compare wall clocks
        a, b = a.replace(tzinfo=None), b.replace(tzinfo=None)
    return abs(a - b) <= timedelta(minutes=minutes)


def _label_set(values) -> frozenset[str]:
    return frozenset(" ".join(v.split()).casefold() for v in values or () if v and v.strip())


def _site(value: str | None) -> str:
    text = " ".join((value or "").casefold().split())
    return text.removeprefix("the ").strip()


def site_match(ours: str | None, reference: str | None) -> bool:
    a, b = _site(ours), _site(reference)
    return bool(a and b) and (a == b or a in b or b in a)


def score_page(values: dict, ref: dict) -> dict[str, float | None]:
    """Per-field 1.0/0.0 (or a Jaccard value), None where the field is not scored on this page."""
    out: dict[str, float | None] = dict.fromkeys(FIELDS)
    out["title"] = float(norm_title(values.get("title")) == norm_title(ref["title"]))
    out["authors"] = float(author_set(values.get("authors")) == author_set(ref.get("authors")))
    if ref.get("published"):
        out["published_day"] = float(same_day(values.get("published"), ref["published"]))
        if _has_time(ref["published"]):
            out["published_time"] = float(same_time(values.get("published"), ref["published"]))
    if ref.get("language"):
        out["language"] = float(values.get("language") == ref["language"])
    topics = _label_set(ref.get("topics"))
    if topics:
        ours = _label_set(values.get("tags"))
        out["tags"] = float(ours == topics)
        out["tags_jaccard"] = len(ours & topics) / len(ours | topics)
    if ref.get("publisher_name"):
        out["site_name"] = float(site_match(values.get("site_name"), ref["publisher_name"]))
    out["modified"] = float(bool(values.get("modified")))
    return out


def plain_values(html: str, url: str | None) -> dict:
    import trafilatura

    document = trafilatura.bare_extraction(html, url=url, include_comments=False, with_metadata=True)
    if document is None:
        return {}
    return {
        "title": document.title,
        "authors": [a.strip() for a in (document.author or "").split(";") if a.strip()],
        "published": document.date,
        "language": document.language,
        "tags": list(document.tags or []),
        "site_name": document.sitename,
        "modified": None,
    }


def wirecrawl_values(html: str, url: str | None) -> dict:
    from pipelines.article.extraction import ExtractionError, extract_article

    try:
        return extract_article(html, url=url)
    except ExtractionError:
        return {}


def load_rows(limit: int = 0, lang: str | None = None) -> list[dict]:
    rows = [json.loads(line) for line in (CORPUS / "index.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    if lang:
        keep = set(lang.split(","))
        rows = [row for row in rows if row.get("language") in keep]
    return rows[: limit or None]


def evaluate(rows: list[dict], timing: bool = True) -> dict:
    import trafilatura

    systems = {"trafilatura": plain_values, "wirecrawl": wirecrawl_values}
    scores: dict[str, list[dict]] = {name: [] for name in systems}
    values: dict[str, list[dict]] = {name: [] for name in systems}
    cpu: dict[str, list[float]] = {"trafilatura.extract": [], "extract_article": []}
    if rows and timing:
        # Load both sides' models and lazy imports before the clock runs (a crawl's workers do
        # this once at start; it is not a per-page cost).
        first = gzip.decompress((CORPUS / rows[0]["html"]).read_bytes()).decode("utf-8", "replace")
        for function in systems.values():
            function(first, rows[0].get("url"))
        trafilatura.extract(first, url=rows[0].get("url"), include_comments=False)
    for row in rows:
        html = gzip.decompress((CORPUS / row["html"]).read_bytes()).decode("utf-8", "replace")
        url = row.get("url")
        for name, function in systems.items():
            started = time.process_time()
            found = function(html, url)
            if name == "wirecrawl":
                cpu["extract_article"].append(time.process_time() - started)
            values[name].append(found)
            scores[name].append(score_page(found, row))
        if timing:
            started = time.process_time()
            trafilatura.extract(html, url=url, include_comments=False)
            cpu["trafilatura.extract"].append(time.process_time() - started)
    return {"rows": rows, "scores": scores, "values": values, "cpu": cpu}


def _rate(page_scores: list[dict], field: str) -> tuple[float | None, int]:
    found = [s[field] for s in page_scores if s[field] is not None]
    return (statistics.mean(found) if found else None, len(found))


def report(result: dict, worst: int = 0) -> None:
    scores = result["scores"]
    print("\nmetadata, share of pages matching the reference (n = pages scored):")
    print(f"  {'field':<16}{'n':>5}{'trafilatura':>13}{'wirecrawl':>11}{'delta':>9}")
    for field in FIELDS:
        a, n = _rate(scores["trafilatura"], field)
        b, _ = _rate(scores["wirecrawl"], field)
        if a is None or b is None:
            continue
        print(f"  {field:<16}{n:>5}{a:>13.3f}{b:>11.3f}{b - a:>+9.3f}")
    print("  (tags: the reference's topics as a set; tags_jaccard: their mean Jaccard similarity;"
          " modified: pages given a modification date, no reference)")
    if worst:
        for field in ("title", "authors", "published_day", "published_time"):
            misses = [i for i, s in enumerate(scores["wirecrawl"]) if s[field] == 0.0][:worst]
            if not misses:
                continue
            print(f"\n  wirecrawl {field} misses (first {len(misses)}): ours | reference")
            key = {"published_day": "published", "published_time": "published"}.get(field, field)
            for i in misses:
                row = result["rows"][i]
                print(f"    {row['id']}: {result['values']['wirecrawl'][i].get(key)!r} | {row.get(key)!r}")
    cpu = result["cpu"]
    if cpu["trafilatura.extract"]:
        plain = statistics.mean(cpu["trafilatura.extract"]) * 1000
        ours = statistics.mean(cpu["extract_article"]) * 1000
        print(f"\nCPU per page (mean, this process): trafilatura.extract {plain:.1f} ms, "
              f"extract_article {ours:.1f} ms ({ours / plain:.2f}x)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages")
    parser.add_argument("--lang", help="comma-separated languages to keep")
    parser.add_argument("--worst", type=int, default=0, help="list up to N of wirecrawl's misses per field")
    parser.add_argument("--no-timing", action="store_true", help="skip the CPU measure of trafilatura.extract")
    args = parser.parse_args(argv)
    if not (CORPUS / "index.jsonl").exists():
        print(f"eval-metadata: skipped, no corpus at {CORPUS}.")
        return 0
    print("\n######## metadata: plain trafilatura.bare_extraction(with_metadata=True) vs extract_article")
    report(evaluate(load_rows(args.limit, args.lang), timing=not args.no_timing), worst=args.worst)
    return 0


if __name__ == "__main__":
    sys.exit(main())
