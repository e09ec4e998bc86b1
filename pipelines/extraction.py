"""Article extraction: an HTML page in, the article's text and metadata out.

This is the code a worker process runs for every fetched page (``pipelines/extract.py``)
and the code behind ``python -m crawler extract``. It is plain Python, with no Scrapy, so it
can run in a process pool and on files. trafilatura finds the article and its metadata;
wirecrawl adds the decoding, the language and the signature dedup needs, so the crawl's main
process has no heavy work left.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import lxml.html
import regex
import trafilatura
from py3langid.langid import MODEL_FILE, LanguageIdentifier
from trafilatura.xml import xmltotxt
from w3lib.encoding import html_to_unicode

from .cleaning import clean_body
from .signature import sign

_WORD = regex.compile(r"\w+")
# Below this confidence the text's detected language yields to the page's own <html lang>.
_LANGUAGE_CONFIDENCE = 0.9


class ExtractionError(Exception):
    """The page has no article wirecrawl can keep; the message says why."""


@lru_cache(maxsize=1)
def _language_identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode a page as a browser would: HTTP charset, then BOM, then <meta charset>, then detection."""
    _encoding, text = html_to_unicode(content_type, body)
    return text


def _split_list(value: str | list[str] | None, separators: str = ";,") -> list[str]:
    """A clean list from trafilatura's "a; b" strings or lists of "a,b" strings, without repeats."""
    if not value:
        return []
    parts = value if isinstance(value, list) else [value]
    found: dict[str, None] = {}
    for part in parts:
        for separator in separators[1:]:
            part = part.replace(separator, separators[0])
        for piece in part.split(separators[0]):
            if piece.strip():
                found[piece.strip()] = None
    return list(found)


def _page_language(tree: lxml.html.HtmlElement) -> str | None:
    lang = tree.get("lang") or tree.get("xml:lang")
    if not lang:
        locale = tree.xpath("//meta[@property='og:locale']/@content")
        lang = locale[0] if locale else None
    if not lang:
        return None
    primary = lang.strip().replace("_", "-").split("-")[0].lower()
    return primary if 2 <= len(primary) <= 3 and primary.isalpha() else None


def detect_language(text: str, declared: str | None = None) -> str | None:
    """The text's language (ISO 639-1); the page's declaration wins when detection is unsure."""
    if text.strip():
        language, confidence = _language_identifier().classify(text[:4000])
        if confidence >= _LANGUAGE_CONFIDENCE or not declared:
            return language
    return declared


def article_text(document: Any, authors: list[str], labels: list[str]) -> str:
    """trafilatura's body without in-container boilerplate (``pipelines/cleaning.py``), as text.

    The rules work on the structured body, so headings are known from paragraphs; the text is
    rendered again only when a block was removed, with trafilatura's own serializer.
    """
    body = document.body
    if body is not None and clean_body(body, document.title, authors, labels):
        cleaned = xmltotxt(body, False).strip()
        if cleaned:
            return cleaned
    return document.text.strip()


def extract_article(
    html: str | bytes,
    url: str | None = None,
    content_type: str | None = None,
    num_perm: int = 128,
    shingle_words: int = 5,
) -> dict[str, Any]:
    """Extract one article and sign it for dedup.

    Returns a dict with ``title, text, authors, published, language, description,
    site_name, tags, categories, canonical_url, image, words, text_hash, shingles, minhash``.
    Raises ``ExtractionError`` with a reason when the page holds no article text.

    >>> article = extract_article(open("page.html", "rb").read(), url="https://example.com/a")
    >>> article["title"], article["words"]
    """
    if isinstance(html, bytes):
        html = decode_html(html, content_type)
    if not html.strip():
        raise ExtractionError("empty page")
    tree = trafilatura.utils.load_html(html)
    if tree is None:
        raise ExtractionError("not an HTML document")
    declared_language = _page_language(tree)
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        include_comments=False,
        with_metadata=True,
        date_extraction_params={"extensive_search": True, "original_date": True},
    )
    if document is None or not (document.text or "").strip():
        raise ExtractionError("no article text found on the page")
    authors = _split_list(document.author)
    tags = _split_list(document.tags, ",")
    categories = _split_list(document.categories, ",")
    text = article_text(document, authors, categories + tags)
    signature = sign(text, num_perm=num_perm, shingle_words=shingle_words)
    return {
        "title": document.title,
        "text": text,
        "authors": authors,
        "published": document.date,
        "language": detect_language(text, declared_language),
        "description": document.description,
        "site_name": document.sitename,
        "tags": tags,
        "categories": categories,
        "canonical_url": document.url,
        "image": document.image,
        "words": len(_WORD.findall(text)),
        "text_hash": signature.text_hash,
        "shingles": signature.shingles,
        "minhash": signature.to_bytes(),
    }
