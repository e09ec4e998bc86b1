"""A page's text blocks as a reader sees them, each with the element it came from.

The site templates (``templates.py``) learn and extract with these: the paragraphs, headings,
list items, quotes and loose text lines of an element's subtree, in document order, without
the markup a reader never sees as text (scripts, forms, navigation, hidden elements). A block
also carries its *key*, the shape of the elements above it (tag, stable classes and id) up to
the element the walk started from, which is what recurs from page to page of one template
while the words change.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import lxml.html
import regex

# Elements whose text is one block of the article.
BLOCK_TAGS = frozenset(("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "dd", "dt", "figcaption"))
# Elements that hold blocks (or loose text) of their own.
CONTAINER_TAGS = frozenset((
    "div", "section", "article", "main", "td", "th", "tr", "tbody", "table", "ul", "ol", "dl", "span", "font", "center",
    "header", "body", "html", "em", "strong", "b", "i",
))  # fmt: skip
# Never text a reader takes for the article.
SKIP_TAGS = frozenset((
    "script", "style", "noscript", "form", "button", "select", "textarea", "input", "nav", "iframe", "svg",
    "object", "embed", "video", "audio", "canvas", "template", "head", "title", "meta", "link",
))  # fmt: skip
# trafilatura's names for block kinds, which the first-page cleaning rules (cleaning.py) read.
KIND = {"h1": "head", "h2": "head", "h3": "head", "h4": "head", "h5": "head", "h6": "head", "li": "item",
        "blockquote": "quote", "pre": "code", "dd": "item", "dt": "item"}  # fmt: skip

_DIGITS = regex.compile(r"\d+")
_SPACE = regex.compile(r"\s+")
_WORD = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}]|\w+")
# A class or id this long or with this many digits is made per page (a hash, a post number).
_MAX_TOKEN = 32
KEY_DEPTH = 3


@dataclass
class Block:
    element: lxml.html.HtmlElement  # the block's element (for loose text: the element holding it)
    text: str
    kind: str  # "p", "head", "item", "quote", "code", "caption"
    key: str  # the shape of its element and the ones above it, up to the walk's root
    links: int  # characters of the text inside links


def element_tokens(element: lxml.html.HtmlElement) -> list[str]:
    """The element's id and classes, with numbers made alike: ``[".entry", "#post-0"]``."""
    classes = element.get("class")
    identifier = element.get("id")
    if not classes and not identifier:
        return []
    tokens = []
    for value in ((classes or "").split()):
        if len(value) <= _MAX_TOKEN:
            tokens.append("." + _DIGITS.sub("0", value.lower()))
    if identifier and len(identifier) <= _MAX_TOKEN:
        tokens.append("#" + _DIGITS.sub("0", identifier.lower()))
    return sorted(set(tokens))


def element_shape(element: lxml.html.HtmlElement) -> str:
    return str(element.tag) + "".join(element_tokens(element))


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _hidden(element: lxml.html.HtmlElement) -> bool:
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    style = element.get("style")
    return bool(style) and ("display:none" in style.replace(" ", "") or "visibility:hidden" in style.replace(" ", ""))


def _text(pieces: list[str]) -> str:
    return _SPACE.sub(" ", "".join(pieces)).strip()


def _flat_text(element: lxml.html.HtmlElement) -> tuple[str, int]:
    """An inline element's text without what a reader never sees, and how much of it is links."""
    pieces: list[str] = []
    link_chars = 0

    def walk(node: lxml.html.HtmlElement, in_link: bool) -> None:
        nonlocal link_chars
        tag = node.tag
        if not isinstance(tag, str):  # comments, processing instructions
            if node.tail:
                pieces.append(node.tail)
            return
        if tag in SKIP_TAGS or _hidden(node):
            return
        in_link = in_link or tag == "a"
        if tag == "br":
            pieces.append(" ")
        if node.text:
            pieces.append(node.text)
            if in_link:
                link_chars += len(node.text.strip())
        for child in node:
            walk(child, in_link)
            if child.tail:
                pieces.append(child.tail)
                if in_link:
                    link_chars += len(child.tail.strip())

    walk(element, False)
    return _text(pieces), link_chars


def _has_blocks(element: lxml.html.HtmlElement) -> bool:
    return any(isinstance(child.tag, str) and (child.tag in BLOCK_TAGS or child.tag in CONTAINER_TAGS - {
        "span", "font", "em", "strong", "b", "i"}) for child in element.iterdescendants())


def text_blocks(root: lxml.html.HtmlElement) -> Iterator[Block]:
    """The blocks of ``root``'s subtree in document order; keys are relative to ``root``."""
    yield from _walk(root, (), root)


def _walk(element: lxml.html.HtmlElement, shape: tuple[str, ...], root: lxml.html.HtmlElement) -> Iterator[Block]:
    key = "/".join(shape[-KEY_DEPTH:])
    loose: list[str] = []
    loose_links = 0

    def flush() -> Iterator[Block]:
        nonlocal loose, loose_links
        text = _text(loose)
        if text:
            yield Block(element, text, "p", key + "/~" if key else "~", loose_links)
        loose, loose_links = [], 0

    if element.text:
        loose.append(element.text)
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or tag in SKIP_TAGS or _hidden(child):
            if child.tail:
                loose.append(child.tail)
            continue
        child_shape = (*shape, element_shape(child))
        if tag == "br":
            yield from flush()
        elif tag in BLOCK_TAGS and not (tag in ("li", "dd", "blockquote") and _has_blocks(child)):
            yield from flush()
            text, links = _flat_text(child)
            if text:
                kind = "caption" if tag == "figcaption" else KIND.get(tag, "p")
                yield Block(child, text, kind, "/".join(child_shape[-KEY_DEPTH:]), links)
        elif tag in CONTAINER_TAGS or tag in BLOCK_TAGS or tag == "figure" or tag == "aside" or tag == "footer":
            if tag in ("span", "font", "em", "strong", "b", "i") and not _has_blocks(child):
                text, links = _flat_text(child)  # inline: part of the loose line
                loose.append(text)
                loose_links += links
            else:
                yield from flush()
                yield from _walk(child, child_shape, root)
        else:  # a, img and other inline elements
            text, links = _flat_text(child)
            loose.append(text)
            loose_links += links if tag != "a" else len(text)
        if child.tail:
            loose.append(child.tail)
    yield from flush()
