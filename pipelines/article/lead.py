"""The article's lead: the summary under the headline that themes set outside the body.

Most news pages open with a lead (standfirst, chapô, Vorspann): a sentence or two under the
headline that belongs to the article as the reader sees it. Themes often put it next to the
headline, outside the container that holds the paragraphs, so trafilatura leaves it out; on
the shared corpus, it was missing on 95 of the 202 pages whose reference has one.

The page says which text it is: its description (``<meta name="description">``,
``og:description``), which sites fill with the lead. ``page_lead`` returns the text of the page
element that shows that description (its start, so a description cut short still finds the
whole lead), or None where the description is not shown on the page, is already in the text,
or the element holds much more than a lead (a whole article that starts the same way).
"""

from __future__ import annotations

from collections.abc import Sequence

import lxml.etree
import lxml.html
import regex

_WORD = regex.compile(r"\w+")
# The description's first words are looked for as the start of an element's own text.
PREFIX_WORDS = 6
# A lead is a few sentences; an element with more words than this is something else.
LEAD_MAX_WORDS = 120
# Where the description is cut short, the element must still hold most of it.
MIN_SHARED = 0.8

# Not the lead: navigation, teasers and links to other pages, captions, the headline itself, code,
# and what the page hides.
_NOT_THE_LEAD = lxml.etree.XPath(
    "ancestor-or-self::*[self::nav or self::footer or self::aside or self::figcaption or self::form or self::a"
    " or self::h1 or self::script or self::style or self::noscript or self::template or self::textarea"
    " or @hidden or @aria-hidden='true']"
)
_HEADLINES_BEFORE = lxml.etree.XPath("preceding::h1")
# The elements with a text node holding the needle (their own text or a child's tail).
_HOLDING = lxml.etree.XPath("//body//text()[contains(., $needle)]/..")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _starts_alike(words: list[str], wanted: list[str]) -> bool:
    common = min(len(words), PREFIX_WORDS)
    return common > 0 and words[:common] == wanted[:common]


def _after_the_headline(element: lxml.html.HtmlElement, headlines: Sequence[str]) -> bool:
    """A lead stands under the headline: on a page with headlines (its <h1> of a few words),
    text above them (a site's slogan in its banner) is not one."""
    if not headlines:
        return True
    return any(" ".join(h1.text_content().split()) in headlines for h1 in _HEADLINES_BEFORE(element))


def page_lead(
    tree: lxml.html.HtmlElement,
    description: str | None,
    text: str,
    title: str | None = None,
    html: str | None = None,
    headlines: Sequence[str] = (),
) -> str | None:
    """The lead the page shows for ``description``, if ``text`` (the article so far) lacks it.

    A description that is the title again (some sites fill it so) gives no lead. ``html``, the
    page's source, if at hand: a page whose body never has the description's words is not
    searched (the search costs about a millisecond). ``headlines``: the page's ``<h1>``
    headlines (``extraction.page_headlines``), which the lead must follow."""
    wanted = _words(description or "")
    if len(wanted) < PREFIX_WORDS:
        return None
    if title and len(set(wanted) - set(_words(title))) < (1 - MIN_SHARED) * len(set(wanted)):
        return None
    have = " ".join(_words(text))
    if " ".join(wanted[: PREFIX_WORDS * 2]) in have:
        return None
    # The rarest-looking of the first words, as written: XPath's contains() is exact.
    needle = max(_WORD.findall(description or "")[:PREFIX_WORDS], key=len)
    if html is not None and html.find(needle, max(html.find("<body"), 0)) < 0:
        return None
    for element in _HOLDING(tree, needle=needle):
        if _NOT_THE_LEAD(element):
            continue
        # The lead may be spread over inline children (<p><strong>...</strong> ...</p>): climb
        # while the ancestors start the same way and stay lead-sized.
        best = None
        node = element
        while node is not None and node.tag != "body":
            words = _words(node.text_content())
            if not _starts_alike(words, wanted) or len(words) > LEAD_MAX_WORDS:
                break
            if len(words) >= PREFIX_WORDS:
                best = node
            node = node.getparent()
        if best is None or not _after_the_headline(best, headlines):
            continue
        shown = " ".join(best.text_content().split())
        words = _words(shown)
        if len(set(wanted) & set(words)) < MIN_SHARED * len(set(wanted)):
            continue
        if " ".join(words) in have:
            return None
        return shown
    return None
