"""CPU per article of story linking, as the crawl pays it: ``.venv/bin/python scripts/bench_stories.py``.

The crawl's ``DedupPipeline`` gives each article its story after its cluster: a copy reads its
cluster's story; a new cluster's first article has its evidence read (``pipelines/evidence.py``)
and is linked through the story index. This runs the crawl's own classes (``ClusterAssigner``,
``StoryLinker``) over the texts of ``../shared/corpus/crosslingual/dev.jsonl`` and
``../shared/corpus/wirecopies/dev.jsonl`` (the latter moved onto the former's days, as
``make eval-stories`` does), into a fresh database, and prints the process CPU time of the
story step per article: evidence alone, and evidence with linking. Without ``../shared`` it says
so and exits 0.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"

from pipelines.dedup import ClusterAssigner, cluster_text  # noqa: E402
from pipelines.evidence import evidence  # noqa: E402
from pipelines.stories import StoryLinker  # noqa: E402
from storage import NewsDatabase, article_id_for  # noqa: E402
from storage.story_index import StoryIndex  # noqa: E402


def main() -> int:
    data, distractors = SHARED / "corpus" / "crosslingual" / "dev.jsonl", SHARED / "corpus" / "wirecopies" / "dev.jsonl"
    if not (data.is_file() and distractors.is_file() and (SHARED / "tools" / "eval_stories.py").is_file()):
        print(f"bench-stories skipped: {data} or {distractors} is absent (they live in ../shared).")
        return 0
    sys.path.insert(0, str(SHARED / "tools"))
    import eval_stories

    rows = eval_stories.with_distractors(eval_stories.load_jsonl(str(data)), str(distractors))
    started = time.process_time()
    for row in rows:
        evidence(row["title"], row["text"], row["language"])
    evidence_ms = (time.process_time() - started) * 1000 / len(rows)
    with tempfile.TemporaryDirectory(prefix="bench-stories-") as scratch:
        db = NewsDatabase.open(Path(scratch) / "stories.db")
        assigner, site_lines = ClusterAssigner(db.dedup_index()), db.site_lines()
        linker = StoryLinker(StoryIndex(db.conn, window_hours=24))
        spent = 0.0
        for row in rows:
            db.begin()
            assignment = cluster_text(assigner, site_lines, article_id_for(row["id"]), row["site"], row["text"], row["published"])
            started = time.process_time()
            linker.story_for(assignment.cluster_id, assignment.matched_article_id is None, row["title"], row["text"],
                             row["language"], row["published"])
            spent += time.process_time() - started
        db.commit()
        db.close()
    print(f"articles                         {len(rows):,}")
    print(f"evidence alone, CPU per article  {evidence_ms:.2f} ms")
    print(f"story step (evidence + link)     {spent * 1000 / len(rows):.2f} ms per article   target < 2 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
