"""Score wirecrawl's wire-copy clustering against plain MinHash LSH on the shared dev set.

``make eval-dedup`` runs this. Both clusterers go through ``../shared/tools/eval_dedup.py`` in
the same run, on ``../shared/corpus/wirecopies/dev.jsonl`` (labelled wire copies and hard
negatives, resolved from this file's location, never copied into the project):

- ``python -m crawler dedup -``: the project's command, the same code the crawl runs;
- ``baselines_dedup:minhash_t05``: datasketch MinHash LSH, threshold 0.5, word 5-grams.

Each report gives the adjusted Rand index, pairwise precision, recall and F1, hard-negative
pairs merged, and recall per kind of edit and per language. When the set or the tool is
absent (a fresh clone without ``../shared``), it says so and exits 0.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DEV_SET = SHARED / "corpus" / "wirecopies" / "dev.jsonl"
TOOLS = SHARED / "tools"

def run_tool(label: str, selector: list[str], data: Path, json_out: Path) -> dict:
    command = [sys.executable, str(TOOLS / "eval_dedup.py"), str(data), *selector, "--json-out", str(json_out)]
    print(f"\n######## {label}", flush=True)
    subprocess.run(command, check=True, cwd=ROOT)
    return json.loads(json_out.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEV_SET, help="a labelled JSONL (default: the shared dev set)")
    args = parser.parse_args(argv)
    if not args.data.is_file() or not (TOOLS / "eval_dedup.py").is_file():
        print(f"eval-dedup skipped: {args.data} or {TOOLS / 'eval_dedup.py'} is absent (they live in ../shared).")
        return 0
    project = f"{shlex.quote(sys.executable)} -m crawler dedup -"
    with tempfile.TemporaryDirectory(prefix="eval-dedup-") as scratch:
        ours = run_tool("wirecrawl: python -m crawler dedup", ["--command", project], args.data, Path(scratch) / "ours.json")
        baseline = run_tool(
            "baseline: datasketch MinHash LSH, threshold 0.5, word 5-grams",
            ["--clusterer", "baselines_dedup:minhash_t05", "--path", str(TOOLS)],
            args.data,
            Path(scratch) / "baseline.json",
        )
    print("\n######## side by side")
    print(f"{'':34}{'wirecrawl':>12}{'baseline':>12}")
    for key in ("ari", "precision", "recall", "f1"):
        print(f"{key:34}{ours[key]:>12.4f}{baseline[key]:>12.4f}")
    for name, result in (("wirecrawl", ours), ("baseline", baseline)):
        share = result["negmerged"] / max(1, result["neg_pairs"])
        print(f"hard-negative pairs merged, {name:9}{result['negmerged']:>8} of {result['neg_pairs']} ({share:.2%})")
    print("\n######## wirecrawl against the issue's targets")
    checks = [
        ("ARI >= 0.95", ours["ari"] >= 0.95, f"{ours['ari']:.4f}"),
        ("pairwise F1 >= 0.95", ours["f1"] >= 0.95, f"{ours['f1']:.4f}"),
        ("hard negatives merged <= 0.5%", ours["negmerged"] <= 0.005 * ours["neg_pairs"], str(ours["negmerged"])),
    ]
    edit, edit_recall = min(((e, v["with_original"]) for e, v in ours["per_edit"].items()), key=lambda x: x[1])
    checks.append(("recall >= 0.9 for every kind of edit", edit_recall >= 0.9, f"lowest: {edit} {edit_recall:.2f}"))
    languages = {lang: v["pair_recall"] for lang, v in ours["per_language"].items() if v["n"] >= 20}
    language = min(languages, key=languages.get)
    checks.append(
        ("recall >= 0.9 for every language with 20+ rows", languages[language] >= 0.9, f"lowest: {language} {languages[language]:.2f}")
    )
    for name, ok, figure in checks:
        print(f"  [{'met' if ok else 'NOT met'}] {name}: {figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
