"""Score wirecrawl's cross-language story linking on the shared set, beside clusters only.

``make eval-stories`` runs this. Both go through ``../shared/tools/eval_stories.py`` on
``../shared/corpus/crosslingual/dev.jsonl`` (30 stories in French, English and Arabic, and
10 hard negatives), with ``--distractors ../shared/corpus/wirecopies/dev.jsonl`` (1,800+
same-language wire copies moved onto the same days), resolved from this file's location and
never copied into the project:

- ``python -m crawler dedup -``: the project's command, the same code the crawl runs, its
  ``story`` column;
- today's behaviour, clusters only: the same command's ``cluster`` column as the story.

When the set or the tool is absent (a fresh clone without ``../shared``), it says so and exits 0.
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
DEV_SET = SHARED / "corpus" / "crosslingual" / "dev.jsonl"
DISTRACTORS = SHARED / "corpus" / "wirecopies" / "dev.jsonl"
TOOLS = SHARED / "tools"

# Prints the command's cluster as the story: what wirecrawl showed before stories.
CLUSTERS_ONLY = (
    "import json, sys\n"
    "for line in sys.stdin:\n"
    "    row = json.loads(line)\n"
    "    print(json.dumps({'id': row['id'], 'story': row['cluster']}))\n"
)


def run_tool(label: str, command: str, data: Path, distractors: Path | None, json_out: Path) -> dict:
    argv = [sys.executable, str(TOOLS / "eval_stories.py"), str(data), "--command", command, "--json-out", str(json_out)]
    if distractors is not None:
        argv += ["--distractors", str(distractors)]
    print(f"\n######## {label}", flush=True)
    subprocess.run(argv, check=True, cwd=ROOT)
    return json.loads(json_out.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEV_SET, help="a labelled JSONL (default: the shared dev set)")
    parser.add_argument("--distractors", type=Path, default=DISTRACTORS, help="same-language copies mixed in")
    parser.add_argument("--no-distractors", action="store_true")
    args = parser.parse_args(argv)
    if not args.data.is_file() or not (TOOLS / "eval_stories.py").is_file():
        print(f"eval-stories skipped: {args.data} or {TOOLS / 'eval_stories.py'} is absent (they live in ../shared).")
        return 0
    distractors = None if args.no_distractors or not args.distractors.is_file() else args.distractors
    project = f"{shlex.quote(sys.executable)} -m crawler dedup -"
    with tempfile.TemporaryDirectory(prefix="eval-stories-") as scratch:
        clusters_only = Path(scratch) / "clusters_only.py"
        clusters_only.write_text(CLUSTERS_ONLY, encoding="utf-8")
        ours = run_tool("wirecrawl: python -m crawler dedup (stories)", project, args.data, distractors, Path(scratch) / "ours.json")
        today = run_tool(
            "clusters only (before stories): the same command's cluster as the story",
            f"{project} | {shlex.quote(sys.executable)} {shlex.quote(str(clusters_only))}",
            args.data,
            distractors,
            Path(scratch) / "today.json",
        )
    print("\n######## side by side")
    print(f"{'':34}{'stories':>12}{'clusters':>12}")
    for key, label in (("ari", "ARI"), ("cross_p", "cross-language precision"), ("cross_r", "cross-language recall"),
                       ("cross_f1", "cross-language F1")):
        print(f"{label:34}{ours[key]:>12.4f}{today[key]:>12.4f}")
    for pair, (recall, _n) in ours["per_language_pair"].items():
        print(f"{'recall ' + pair:34}{recall:>12.2f}{today['per_language_pair'][pair][0]:>12.2f}")
    print(f"{'hard-negative pairs merged':34}{ours['negmerged']:>12}{today['negmerged']:>12}   (of {ours['negpairs']})")
    print(f"{'distractor links':34}{ours['distractor_false_links']:>12}{today['distractor_false_links']:>12}")
    print("\n######## wirecrawl against the issue's targets")
    pairs = ours["per_language_pair"]
    worst = min(pairs, key=lambda pair: pairs[pair][0])
    checks = [
        ("cross-language precision >= 0.97", ours["cross_p"] >= 0.97, f"{ours['cross_p']:.4f}"),
        ("cross-language recall >= 0.90", ours["cross_r"] >= 0.90, f"{ours['cross_r']:.4f}"),
        ("recall >= 0.85 for each language pair", pairs[worst][0] >= 0.85, f"lowest: {worst} {pairs[worst][0]:.2f}"),
        ("hard negatives merged <= 1", ours["negmerged"] <= 1, f"{ours['negmerged']} of {ours['negpairs']}"),
        ("no distractor linked to a labelled story", ours["distractor_false_links"] == 0, str(ours["distractor_false_links"])),
    ]
    for name, ok, figure in checks:
        print(f"  [{'met' if ok else 'NOT met'}] {name}: {figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
