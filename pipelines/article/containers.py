"""Mend the article's container before trafilatura picks it.

trafilatura takes the first element that looks like an article body and extracts from it.
Three common layouts defeat that choice, and all three are mended here, on the parsed page:

- **A body split into chunks.** Some sites (Condé Nast's, Politico Europe, Rzeczpospolita)
  cut one article's text into several sibling containers of the same class, with ads or
  newsletter boxes between them. trafilatura keeps the first chunk and loses the rest;
  ``join_split_body`` moves the later chunks' contents into the first.
- **Articles appended by infinite scroll.** Other sites (Dagbladet) append the next article,
  with its own ``<h1>``, to the page. trafilatura reads both as one;
  ``drop_appended_articles`` removes every headed ``<article>`` after the page's own.
- **Embedded social posts.** A tweet, an Instagram or TikTok post quoted in the article is
  the platform's text, with its handle and date lines, not the outlet's;
  ``drop_social_embeds`` removes the embed's ``<blockquote>`` (the article's own quotes stay).

The rules look only at the page's structure, so they work in any language.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

# trafilatura's first body expression (trafilatura/xpaths.py, BODY_XPATH[0]): the class and id
# patterns of the containers it tries first. Tested here in Python on the page's few hundred
# containers: its XPath tests them with EXSLT regular expressions, about 2.7 ms on a large
# page, against under 1 ms for this.
_BODY_CLASS = re.compile(
    r"post[-_]text|post-body|post-?entry|post[-_]?content|postContent|post_inner_wrapper|article-?text|articleText"
    r"|(?:entry|page|text|article|art)-content|article__content|article(?:-|__)?body|articleBody|ArticleContent"
    r"|body-text|article__container"
)
_BODY_ID = re.compile(r"(?:entry|article|art)-content|article__content|article(?:-|__)?body|articleBody|body-text")
_CONTAINERS = etree.XPath("//article|//div|//main|//section")  # in document order

# A chunk is joined only if its paragraphs hold this many words: a container of the same class
# that holds a caption or a teaser is not the article's text.
MIN_CHUNK_WORDS = 40


def _is_body(element: lxml.html.HtmlElement) -> bool:
    classes = element.get("class") or ""
    identifier = element.get("id") or ""
    return (
        classes in ("post", "entry")
        or element.get("itemprop") == "articleBody"
        or identifier == "articleContent"
        or bool(_BODY_CLASS.search(classes))
        or bool(identifier and _BODY_ID.search(identifier))
    )


_PARAGRAPH_TEXT = etree.XPath(".//p//text()", smart_strings=False)


def paragraph_words(element: lxml.html.HtmlElement) -> int:
    """Words in the ``<p>`` elements under ``element`` (the whole page, given its root)."""
    return len(" ".join(_PARAGRAPH_TEXT(element)).split())


def join_split_body(tree: lxml.html.HtmlElement) -> int:
    """Move the later chunks of a split article body into the first; returns how many were joined.

    The first body container (in document order) is trafilatura's choice. Its later siblings in
    spirit, the containers of the same tag and class elsewhere on the page (not inside it), are
    joined when both it and they hold at least ``MIN_CHUNK_WORDS`` words of paragraphs.
    """
    bodies = [element for element in _CONTAINERS(tree) if _is_body(element)]
    if len(bodies) < 2:
        return 0
    first = bodies[0]
    signature = (first.tag, first.get("class"), first.get("itemprop"))
    chunks = [
        element
        for element in bodies[1:]
        if (element.tag, element.get("class"), element.get("itemprop")) == signature
        and not any(ancestor is first for ancestor in element.iterancestors())
    ]
    # Only the outermost of nested look-alikes: a chunk inside another chunk moves with it.
    chunk_set = set(chunks)
    chunks = [chunk for chunk in chunks if not any(ancestor in chunk_set for ancestor in chunk.iterancestors())]
    chunks = [chunk for chunk in chunks if paragraph_words(chunk) >= MIN_CHUNK_WORDS]
    if not chunks or paragraph_words(first) < MIN_CHUNK_WORDS:
        return 0
    for chunk in chunks:
        for child in list(chunk):
            first.append(child)
    return len(chunks)


# The <blockquote> each platform's embed code puts on the page before its script replaces it.
_SOCIAL_EMBEDS = etree.XPath(
    "//blockquote[contains(@class, 'twitter-tweet') or contains(@class, 'twitter-video')"
    " or contains(@class, 'instagram-media') or contains(@class, 'tiktok-embed') or contains(@class, 'bluesky-embed')"
    " or contains(@class, 'threads-post') or contains(@class, 'reddit-embed')]"
)


def drop_social_embeds(tree: lxml.html.HtmlElement) -> int:
    """Remove embedded social-media posts; returns how many."""
    embeds = _SOCIAL_EMBEDS(tree)
    for embed in embeds:
        embed.drop_tree()
    return len(embeds)


def _words(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def _page_titles(tree: lxml.html.HtmlElement) -> list[str]:
    titles = tree.xpath("//head/title/text() | //head/meta[@property='og:title' or @name='twitter:title']/@content")
    return [_words(title) for title in titles if _words(title)]


def drop_appended_articles(tree: lxml.html.HtmlElement) -> int:
    """Remove the articles an infinite-scroll page appended after its own; returns how many.

    Applies when the page holds two or more ``<article>`` elements with an ``<h1>`` (none
    inside another), and the first one's headline is the page's title (``<title>``,
    ``og:title`` or ``twitter:title``): that one is the page's article, the others came after.
    """
    headed = [article for article in tree.iter("article") if article.find(".//h1") is not None]
    if len(headed) < 2:
        return 0
    headed_set = set(headed)
    outer = [article for article in headed if not any(ancestor in headed_set for ancestor in article.iterancestors())]
    if len(outer) < 2:
        return 0
    headline = _words(outer[0].find(".//h1").text_content())
    if not headline or not any(headline in title for title in _page_titles(tree)):
        return 0
    for article in outer[1:]:
        article.drop_tree()  # keeps the text that follows the element (its tail)
    return len(outer) - 1
