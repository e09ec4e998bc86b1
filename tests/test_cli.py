"""``python -m crawler``: the crawl's extraction and dedup code, run on files."""

import io
import json
import subprocess
import sys

import pytest

from crawler.cli import main
from demo.server import WEB_ROOT
from tests.conftest import PROJECT
from tests.test_dedup import OTHER_STORY, seed_body

SEED_PAGE = next(
    page for page, story in json.loads((WEB_ROOT / "stories.json").read_text()).items()
    if story == "fr-irak-militaires-syriens" and page.startswith("courrier-levant/")
)


def run(*argv, stdin=None):
    out = io.StringIO()
    if stdin is not None:
        sys_stdin, sys.stdin = sys.stdin, io.StringIO(stdin)
    try:
        code = main(list(argv), out=out)
    finally:
        if stdin is not None:
            sys.stdin = sys_stdin
    return code, out.getvalue()


def test_extract_prints_one_json_object():
    code, out = run("extract", str(WEB_ROOT / SEED_PAGE), "--url", "https://courrier.example/irak")
    assert code == 0
    article = json.loads(out)
    assert {"title", "text", "authors", "published", "language", "url"} <= set(article)
    assert article["url"] == "https://courrier.example/irak"
    assert article["language"] == "fr"
    assert "1.905 militaires syriens" in article["text"]
    assert "minhash" not in article


def test_extract_of_a_missing_file_exits_2(capsys):
    code, _ = run("extract", "no-such-page.html")
    assert code == 2
    assert "no-such-page.html: no such file" in capsys.readouterr().err


def test_extract_of_a_page_without_article_exits_1(tmp_path, capsys):
    page = tmp_path / "empty.html"
    page.write_text("<html><body></body></html>")
    assert run("extract", str(page))[0] == 1
    assert "empty.html:" in capsys.readouterr().err


def test_dedup_prints_one_cluster_per_row_from_stdin():
    body = seed_body()
    rows = [
        {"id": "a", "text": "\n".join(body)},
        {"id": "b", "text": "\n".join(["BAGDAD (AFP) - " + body[0], *body[1:-1]]), "title": "Autre titre"},
        {"id": "c", "text": OTHER_STORY},
    ]
    code, out = run("dedup", "-", stdin="".join(json.dumps(row) + "\n" for row in rows))
    assert code == 0
    result = {line["id"]: line["cluster"] for line in map(json.loads, out.splitlines())}
    assert result["a"] == result["b"] != result["c"]


def test_dedup_with_db_keeps_clusters_across_calls(tmp_path):
    db = str(tmp_path / "index.db")
    body = seed_body()
    first = tmp_path / "first.jsonl"
    first.write_text(json.dumps({"id": 1, "text": "\n".join(body)}) + "\n")
    second = tmp_path / "second.jsonl"
    second.write_text(json.dumps({"id": 2, "text": "\n".join(["PARIS (AFP) - " + body[0], *body[1:]])}) + "\n")
    _, out1 = run("dedup", str(first), "--db", db)
    _, out2 = run("dedup", str(second), "--db", db)
    assert json.loads(out1)["cluster"] == json.loads(out2)["cluster"]


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"id": 1, "text": "a"}\n{not json\n', "line 2: not JSON"),
        ('{"text": "no id"}\n', 'line 1: each line needs an "id" and a "text" string'),
    ],
)
def test_dedup_bad_input_exits_2_with_the_line(tmp_path, capsys, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    assert run("dedup", str(path))[0] == 2
    assert message in capsys.readouterr().err


def test_summary_of_a_missing_database_says_what_to_do(tmp_path, capsys):
    assert run("summary", "--db", str(tmp_path / "none.db"))[0] == 2
    assert "run a crawl first" in capsys.readouterr().err


def test_module_entry_point_runs():
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "extract", str(WEB_ROOT / SEED_PAGE)],
        cwd=PROJECT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["language"] == "fr"


def test_dedup_refuses_a_crawl_database(tmp_path, capsys):
    from storage import NewsDatabase, article_id_for

    db_path = tmp_path / "news.db"
    db = NewsDatabase.open(db_path)
    db.add_article({"id": article_id_for("https://a.example/1"), "url": "https://a.example/1", "text": "x", "cluster_id": article_id_for("https://a.example/1")})
    db.close()
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"id": 1, "text": "a b c"}\n')
    assert run("dedup", str(rows), "--db", str(db_path))[0] == 2
    assert "holds crawled articles" in capsys.readouterr().err


def test_reclean_removes_lines_the_site_model_learned_later(tmp_path):
    from pipelines.article.extraction import word_count
    from pipelines.article.signature import line_keys
    from storage import NewsDatabase, article_id_for

    db_path = tmp_path / "news.db"
    db = NewsDatabase.open(db_path)
    boilerplate = "Inscrivez-vous à notre newsletter pour ne rien manquer."
    url = "https://vivarais.example/a"
    text = "\n".join(seed_body()[:2] + [boilerplate])
    db.add_article({"id": article_id_for(url), "url": url, "site": "vivarais.example", "text": text,
                    "cluster_id": article_id_for(url), "words": 99})
    for cluster in (1, 2, 3):  # the newsletter line was later seen under three other stories
        db.site_lines().observe("vivarais.example", line_keys(boilerplate), cluster)
    db.close()

    code, out = run("reclean", "--db", str(db_path))
    assert code == 0
    assert out == "vivarais.example: 1 articles cleaned of 1 known boilerplate lines\n"
    db = NewsDatabase.open(db_path)
    stored, words = db.conn.execute("SELECT text, words FROM articles").fetchone()
    found = db.conn.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'newsletter'").fetchone()[0]
    db.close()
    assert stored == "\n".join(seed_body()[:2])
    assert words == word_count(stored)
    assert found == 0  # the full-text index followed


def _site_pages(tmp_path, numbers, layout="classic"):
    from tests.site_pages import page

    lines = []
    for number in numbers:
        path = tmp_path / f"page-{number}.html"
        path.write_text(page(number, layout=layout), encoding="utf-8")
        lines.append(json.dumps({"path": str(path), "url": f"https://gazette.example/{number}.html", "site": "ignored"}))
    return "\n".join(lines) + "\n"


def test_extract_batch_learns_templates_in_the_database_and_reuses_them(tmp_path):
    from storage import NewsDatabase
    from tests.site_pages import article_paragraphs

    db = tmp_path / "templates.db"
    code, out = run("extract", "--db", str(db), "-", stdin=_site_pages(tmp_path, range(6)))
    assert code == 0
    answers = [json.loads(line) for line in out.splitlines()]
    assert [a["url"] for a in answers] == [f"https://gazette.example/{n}.html" for n in range(6)]
    assert [a["template"]["outcome"] for a in answers] == ["generic"] * 5 + ["hit"]
    assert answers[5]["text"].splitlines() == article_paragraphs(5)
    assert list(answers[0])[:3] == ["title", "text", "authors"]  # the fields of extract, in its order
    # A second run on the same file starts from what the first learned.
    code, out = run("extract", "--db", str(db), "-", stdin=_site_pages(tmp_path, [7]))
    assert json.loads(out)["template"]["outcome"] == "hit"
    store = NewsDatabase.open(db)
    row = store.conn.execute("SELECT site, pages, hits FROM site_templates").fetchone()
    store.close()
    assert row == ("gazette.example", 5, 2)


def test_extract_batch_reports_a_bad_page_and_goes_on(tmp_path):
    lines = json.dumps({"path": str(tmp_path / "missing.html"), "url": "https://gazette.example/x"}) + "\n"
    code, out = run("extract", "-", stdin=lines + _site_pages(tmp_path, [1]))
    assert code == 0
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["url"] == "https://gazette.example/x" and "No such file" in first["error"]
    assert second["words"] > 40


def test_extract_batch_line_without_path_exits_2(capsys):
    assert run("extract", "-", stdin='{"url": "https://a.example/"}\n')[0] == 2
    assert 'each line needs a "path"' in capsys.readouterr().err


def test_extract_batch_answers_each_line_as_it_comes(tmp_path):
    """A scorer sends the next page only after the answer to the last: the command must flush."""
    command = [sys.executable, "-m", "crawler", "extract", "-"]
    with subprocess.Popen(command, cwd=PROJECT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as process:
        for line in _site_pages(tmp_path, [1, 2]).splitlines():
            process.stdin.write(line + "\n")
            process.stdin.flush()
            assert json.loads(process.stdout.readline())["template"]["outcome"] == "generic"
        process.stdin.close()
        assert process.wait(timeout=60) == 0
