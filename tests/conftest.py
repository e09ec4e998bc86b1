"""Shared fixtures: real SQLite files, the demo web on 127.0.0.1, real crawls in a subprocess."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from demo.server import WEB_ROOT, DemoWeb
from storage import NewsDatabase

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "news.db"


@pytest.fixture
def news_db(db_path: Path):
    db = NewsDatabase.open(db_path)
    yield db
    db.conn.close()


@pytest.fixture(scope="session")
def demo_web():
    """The bundled demo news web, served on free ports of 127.0.0.1 for the whole session."""
    with DemoWeb(port=0) as web:
        yield web


@pytest.fixture(scope="session")
def demo_stories() -> dict[str, str]:
    """Ground truth of the demo web: page (slug/path) -> story key."""
    return json.loads((WEB_ROOT / "stories.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def demo_events(demo_stories) -> dict[str, str]:
    """Ground truth of the demo web's stories across languages: page -> event key (events.json
    groups the story keys of one event's language versions; any other story key is its own event)."""
    groups = json.loads((WEB_ROOT / "events.json").read_text(encoding="utf-8"))
    event_of_story = {story: event for event, stories in groups.items() for story in stories}
    return {page: event_of_story.get(story, story) for page, story in demo_stories.items()}


def run_crawl(db_path: Path, feeds: str, *settings: str) -> subprocess.CompletedProcess[str]:
    """``python -m scrapy crawl feeds`` in a subprocess, as cron or a user runs it."""
    return run_spider(db_path, [f"feeds={feeds}"], *settings)


def run_spider(db_path: Path, arguments: list[str], *settings: str) -> subprocess.CompletedProcess[str]:
    """``python -m scrapy crawl feeds -a ARGUMENT...`` (``sites=...``, ``since=...``) in a subprocess."""
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "settings.demo", "WIRECRAWL_DB": str(db_path)}
    command = [sys.executable, "-m", "scrapy", "crawl", "feeds"]
    for argument in arguments:
        command += ["-a", argument]
    for setting in settings:
        command += ["-s", setting]
    return subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300)


def project_crawler(db_path: Path, spidercls=None, **overrides):
    """A Crawler with the project's settings (settings.base), writing to ``db_path``."""
    from scrapy.utils.project import get_project_settings
    from scrapy.utils.test import get_crawler

    project = get_project_settings()
    # Only the project's own values (not Scrapy's defaults, whose reactor setting would clash
    # with the reactor get_crawler picks for tests).
    settings = {name: project[name] for name in project if project.getpriority(name) > 0}
    settings.update(NEWS_DB_PATH=str(db_path), **overrides)
    return get_crawler(spidercls, settings_dict=settings)


def xpath_fingerprint(expressions) -> str:
    """A short hash of compiled XPath expressions' text (whitespace folded), so a test notices
    when a library changes expressions the project copied patterns from."""
    text = "\n".join(" ".join(expression.path.split()) for expression in expressions)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    """A real redis-server on a free port of 127.0.0.1 for the module's tests (each test uses a
    key prefix of its own)."""
    from tests.redis_server import REDIS_SERVER, RedisServer

    if not Path(REDIS_SERVER).exists():
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server; .ci/run does it)")
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()
