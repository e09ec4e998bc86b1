"""storage/article_failures.py: failure counts, backoff and dead links; and dead links over three real crawls."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from crawler import exitcodes
from tests.conftest import run_crawl
from tests.hostile_server import HostileWeb, article_html, rss


def test_a_404_on_the_third_try_is_dead_and_a_500_is_only_retried_later(news_db):
    failures = news_db.article_failures
    url = "https://news.example/gone.html"
    states = [failures.record(url, None, "HTTP 404", "HTTP 404", 404, dead_after=3, backoff_base=600, backoff_cap=86400)
              for _ in range(3)]  # fmt: skip
    assert [(state.failures, state.dead) for state in states] == [(1, False), (2, False), (3, True)]
    assert states[2].next_attempt is None
    in_ten_minutes = datetime.fromisoformat(states[0].next_attempt) - datetime.now(timezone.utc)
    assert timedelta(minutes=9) < in_ten_minutes <= timedelta(minutes=10)
    assert datetime.fromisoformat(states[1].next_attempt) > datetime.fromisoformat(states[0].next_attempt)
    flaky = [failures.record("https://news.example/busy.html", None, "HTTP 500", "HTTP 500", 500, dead_after=3,
                             backoff_base=600, backoff_cap=86400) for _ in range(5)]  # fmt: skip
    assert not any(state.dead for state in flaky) and flaky[-1].failures == 5 and flaky[-1].next_attempt
    assert failures.states([url, "https://news.example/busy.html", "https://news.example/never.html"]).keys() == {
        url, "https://news.example/busy.html"
    }
    failures.clear("https://news.example/busy.html")
    assert failures.states(["https://news.example/busy.html"]) == {}


def test_retry_after_waits_longer_than_the_first_backoff_step(news_db):
    state = news_db.article_failures.record("https://news.example/a", None, "HTTP 503", "HTTP 503", 503,
                                            backoff_base=600, backoff_cap=86400, retry_after=7200)  # fmt: skip
    assert datetime.fromisoformat(state.next_attempt) - datetime.now(timezone.utc) > timedelta(hours=1, minutes=59)


def test_one_errors_row_per_failure_kind_and_article(news_db):
    for run in (1, 2, 3):
        news_db.record_error("fetch", "https://news.example/a", f"HTTP 404 (run {run})", kind="HTTP 404")
    news_db.record_error("fetch", "https://news.example/a", "TimeoutError: took too long", kind="TimeoutError")
    news_db.record_error("feed", "https://news.example/rss", "HTTP 500")
    news_db.record_error("feed", "https://news.example/rss", "HTTP 500")
    rows = news_db.conn.execute("SELECT stage, url, kind, reason, occurrences FROM errors ORDER BY id").fetchall()
    assert rows == [
        ("fetch", "https://news.example/a", "HTTP 404", "HTTP 404 (run 3)", 3),
        ("fetch", "https://news.example/a", "TimeoutError", "TimeoutError: took too long", 1),
        ("feed", "https://news.example/rss", None, "HTTP 500", 1),
        ("feed", "https://news.example/rss", None, "HTTP 500", 1),
    ]


@pytest.fixture
def web():
    with HostileWeb() as web:
        yield web


def test_dead_links_over_three_runs(web, tmp_path):
    """Run 1 and 2 fetch the dead links (404, 410) and count them; on the second try they are dead.
    Run 3 fetches none of them, and their feed answers 304: the dead links no longer hold its ETag back.
    A link that answers 500 is retried on every run (no backoff here) and holds its own feed back."""
    good = [web.page(f"/ok/{n}.html", article_html(f"A good article {n}", seed=40 + n)) for n in range(2)]
    dead = [web.page(f"/dead/{status}.html", f"error {status}", "text/html", status=status) for status in (404, 410)]
    busy = web.page("/busy/500.html", "error 500", "text/html", status=500)
    dead_feed = web.conditional_page("/feeds/dead.xml", rss([(good[0], "g0"), (dead[0], "d0"), (dead[1], "d1")]),
                                     "application/rss+xml; charset=utf-8", '"dead-v1"')  # fmt: skip
    busy_feed = web.conditional_page("/feeds/busy.xml", rss([(good[1], "g1"), (busy, "b0")]),
                                     "application/rss+xml; charset=utf-8", '"busy-v1"')  # fmt: skip
    db_path = tmp_path / "news.db"
    settings = ("NEWS_DEAD_LINK_TRIES=2", "NEWS_BACKOFF_BASE=0")
    hits = []
    results = []
    for _run in range(3):
        results.append(run_crawl(db_path, f"{dead_feed},{busy_feed}", *settings))
        hits.append({path: web.hits.get(path, 0) for path in ("/dead/404.html", "/dead/410.html", "/busy/500.html", "/ok/0.html")})
    assert [result.returncode for result in results] == [exitcodes.FAILURES] * 3, results[-1].stderr[-3000:]
    assert [run["/dead/404.html"] for run in hits] == [1, 2, 2]
    assert [run["/dead/410.html"] for run in hits] == [1, 2, 2]
    assert [run["/busy/500.html"] for run in hits] == [1, 2, 3]
    assert [run["/ok/0.html"] for run in hits] == [1, 1, 1]
    db = sqlite3.connect(db_path)
    runs = db.execute("SELECT feeds_ok, feeds_not_modified, articles_new FROM crawl_runs ORDER BY id").fetchall()
    assert runs == [(2, 0, 2), (2, 0, 0), (1, 1, 0)]  # the third run: the dead links' feed answers 304
    assert db.execute("SELECT etag FROM feeds WHERE url = ?", [dead_feed]).fetchone() == ('"dead-v1"',)
    assert db.execute("SELECT etag FROM feeds WHERE url = ?", [busy_feed]).fetchone() == (None,)
    errors = db.execute("SELECT url, kind, occurrences FROM errors ORDER BY url").fetchall()
    assert errors == [(busy, "HTTP 500", 3), (dead[0], "HTTP 404", 2), (dead[1], "HTTP 410", 2)]
    states = db.execute("SELECT url, failures, dead FROM article_failures ORDER BY url").fetchall()
    assert states == [(busy, 3, 0), (dead[0], 2, 1), (dead[1], 2, 1)]
