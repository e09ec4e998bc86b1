"""README.md must keep up with the code: settings, command line, canned queries, make targets."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from crawler.cli import build_parser

PROJECT = Path(__file__).resolve().parent.parent
README = PROJECT / "README.md"


@pytest.fixture(scope="module")
def readme() -> str:
    return README.read_text(encoding="utf-8")


def news_settings() -> list[str]:
    """Every NEWS_* name assigned at the top level of settings/base.py."""
    tree = ast.parse((PROJECT / "settings" / "base.py").read_text(encoding="utf-8"))
    names: list[str] = []
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Name) and target.id.startswith("NEWS_"):
                names.append(target.id)
    return names


def cli_commands() -> list[str]:
    parser = build_parser()
    for action in parser._actions:
        if action.choices and isinstance(action.choices, dict):
            return list(action.choices)
    raise AssertionError("build_parser() has no subcommands")


def canned_queries() -> list[str]:
    metadata = yaml.safe_load((PROJECT / "storage" / "metadata.yml").read_text(encoding="utf-8"))
    return list(metadata["databases"]["news"]["queries"])


def makefile_targets() -> set[str]:
    text = (PROJECT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z0-9_.-]+):(?!=)", text, flags=re.MULTILINE))


def test_the_lists_are_not_empty() -> None:
    # A parser that finds nothing would make every test below pass vacuously.
    assert "NEWS_DB_PATH" in news_settings()
    assert "extract" in cli_commands()
    assert "stories" in canned_queries()
    assert "test" in makefile_targets()


@pytest.mark.parametrize("name", news_settings())
def test_every_news_setting_is_documented(readme: str, name: str) -> None:
    assert re.search(rf"\b{re.escape(name)}\b", readme), f"{name} (settings/base.py) is not in README.md"


@pytest.mark.parametrize("command", cli_commands())
def test_every_cli_command_is_documented(readme: str, command: str) -> None:
    assert f"python -m crawler {command}" in readme, f"`python -m crawler {command}` is not in README.md"


@pytest.mark.parametrize("command", cli_commands())
def test_every_cli_command_has_help(command: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "crawler", command, "--help"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"python -m crawler {command}" in result.stdout


@pytest.mark.parametrize("query", canned_queries())
def test_every_canned_query_is_documented(readme: str, query: str) -> None:
    assert re.search(rf"`{re.escape(query)}`", readme), f"canned query {query} (storage/metadata.yml) is not in README.md"


def test_make_targets_in_readme_exist(readme: str) -> None:
    # `make X` in inline code, or at the start of a line of a code block
    used = set(re.findall(r"(?:^|`|\$ )make ([a-z][a-z0-9_-]*)", readme, flags=re.MULTILINE))
    assert {"demo", "test", "serve", "crawl"} <= used
    missing = used - makefile_targets()
    assert not missing, f"README.md uses make targets that the Makefile lacks: {sorted(missing)}"


def test_every_module_is_in_the_readme(readme: str) -> None:
    modules = [
        path.relative_to(PROJECT).as_posix()
        for folder in ("crawler", "pipelines", "storage")
        for path in sorted((PROJECT / folder).rglob("*.py"))
        if path.name not in ("__init__.py", "__main__.py")
    ]
    assert "pipelines/article/extraction.py" in modules
    missing = [module for module in modules if module not in readme]
    assert not missing, f"modules not described in README.md: {missing}"
