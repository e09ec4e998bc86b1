"""Site templates: where a site's article sits on its pages, learned from the pages seen so far.

A news site prints every article in one template (or a few: article, opinion, video...). After
the generic pass (trafilatura and the first-page rules, ``extraction.py``) has read a page,
``observe`` finds the element that holds the text it kept, the *container*, and notes:

- its **chain**: the container's tag, classes and id, and those of its three ancestors
  (numbers made alike, so ``post-1234`` and ``post-1250`` are one class);
- for each kind of block inside it (its **key**: the shape of the elements between the block and
  the container, ``div.share/p``), whether the generic pass kept it or dropped it;
- how many words the text had, and what share of the page's paragraph words that was.

``SiteModel.learn`` merges observations whose chains agree into one template: a class that a
page lacks is dropped from the template's chain, so what stays is what every page of it has.
A template seen on ``NEWS_TEMPLATE_MIN_PAGES`` pages is *confirmed*. From then on a page of the
site whose container the template finds, exactly once, is read from the template alone
(``template_text``): the container's blocks, minus the kinds of block the generic pass dropped
on most pages, minus the first-page rules' metadata lines and end markers. No trafilatura pass.

A page is a **misfit**, and goes to the generic pass (whose observation teaches the model, so a
redesign becomes a new template), when the container is missing or found twice, when the
template's text has far less of the page's paragraph words than it had on its confirming pages
(the article sits elsewhere), when it has several times more words than any page the template
saw, or when the page says it is a live blog. Every ``NEWS_TEMPLATE_CHECK_EVERY``-th page a
template reads is also read by the generic pass; when the two texts disagree, the template has
drifted: it is forgotten and learned again.

Everything here is plain data (dicts and lists), so a site's templates travel to a worker
process with its page and are stored as JSON (``storage/site_templates.py``).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import lxml.html
from lxml import etree

from .blocks import BLOCK_TAGS, Block, element_tokens, text_blocks, words

# Elements whose own text the container search weighs.
LEAF_TAGS = tuple(BLOCK_TAGS) + ("div", "td", "section", "article", "span", "font")
# Ancestors above the container that a template names.
CHAIN_DEPTH = 4
# Share of the kept text's words that the container must hold.
CONTAINER_SHARE = 0.85
# A kind of block kept by the generic pass on under this share of the pages it appeared on is
# boilerplate (seen at least BLOCK_MIN_SEEN times); one it kept on more is article.
BLOCK_KEEP_SHARE = 0.5
BLOCK_MIN_SEEN = 2
# A block whose text is mostly links is a teaser or a menu, unless the site's pages kept it.
LINK_SHARE = 0.6
# Misfits: under this share of the template's usual share of the page's paragraph words, or
# over this many times the most words it ever held.
MISFIT_PARAGRAPH_SHARE = 0.5
MISFIT_WORDS_FACTOR = 4.0
# The template's text and the generic pass's, compared on a check: below this overlap, drift.
DRIFT_OVERLAP = 0.6
# A template must account for this share of its site's generic pages to be confirmed.
CONFIRMED_SHARE = 0.4
# A byline is a short element.
BYLINE_MAX_CHARS = 120
# Of several elements of the template's shape, the article's holds this share of their text.
MAIN_CONTAINER_SHARE = 0.8
TEMPLATES_PER_SITE = 4
MAX_BLOCK_KEYS = 300
RECENT = 20  # recent word counts and paragraph shares kept per template


_PARAGRAPH_TEXT = etree.XPath(".//p//text()", smart_strings=False)


def page_paragraph_words(tree: lxml.html.HtmlElement) -> int:
    """Words in the page's ``<p>`` elements, counted as ``blocks.words`` counts them (a Han or kana
    character is a word), so a template's share of them means the same in every script."""
    return len(words(" ".join(_PARAGRAPH_TEXT(tree))))


def _bigrams(tokens: Sequence[str]) -> set[tuple[str, str]]:
    return set(zip(tokens, tokens[1:])) if len(tokens) > 1 else {(token, "") for token in tokens}


def overlap(text: str, other: str) -> float:
    """Share of ``text``'s word pairs found in ``other``."""
    mine = _bigrams(words(text))
    return len(mine & _bigrams(words(other))) / len(mine) if mine else 1.0


def _chain(container: lxml.html.HtmlElement) -> list[list[Any]]:
    """The container's shape and its ancestors', up to CHAIN_DEPTH; a chain that reaches the
    page's <body> ends with ``["body", []]``, so it names one place even without classes."""
    chain = []
    element: lxml.html.HtmlElement | None = container
    while element is not None and len(chain) < CHAIN_DEPTH:
        if element.tag in ("body", "html"):
            chain.append(["body", []])
            break
        chain.append([str(element.tag), element_tokens(element)])
        element = element.getparent()
    return chain


@dataclass
class Observation:
    """What the generic pass showed of one page's template."""

    chain: list[list[Any]]
    blocks: dict[str, bool]  # block key -> kept (a key kept on a page once counts as kept)
    words: int
    paragraph_share: float
    authors: bool  # the generic pass found a byline
    byline: str | None = None  # where the page shows it (byline_shape)

    def to_dict(self) -> dict[str, Any]:
        return {
            "chain": self.chain, "blocks": self.blocks, "words": self.words,
            "paragraph_share": self.paragraph_share, "authors": self.authors, "byline": self.byline,
        }  # fmt: skip


def _leaf_blocks(tree: lxml.html.HtmlElement) -> Iterable[tuple[lxml.html.HtmlElement, str]]:
    """Every element's own text, cheaply: a block element's whole text, a container's loose text."""
    for element in tree.iter(*LEAF_TAGS):
        if element.tag in BLOCK_TAGS:
            text = element.text_content()
        else:
            text = (element.text or "") + "".join(child.tail or "" for child in element)
        if text.strip():
            yield element, text


def observe(
    tree: lxml.html.HtmlElement, text: str, paragraph_words: int, authors: Sequence[str] = ()
) -> Observation | None:
    """The template of a page the generic pass read as ``text``; None if no one element holds it."""
    text_pairs = _bigrams(words(text))
    weight: dict[lxml.html.HtmlElement, int] = {}
    depth: dict[lxml.html.HtmlElement, int] = {}
    total = 0
    for element, own_text in _leaf_blocks(tree):
        tokens = words(own_text)
        pairs = _bigrams(tokens)
        if not pairs or len(pairs & text_pairs) < 0.6 * len(pairs):
            continue
        total += len(tokens)
        chain = [element, *element.iterancestors()]
        for level, ancestor in enumerate(reversed(chain)):
            weight[ancestor] = weight.get(ancestor, 0) + len(tokens)
            depth[ancestor] = level
    if not total:
        return None
    container = max((e for e, size in weight.items() if size >= CONTAINER_SHARE * total), key=lambda e: depth[e])
    if container.tag in BLOCK_TAGS and container.getparent() is not None:
        container = container.getparent()
    if container.tag in ("body", "html"):
        return None
    inside: dict[str, bool] = {}
    for block in text_blocks(container):
        pairs = _bigrams(words(block.text))
        keep = bool(pairs) and len(pairs & text_pairs) >= 0.6 * len(pairs)
        inside[block.key] = inside.get(block.key, False) or keep
    count = len(words(text))
    share = min(1.0, count / paragraph_words) if paragraph_words else 1.0
    return Observation(_chain(container), inside, count, round(share, 3), bool(authors), byline_shape(tree, authors))


def byline_shape(tree: lxml.html.HtmlElement, authors: Sequence[str]) -> str | None:
    """Where the page shows its first author's name: the shape (tag, classes, id) of the
    nearest element around it that has a class or id, and its parent's, as one string."""
    name = " ".join(authors[0].split()).casefold() if authors else ""
    if len(name) < 3:
        return None
    first = name.split()[0]
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag in ("script", "style", "title", "head", "meta"):
            continue
        if element.text and first in element.text.casefold():
            shown = " ".join(element.text_content().split()).casefold()
            if name not in shown or len(shown) > BYLINE_MAX_CHARS:
                continue
            node = element
            for _ in range(2):
                parent = node.getparent()
                if element_tokens(node) or parent is None or len(parent.text_content()) > BYLINE_MAX_CHARS:
                    break
                node = parent
            parent = node.getparent()
            shapes = [[str(node.tag), element_tokens(node)], [str(parent.tag), element_tokens(parent)] if parent is not None else None]
            return json.dumps(shapes)
    return None


def read_byline(tree: lxml.html.HtmlElement, shape: str) -> str | None:
    """The text of the first element of the learned byline shape, or None."""
    (tag, tokens), parent_shape = json.loads(shape)
    wanted = set(tokens)
    for element in tree.iter(tag):
        if wanted and not wanted <= set(element_tokens(element)):
            continue
        parent = element.getparent()
        if parent_shape and (parent is None or parent.tag != parent_shape[0]
                             or not set(parent_shape[1]) <= set(element_tokens(parent))):
            continue
        text = " ".join(element.text_content().split())
        if 2 < len(text) <= BYLINE_MAX_CHARS:
            return text
    return None


def _chain_agrees(template_chain: list[list[Any]], chain: list[list[Any]]) -> bool:
    if len(template_chain) != len(chain):
        return False
    for (tag, tokens), (other_tag, other_tokens) in zip(template_chain, chain):
        if tag != other_tag or not set(tokens) <= set(other_tokens):
            return False
    # The container itself must share a class or id, or have none on either side.
    return bool(set(template_chain[0][1]) & set(chain[0][1])) or not (template_chain[0][1] or chain[0][1])


def confirmed(template: dict[str, Any], templates: Sequence[dict[str, Any]], min_pages: int) -> bool:
    """Whether a template reads pages alone: seen on ``min_pages`` pages, on CONFIRMED_SHARE of
    the site's pages that the generic pass read (a site whose pages the generic pass reads in
    ever other containers has no template it can trust), and naming a place."""
    observed = sum(t["pages"] for t in templates)
    return (
        template["pages"] >= min_pages and template["pages"] >= CONFIRMED_SHARE * observed and distinctive(template["chain"])
    )


def distinctive(chain: list[list[Any]]) -> bool:
    """A chain of bare <div>s would fit any page: a template needs a class or an id somewhere,
    or a path from the page's <body>."""
    return chain[-1][0] == "body" or any(tokens for _tag, tokens in chain)


@dataclass
class SiteModel:
    """One site's templates, as plain data; ``learn`` and ``record`` change it in place."""

    templates: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_json(cls, templates: Iterable[dict[str, Any]] | None) -> SiteModel:
        return cls([dict(template) for template in templates or ()])


    def learn(self, observation: dict[str, Any]) -> str:
        """Merge one page's observation; returns "learned" (a known template), "new" or "relearned"."""
        chain = observation["chain"]
        for template in self.templates:
            if template["chain"] and (_chain_agrees(template["chain"], chain) or _chain_agrees(chain, template["chain"])):
                template["chain"] = [
                    [tag, sorted(set(tokens) & set(other))] for (tag, tokens), (_t, other) in zip(template["chain"], chain)
                ]
                break
        else:
            template = {"chain": chain, "pages": 0, "hits": 0, "misfits": 0, "blocks": {}, "words": [], "shares": [],
                        "authors": [0, 0]}  # fmt: skip
            self.templates.append(template)
        outcome = "relearned" if template.get("drifted") else ("new" if not template["pages"] else "learned")
        template.pop("drifted", None)
        template["pages"] += 1
        counts = template["blocks"]
        for key, kept in observation["blocks"].items():
            seen_kept = counts.setdefault(key, [0, 0])
            seen_kept[0] += int(kept)
            seen_kept[1] += 1
        if len(counts) > MAX_BLOCK_KEYS:  # keep the kinds seen most often
            template["blocks"] = dict(sorted(counts.items(), key=lambda kv: -kv[1][1])[:MAX_BLOCK_KEYS])
        had_authors, pages = template.setdefault("authors", [0, 0])
        template["authors"] = [had_authors + int(observation.get("authors", False)), pages + 1]
        if observation.get("byline"):
            bylines = template.setdefault("bylines", {})
            bylines[observation["byline"]] = bylines.get(observation["byline"], 0) + 1
        template["words"] = [*template["words"], observation["words"]][-RECENT:]
        template["shares"] = [*template["shares"], observation["paragraph_share"]][-RECENT:]
        self._prune()
        return outcome

    def _prune(self) -> None:
        if len(self.templates) > TEMPLATES_PER_SITE:
            # The least used goes: a one-page layout, or the template before a redesign.
            self.templates.sort(key=lambda t: -(t["pages"] + t["hits"]))
            del self.templates[TEMPLATES_PER_SITE:]

    def apply(self, report: dict[str, Any] | None) -> list[str]:
        """Take in what ``extract_article`` reported of a page; returns what happened, for the
        crawl's stats: "hit", "checked", "misfit", "drift", then "new", "learned" or "relearned"
        when the generic pass's observation was learned."""
        if not report:
            return []
        happened = [report["outcome"]] if report["outcome"] != "generic" else []
        self.record(report["outcome"], report.get("index"))
        if report.get("observation"):
            happened.append(self.learn(report["observation"]))
        return happened

    def record(self, outcome: str, index: int | None) -> None:
        """A template page's fate: "hit", "misfit" or "drift" (the template is learned again)."""
        if index is None or index >= len(self.templates):
            return
        template = self.templates[index]
        if outcome in ("hit", "checked"):
            template["hits"] += 1
        elif outcome == "misfit":
            template["misfits"] += 1
        elif outcome == "drift":
            template.update(pages=0, blocks={}, words=[], shares=[], authors=[0, 0], bylines={}, drifted=True)


def _matches(element: lxml.html.HtmlElement, chain: list[list[Any]]) -> bool:
    node: lxml.html.HtmlElement | None = element
    for tag, tokens in chain:
        if tag == "body" and node is not None and node.tag in ("body", "html"):
            return True
        if node is None or node.tag != tag or (tokens and not set(tokens) <= set(element_tokens(node))):
            return False
        node = node.getparent()
    return True


def locate(tree: lxml.html.HtmlElement, template: dict[str, Any]) -> list[lxml.html.HtmlElement]:
    """The elements of ``tree`` that the template's chain names, outermost only."""
    chain = template["chain"]
    tag, tokens = chain[0]
    wanted = set(tokens)
    found = []
    for element in tree.iter(tag):
        if wanted and not wanted <= set(element_tokens(element)):
            continue
        if _matches(element, chain) and not any(parent in found for parent in element.iterancestors()):
            found.append(element)
    return found


def template_byline(template: dict[str, Any]) -> str | None:
    """The byline shape most of the template's pages with an author showed, if any."""
    bylines = template.get("bylines") or {}
    if not bylines:
        return None
    shape, count = max(bylines.items(), key=lambda kv: kv[1])
    return shape if count >= 0.5 * template.get("authors", [0, 0])[0] else None


def main_container(containers: list[lxml.html.HtmlElement]) -> lxml.html.HtmlElement | None:
    """Of several elements the chain names (a post and its comments in one shape), the one
    holding MAIN_CONTAINER_SHARE of their text; None when no one does (a list of teasers)."""
    if len(containers) == 1:
        return containers[0]
    sizes = [len(element.text_content()) for element in containers]
    largest = max(range(len(containers)), key=sizes.__getitem__)
    return containers[largest] if sizes[largest] >= MAIN_CONTAINER_SHARE * sum(sizes) else None


def template_blocks(container: lxml.html.HtmlElement, template: dict[str, Any]) -> list[Block]:
    """The container's blocks the template keeps: what the generic pass kept on most pages."""
    counts = template["blocks"]
    kept = []
    for block in text_blocks(container):
        kept_seen = counts.get(block.key)
        if kept_seen and kept_seen[1] >= BLOCK_MIN_SEEN:
            if kept_seen[0] < BLOCK_KEEP_SHARE * kept_seen[1]:
                continue
        elif block.kind == "caption" or block.links >= LINK_SHARE * len(block.text):
            continue  # a kind of block the template never saw: keep only what reads as text
        kept.append(block)
    return kept


def misfit_reason(template: dict[str, Any], word_count: int, paragraph_words: int) -> str | None:
    """Why a page the template located is not one of its pages, or None when it fits."""
    shares, counts = template["shares"], template["words"]
    if paragraph_words and shares:
        share = word_count / paragraph_words
        if share < MISFIT_PARAGRAPH_SHARE * statistics.median(shares):
            return "text elsewhere"
    if counts and word_count > MISFIT_WORDS_FACTOR * max(counts):
        return "much longer"
    return None
