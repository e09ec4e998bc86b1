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
- Categories, tags and the author from the body: trafilatura tries up to ten XPath
  expressions over the whole page for categories and tags (about 2.5 ms a page), three for
  the author (about 14 ms where it runs), though most pages have no element some of them
  could match. Here the page's class, id and a few other attribute values are read once
  (``PageAttributes``), and an expression is evaluated only if one of them could satisfy it
  (``CATSTAGS_XPATHS``, ``AUTHOR_PREFILTERS``; a test checks them against trafilatura's own).
- The license is not read: wirecrawl does not keep it.

Dates come from htmldate without its extensive search (``NEWS`` pages declare theirs in meta
tags or JSON-LD; see ``pipelines/article/extraction.py``).
"""

from __future__ import annotations

import json
import re
from copy import deepcopy
from typing import Any

from courlan import extract_domain
from htmldate import find_date
from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura.baseline import block_text
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.json_metadata import extract_json, extract_json_parse_error, normalize_authors, normalize_json
from trafilatura.metadata import (
    JSON_MINIFY,
    META_URL,
    examine_meta,
    extract_url,
)
from trafilatura.settings import Document
from trafilatura.utils import line_processing, trim
from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS, AUTHOR_XPATHS, CATEGORIES_XPATHS, TAGS_XPATHS

from .titles import fallback_title, site_name_from_title

# A JSON-LD script longer than this holds content (an article body, a live blog), not just
# metadata: parsed without trafilatura's whole-text normalization, which would break it.
LARGE_JSON = 100_000
# trafilatura's regex fallback for JSON that does not parse is quadratic in the text's length.
FALLBACK_JSON = 20_000
_JSON_SCRIPTS = XPath('.//script[@type="application/ld+json" or @type="application/settings+json"]')


def json_ld_metadata(tree: HtmlElement, metadata: Document) -> Document:
    """trafilatura's ``extract_meta_json``, safe on pages with very large or broken JSON-LD."""
    for element in _JSON_SCRIPTS(tree):
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


def body_author(tree: HtmlElement, len_limit: int = 120, attributes: PageAttributes | None = None) -> str | None:
    """trafilatura's ``extract_author`` without copying the tree: the first author XPath match
    outside the sections it would prune (comments, related articles, ...). Expressions that no
    attribute of the page could satisfy are skipped (``AUTHOR_PREFILTERS``)."""
    attributes = attributes or PageAttributes(tree)
    pruned: set[HtmlElement] | None = None  # found at the first match: most pages have none
    holding_pruned: set[HtmlElement] = set()  # elements with a pruned section inside them
    for number, expression in enumerate(AUTHOR_XPATHS):
        if not attributes.could_match(AUTHOR_PREFILTERS[number]) and not (number == 0 and _AUTHOR_ELEMENTS(tree)):
            continue
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


class PageAttributes:
    """The distinct values of an attribute on a page, one per line, read when first asked for.

    Most of trafilatura's category, tag and author expressions test class or id values; an
    expression none of the page's values could satisfy need not be evaluated at all.
    """

    _xpaths: dict[str, XPath] = {}

    def __init__(self, tree: HtmlElement):
        self.tree = tree
        self._values: dict[str, str] = {}

    def __getitem__(self, name: str) -> str:
        if name not in self._values:
            if name not in self._xpaths:
                self._xpaths[name] = XPath(f"//@{name}", smart_strings=False)  # plain strings: half the cost
            self._values[name] = "\n".join(set(self._xpaths[name](self.tree)))
        return self._values[name]

    def could_match(self, prefilter: dict[str, re.Pattern[str]]) -> bool:
        return any(pattern.search(self[name]) for name, pattern in prefilter.items())


def _lines(**patterns: str) -> dict[str, re.Pattern[str]]:
    return {name.replace("_", "-"): re.compile(pattern, re.MULTILINE) for name, pattern in patterns.items()}


def _starts_with(attribute: str, *prefixes: str) -> str:
    return " or ".join(f"starts-with(@{attribute}, '{prefix}')" for prefix in prefixes)


# trafilatura's two category and tag expressions that test classes with EXSLT regular
# expressions (a Python call per <div>, about 1 ms a page each), written with starts-with():
# the regular expressions are anchored alternations of literals, so the two say the same.
_FAST_EQUIVALENTS = {
    ("category", 0): XPath(
        "//div["
        + _starts_with("class", "postinfo", "post-info", "postmeta", "post-meta", "meta", "entry-meta", "entry-info", "entry-utility")
        + " or starts-with(@id, 'postpath')]//a[@href]"
    ),
    ("tag", 2): XPath(
        "//div[@class='row' or @class='jp-relatedposts' or @class='entry-utility' or "
        + _starts_with("class", "tag", "postmeta", "meta")
        + "]//a[@href]"
    ),
}


# For each of trafilatura's category, tag and author expressions (trafilatura/xpaths.py, in
# order), what one of the page's attribute values (one per line) must match for the expression
# to find anything: starts-with(@class, 'x') is ^x, @class='x' is ^x$, contains(@class, 'x') and
# re:test(@class, 'x') are x. Tags are left out, so a page may pass and the XPath find nothing,
# never the reverse. A test checks that trafilatura's expressions are still these.
CATSTAGS_XPATHS = {
    "category": list(
        zip(
            [_FAST_EQUIVALENTS.get(("category", number), expression) for number, expression in enumerate(CATEGORIES_XPATHS)],
            [
                _lines(**{"class": r"^(?:post-?info|post-?meta|meta|entry-meta|entry-info|entry-utility)", "id": r"^postpath"}),
                _lines(**{"class": r"^(?:postmeta|entry-categories)|^postinfo$", "id": r"^filedunder$"}),
                _lines(**{"class": r"^entry-(?:meta|footer)"}),
                _lines(**{"class": r"^(?:post-category|postcategory|entry-category)$|cat-links"}),
                _lines(**{"class": r"^entry-header$"}),
                _lines(**{"class": r"^(?:row|tags)$"}),
            ],
            strict=True,
        )
    ),
    "tag": list(
        zip(
            [_FAST_EQUIVALENTS.get(("tag", number), expression) for number, expression in enumerate(TAGS_XPATHS)],
            [
                _lines(**{"class": r"^tags$"}),
                _lines(**{"class": r"^entry-tags"}),
                _lines(**{"class": r"^(?:row|jp-relatedposts|entry-utility)$|^(?:tag|postmeta|meta)"}),
                _lines(**{"class": r"^entry-meta$|topics|tags-links"}),
            ],
            strict=True,
        )
    ),
}
AUTHOR_PREFILTERS = [
    # The first expression also takes any <author> element, and `rel='me'` compares a child
    # element named rel: _AUTHOR_ELEMENTS covers both.
    _lines(
        rel=r"^author$",
        id=r"^author$",
        itemprop=r"^author name$",
        data_testid=r"^(?:AuthorCard|AuthorURL)$",
        **{"class": r"^author$|author-?name|AuthorName|authorName"},
    ),
    _lines(
        itemprop=r"author",
        id=r"author|zuozhe|bianji|xiaobian",
        **{"class": r"^(?:byline|username|byl|BBL)$|author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name"},
    ),
    _lines(data_component=r"Byline", itemprop=r"author", id=r"[Aa]uthor", **{"class": r"[Aa]uthor|screenname|writer|[Bb]yline"}),
]
_AUTHOR_ELEMENTS = XPath("boolean(//author | //rel)")
_SECTION_META = XPath('.//head//meta[@property="article:section" or contains(@name, "subject")][@content]')


def page_catstags(tree: HtmlElement, attributes: PageAttributes | None = None) -> tuple[list[str], list[str]]:
    """trafilatura's ``extract_catstags`` for categories and for tags, with the expressions that
    cannot match this page skipped."""
    attributes = attributes or PageAttributes(tree)
    found: dict[str, list[str]] = {}
    for metatype, expressions in CATSTAGS_XPATHS.items():
        results: list[str] = []
        link = re.compile("/" + metatype.rstrip("y") + "(?:y|ies|s)?/")
        for expression, prefilter in expressions:
            if not attributes.could_match(prefilter):
                continue
            results.extend(block_text(element) for element in expression(tree) if link.search(element.attrib["href"]))
            if results:
                break
        if metatype == "category" and not results:
            results.extend(element.attrib["content"] for element in _SECTION_META(tree))
        found[metatype] = [line for line in dict.fromkeys(line_processing(x) for x in results if x) if line]
    return found["category"], found["tag"]


def page_metadata(
    tree: HtmlElement,
    url: str | None = None,
    date_params: dict[str, Any] | None = None,
    search_body_author: bool = True,
    date: str | None = None,
) -> Document:
    """The page's metadata as a trafilatura ``Document`` (text fields empty).

    A site template (``templates.py``) may spare the two costliest steps: the search of the
    page's body for a byline (``search_body_author=False``, where its pages never had one) and
    htmldate's search (``date``, the publication date the page's metas already gave)."""
    attributes = PageAttributes(tree)
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    metadata = json_ld_metadata(tree, metadata)
    if not metadata.title:
        metadata.title = fallback_title(tree)
    if not metadata.author and search_body_author:
        metadata.author = body_author(tree, attributes=attributes)
    if not metadata.url:
        metadata.url = extract_url(tree, url)
    if metadata.url:
        metadata.hostname = extract_domain(metadata.url, fast=True)
    metadata.date = date or find_date(tree, url=metadata.url, **(date_params or {}))
    if not metadata.sitename:
        metadata.sitename = site_name_from_title(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
        if metadata.sitename and "." not in metadata.sitename and not metadata.sitename[0].isupper():
            metadata.sitename = metadata.sitename.title()
    elif metadata.url:
        match = META_URL.match(metadata.url)
        if match:
            metadata.sitename = match[1]
    if not metadata.categories or not metadata.tags:
        categories, tags = page_catstags(tree, attributes)
        metadata.categories = metadata.categories or categories
        metadata.tags = metadata.tags or tags
    metadata.clean_and_trim()
    return metadata
