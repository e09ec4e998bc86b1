"""Score wirecrawl's article extraction against plain trafilatura on the shared corpus.

``make eval-extract`` runs this. Both extractors go through ``../shared/tools/eval_extract.py``
in the same run, on ``../shared/corpus/extraction`` (real news pages with reference bodies,
resolved from this file's location, never copied into the project): plain
``trafilatura.extract(include_comments=False)`` and ``extract_article(...)["text"]``. The tool
prints each system's report (overall, per language, worst pages); this script then prints
the two side by side, per language, and what the cleaning rules cost per page, and then the
metadata report of ``scripts/eval_metadata.py`` (title, authors, dates, language, tags, site
name against the corpus's reference fields; ``--no-metadata`` skips it).

When the corpus or the tool is absent (a fresh clone without ``../shared``), it says so and
exits 0, so ``make eval-extract`` never fails a build for a missing corpus.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "extraction"
TOOL = SHARED / "tools" / "eval_extract.py"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def wirecrawl_text(html: str, url: str | None = None) -> str:
    """The project's extraction as the scoring tool calls it: f(html, url) -> text."""
    from pipelines.article.extraction import ExtractionError, extract_article

    try:
        return extract_article(html, url=url)["text"]
    except ExtractionError:
        return ""


def _run_tool(label: str, extractor: str, kwargs: str, save: Path, args: argparse.Namespace) -> dict:
    command = [
        sys.executable, str(TOOL), "--data", str(CORPUS), "--extractor", extractor, "--kwargs", kwargs,
        "--label", label, "--jobs", str(args.jobs), "--worst", str(args.worst), "--save", str(save),
        "--bootstrap", str(args.bootstrap),
    ]
    if args.limit:
        command += ["--limit", str(args.limit)]
    if args.lang:
        command += ["--lang", args.lang]
    print(f"\n######## {label}", flush=True)
    subprocess.run(command, check=True, cwd=ROOT)
    summary = json.loads((save / "summary.json").read_text(encoding="utf-8"))
    summary["per_page"] = json.loads((save / "per_page.json").read_text(encoding="utf-8"))
    return summary


def _aggregate(rows: list[dict]) -> tuple[float, float, float]:
    precisions = [row["precision"] for row in rows if row["precision"] is not None]
    recalls = [row["recall"] for row in rows if row["recall"] is not None]
    p = statistics.mean(precisions) if precisions else 0.0
    r = statistics.mean(recalls) if recalls else 0.0
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def _cleaning_cost(limit: int) -> tuple[float, float]:
    """Median ms/page of trafilatura as extract_article calls it, and of the cleaning after it."""
    import gzip

    import trafilatura
    from trafilatura.xml import xmltotxt

    from pipelines.article.cleaning import clean_body

    lines = (CORPUS / "index.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()][: limit or None]
    extract_ms, clean_ms = [], []
    for row in rows:
        html = gzip.decompress((CORPUS / row["html"]).read_bytes()).decode("utf-8", "replace")
        start = time.perf_counter()
        document = trafilatura.bare_extraction(html, url=row.get("url"), include_comments=False, with_metadata=True)
        middle = time.perf_counter()
        if document is not None and document.body is not None:
            if clean_body(document.body, document.title, [document.author or ""], []):
                xmltotxt(document.body, False)
        end = time.perf_counter()
        extract_ms.append((middle - start) * 1000)
        clean_ms.append((end - middle) * 1000)
    return statistics.median(extract_ms), statistics.median(clean_ms)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--worst", type=int, default=15, help="list the N worst pages of each system")
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages")
    parser.add_argument("--lang", help="comma-separated languages to keep")
    parser.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples for the ± values")
    parser.add_argument("--no-timing", action="store_true", help="skip the in-process cleaning cost measure")
    parser.add_argument("--no-metadata", action="store_true", help="skip the metadata report (scripts/eval_metadata.py)")
    args = parser.parse_args(argv)

    if not (CORPUS / "index.jsonl").exists() or not TOOL.exists():
        print(f"eval-extract: skipped, no corpus at {CORPUS} or no scorer at {TOOL}.")
        print("The corpus lives outside the repository (../shared); nothing was scored.")
        return 0

    with tempfile.TemporaryDirectory(prefix="wirecrawl_eval_") as tmp:
        plain = _run_tool("plain trafilatura.extract(include_comments=False)", "trafilatura:extract",
                          '{"include_comments": false}', Path(tmp) / "plain", args)
        ours = _run_tool("wirecrawl extract_article (trafilatura + cleaning)",
                         f"{Path(__file__).resolve()}:wirecrawl_text", "{}", Path(tmp) / "ours", args)

    print("\n######## comparison (same run, same pages)")
    print(f"  {'system':<12}{'F1':>8}{'P':>8}{'R':>8}{'ms/page':>10}")
    for name, result in (("trafilatura", plain), ("wirecrawl", ours)):
        print(f"  {name:<12}{result['f1']:>8.4f}{result['precision']:>8.4f}{result['recall']:>8.4f}"
              f"{result['median_ms'] or 0:>10.1f}")
    print(f"  {'delta':<12}{ours['f1'] - plain['f1']:>+8.4f}{ours['precision'] - plain['precision']:>+8.4f}"
          f"{ours['recall'] - plain['recall']:>+8.4f}")
    print("  (wirecrawl's ms/page includes metadata, date search, language id and MinHash signing)")

    groups: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(ours["per_page"]):
        groups[row["language"] or "unknown"].append(i)
    print("\nper language (F1 / P / R):")
    print(f"  {'lang':<6}{'n':>4}  {'trafilatura':<24}{'wirecrawl':<24}{'dF1':>7}")
    for lang, idx in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        a = _aggregate([plain["per_page"][i] for i in idx])
        b = _aggregate([ours["per_page"][i] for i in idx])
        print(f"  {lang:<6}{len(idx):>4}  {a[0]:.3f} {a[1]:.3f} {a[2]:.3f}     {b[0]:.3f} {b[1]:.3f} {b[2]:.3f}"
              f"     {b[0] - a[0]:>+7.3f}")

    changed = sorted(
        range(len(ours["per_page"])), key=lambda i: ours["per_page"][i]["f1"] - plain["per_page"][i]["f1"]
    )
    print(f"\n{min(args.worst, len(changed))} pages the cleaning hurt most (F1 trafilatura -> wirecrawl):")
    for i in changed[: args.worst]:
        before, after = plain["per_page"][i]["f1"], ours["per_page"][i]["f1"]
        if after >= before:
            break
        print(f"  {before:.3f} -> {after:.3f}  {ours['per_page'][i]['id']}")

    if not args.no_timing:
        extract_ms, clean_ms = _cleaning_cost(args.limit)
        print(f"\ncleaning cost: trafilatura.bare_extraction median {extract_ms:.1f} ms/page, "
              f"cleaning after it median {clean_ms:.2f} ms/page ({clean_ms / extract_ms:.1%})")
    if not args.no_metadata:
        from scripts.eval_metadata import evaluate, load_rows, report

        print("\n######## metadata: plain trafilatura.bare_extraction(with_metadata=True) vs extract_article")
        report(evaluate(load_rows(args.limit, args.lang), timing=not args.no_timing))
    print(f"\nF1 trafilatura {plain['f1']:.4f}  wirecrawl {ours['f1']:.4f}  delta {ours['f1'] - plain['f1']:+.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
