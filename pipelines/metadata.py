"""Page metadata: trafilatura's own metadata rules, without the three costs they hide.

``page_metadata`` gives what ``trafilatura.metadata.extract_metadata`` gives (title, author,
URL, host, site name, date, description, image, categories, tags), by the same functions and
in the same order, with three changes measured on the shared corpus:

- JSON-LD: trafilatura strips tags and unescapes a script's whole text before parsing it; on
  a page that puts its article body in JSON-LD (840 KB on one corpus page) that breaks the
  JSON, and its regex fallback then spent two seconds. A script over ``LARGE_JSON`` characters
  is parsed as it is, and the fallback only reads scripts under ``FALLBACK_JSON``.
- Author from the page body (when no meta tag or JSON-LD names one): trafilatura copies the
  whole tree to prune comment and related-article sections before its author XPaths (20 ms a
  page where it runs); here the sections are found once and the XPath results inside them
  skipped, which finds the same element without the copy.
- The license is not read: wirecrawl does not keep it.

Dates come from htmldate without its extensive search (``NEWS`` pages declare theirs in meta
tags or JSON-LD; see ``pipelines/extraction.py``).
"""

from __future__ import annotations

import json
from copy import deepcopy
from typing import Any

from courlan import extract_domain
from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.json_metadata import extract_json, extract_json_parse_error, normalize_authors, normalize_json
from trafilatura.metadata import (
    JSON_MINIFY,
    META_URL,
    examine_meta,
    extract_catstags,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document
from trafilatura.utils import trim
from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS, AUTHOR_XPATHS

# A JSON-LD script longer than this holds content (an article body, a live blog), not just
# metadata: parsed without trafilatura's whole-text normalization, which would break it.
LARGE_JSON = 100_000
# trafilatura's regex fallback for JSON that does not parse is quadratic in the text's length.
FALLBACK_JSON = 20_000
_JSON_SCRIPTS = './/script[@type="application/ld+json" or @type="application/settings+json"]'


def json_ld_metadata(tree: HtmlElement, metadata: Document) -> Document:
    """trafilatura's ``extract_meta_json``, safe on pages with very large or broken JSON-LD."""
    for element in tree.xpath(_JSON_SCRIPTS):
        text = element.text
        if not text:
            continue
        if len(text) > LARGE_JSON:
            try:
                schema = json.loads(text, strict=False)
            except json.JSONDecodeError:
                continue
        else:
            text = normalize_json(JSON_MINIFY.sub(r"\1", text))
            try:
                schema = json.loads(text, strict=False)
            except json.JSONDecodeError:
                if len(text) <= FALLBACK_JSON:
                    metadata = extract_json_parse_error(text, metadata)
                continue
        try:
            metadata = extract_json(schema, metadata)
        except Exception:  # trafilatura's walker on unusual JSON-LD; the meta tags still stand
            continue
    return metadata


def body_author(tree: HtmlElement, len_limit: int = 120) -> str | None:
    """trafilatura's ``extract_author`` without copying the tree: the first author XPath match
    outside the sections it would prune (comments, related articles, ...)."""
    pruned: set[HtmlElement] | None = None  # found at the first match: most pages have none
    holding_pruned: set[HtmlElement] = set()  # elements with a pruned section inside them
    for expression in AUTHOR_XPATHS:
        for element in expression(tree):
            if pruned is None:
                pruned = {found for discard in AUTHOR_DISCARD_XPATHS for found in discard(tree)}
                holding_pruned = {ancestor for found in pruned for ancestor in found.iterancestors()}
            if element in pruned or any(ancestor in pruned for ancestor in element.iterancestors()):
                continue
            if element in holding_pruned:  # prune a copy of the match alone, as trafilatura would
                element = prune_unwanted_nodes(deepcopy(element), AUTHOR_DISCARD_XPATHS)
            content = trim(" ".join(element.itertext()))
            if content and 2 < len(content) < len_limit:
                return normalize_authors(None, content)
    return None


def page_metadata(tree: HtmlElement, url: str | None = None, date_params: dict[str, Any] | None = None) -> Document:
    """The page's metadata as a trafilatura ``Document`` (text fields empty)."""
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    metadata = json_ld_metadata(tree, metadata)
    if not metadata.title:
        metadata.title = extract_title(tree)
    if not metadata.author:
        metadata.author = body_author(tree)
    if not metadata.url:
        metadata.url = extract_url(tree, url)
    if metadata.url:
        metadata.hostname = extract_domain(metadata.url, fast=True)
    metadata.date = find_date(tree, url=metadata.url, **(date_params or {}))
    if not metadata.sitename:
        metadata.sitename = extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
        if metadata.sitename and "." not in metadata.sitename and not metadata.sitename[0].isupper():
            metadata.sitename = metadata.sitename.title()
    elif metadata.url:
        match = META_URL.match(metadata.url)
        if match:
            metadata.sitename = match[1]
    if not metadata.categories:
        metadata.categories = extract_catstags("category", tree)
    if not metadata.tags:
        metadata.tags = extract_catstags("tag", tree)
    metadata.clean_and_trim()
    return metadata
