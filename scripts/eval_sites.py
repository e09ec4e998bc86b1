"""Score the site templates on the shared site corpus, beside plain trafilatura in the same run.

``make eval-sites`` runs this. ``../shared/tools/eval_sites.py`` shows the pages of
``../shared/corpus/sites`` (real pages of 61 sites, 10 to 84 each, never copied into the
project) interleaved across sites, each site in order, first to plain
``trafilatura.extract(include_comments=False)`` and then to ``python -m crawler extract --db
FILE -``, the batch command that learns and uses each site's templates as the crawl does, in a
fresh database. COLD is each site's first 10 pages, WARM the rest. The tool prints each
system's report; this script then prints the two side by side, per language, the template
outcomes, and the issue's targets met or not.

When the corpus or the tool is absent (a fresh clone without ``../shared``), it says so and
exits 0.
"""

from __future__ import annotations

import argparse
import collections
import json
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "sites"
TOOL = SHARED / "tools" / "eval_sites.py"


def _run(label: str, system: list[str], save: Path, args: argparse.Namespace) -> dict:
    command = [sys.executable, str(TOOL), "--data", str(CORPUS), *system, "--save", str(save), "--worst", str(args.worst)]
    for flag in ("sites", "lang", "limit"):
        if getattr(args, flag):
            command += [f"--{flag}", str(getattr(args, flag))]
    print(f"\n######## {label}", flush=True)
    subprocess.run(command, check=True, cwd=ROOT)
    summary = json.loads((save / "summary.json").read_text(encoding="utf-8"))
    summary["per_page"] = json.loads((save / "per_page.json").read_text(encoding="utf-8"))
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", help="comma-separated sites only")
    parser.add_argument("--lang", help="one language only")
    parser.add_argument("--limit", type=int, help="the first N pages only")
    parser.add_argument("--worst", type=int, default=10, help="list the N weakest pages of each system")
    parser.add_argument("--no-plain", action="store_true", help="skip plain trafilatura")
    args = parser.parse_args()
    if not (CORPUS / "index.jsonl").is_file() or not TOOL.is_file():
        print(f"eval-sites: {CORPUS} or {TOOL} not found (the shared evaluation data sits beside the checkout); skipped")
        return 0
    with tempfile.TemporaryDirectory(prefix="wirecrawl-eval-sites-") as scratch:
        scratch_path = Path(scratch)
        results = {}
        if not args.no_plain:
            (scratch_path / "plain").mkdir()
            results["plain"] = _run("plain trafilatura", ["--extractor", "trafilatura"], scratch_path / "plain", args)
        (scratch_path / "wirecrawl").mkdir()
        db = scratch_path / "templates.db"
        batch = f"cd {shlex.quote(str(ROOT))} && exec {shlex.quote(sys.executable)} -m crawler extract --db {shlex.quote(str(db))} -"
        results["wirecrawl"] = _run("wirecrawl (site templates)", ["--command", batch], scratch_path / "wirecrawl", args)
        _report(results, db)
        _startup(scratch_path)
    return 0


def _startup(scratch: Path, runs: int = 5) -> None:
    """Seconds from starting the batch command to its first answer, on a short page (best of
    ``runs``): what a scorer or a script that calls it per batch waits before any work."""
    import time

    page = scratch / "startup.html"
    page.write_text("<html lang='en'><body><article>" + "<p>A short page for the start-up test, with words"
                    " enough to be kept as an article of its own by the extraction.</p>" * 8
                    + "</article></body></html>", encoding="utf-8")
    line = json.dumps({"path": str(page), "url": "https://startup.example/a"}) + "\n"
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "crawler", "extract", "-"], input=line, text=True, cwd=ROOT,
                       capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    print(f"batch command start-up to its first answer: best {min(times):.2f} s, median "
          f"{sorted(times)[len(times) // 2]:.2f} s of {runs} runs (target 1.0 s)")


def _group(summary: dict, name: str) -> dict:
    return summary.get("groups", summary).get(name, {})


def _report(results: dict, db: Path) -> None:
    import sqlite3

    print("\n######## side by side (F1; CPU ms per page)")
    for label, summary in results.items():
        print(f"  {label:<12} {json.dumps({k: summary[k] for k in summary if k != 'per_page'})[:600]}")
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT site, pages, hits FROM site_templates ORDER BY site").fetchall()
    templated = sum(1 for _site, _pages, hits in rows if hits)
    print(f"\nsites with a template that read pages: {templated} of {len(rows)}; pages read by a template: "
          f"{sum(hits for *_, hits in rows)}")
    conn.close()


if __name__ == "__main__":
    sys.exit(main())
