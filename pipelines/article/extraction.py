"""Article extraction: an HTML page in, the article's text and metadata out.

This is the code a worker process runs for every fetched page (``pipelines/extract.py``)
and the code behind ``python -m crawler extract``. It is plain Python, with no Scrapy, so it
can run in a process pool and on files. trafilatura finds the article and its metadata;
wirecrawl adds the decoding, the language and the signature dedup needs, so the crawl's main
process has no heavy work left.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import lxml.etree
import lxml.html
import regex
import trafilatura
from py3langid.langid import MODEL_FILE, LanguageIdentifier
from trafilatura.json_metadata import normalize_authors
from trafilatura.xml import xmltotxt
from w3lib.encoding import html_to_unicode

from .blocks import words as template_words
from .cleaning import boilerplate_blocks, clean_body
from .containers import drop_appended_articles, drop_social_embeds, join_split_body, paragraph_words
from .lead import page_lead
from .metadata import page_metadata
from .payloads import scripted_article_html
from .signature import sign_words, split_known_lines
from .templates import (
    DRIFT_OVERLAP, confirmed, locate, main_container, misfit_reason, read_byline, template_byline, observe, overlap, page_paragraph_words, template_blocks,
)  # fmt: skip
from .titles import clean_title, host_key, letters

_WORD = regex.compile(r"\w+")
# Below this confidence the text's detected language yields to the page's own <html lang>.
_LANGUAGE_CONFIDENCE = 0.9


class ExtractionError(Exception):
    """The page has no article wirecrawl can keep; the message says why."""


_identifier: LanguageIdentifier | None = None
_identifier_lock = threading.Lock()


def _language_identifier() -> LanguageIdentifier:
    global _identifier
    if _identifier is None:
        with _identifier_lock:  # one load, whichever thread asks first
            if _identifier is None:
                _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


def load_language_model_in_background() -> None:
    """Start loading py3langid's model (0.3 s or more, mostly LZMA decompression, which releases
    the GIL) in a thread, so that a command overlaps it with its other start-up work."""
    threading.Thread(target=_language_identifier, name="wirecrawl-langid", daemon=True).start()


# Scripts written without spaces between words (Chinese, Japanese, Thai...): \w+ finds a whole
# clause in one run, so a 350-character Japanese article would count 25 "words". Their
# characters count instead, UNSPACED_CHARS_PER_WORD to a word (about the mean length of a
# Chinese or Japanese word), so NEWS_MIN_WORDS means about as much text in every script.
_UNSPACED = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]+")
UNSPACED_CHARS_PER_WORD = 2


def word_count(text: str) -> int:
    """Words of a text: runs of letters and digits, and in unspaced scripts one word for every
    ``UNSPACED_CHARS_PER_WORD`` characters (rounded up, per text)."""
    unspaced = sum(len(run) for run in _UNSPACED.findall(text))
    if not unspaced:
        return len(_WORD.findall(text))
    return len(_WORD.findall(_UNSPACED.sub(" ", text))) + -(-unspaced // UNSPACED_CHARS_PER_WORD)


# The legacy encodings news sites still serve (detection among all codecs picks DOS code pages).
WEB_ENCODINGS = (
    "cp1252", "cp1256", "iso8859_6", "cp1251", "cp1250", "iso8859_2", "iso8859_15", "cp1253", "cp1254",
    "cp1255", "koi8_r", "gb18030", "big5", "shift_jis", "euc_jp", "euc_kr",
)  # fmt: skip
_UTF8_DECLARED = re.compile(rb"charset\s*=\s*[\"']?\s*utf-?8", re.IGNORECASE)
_ANY_CHARSET_DECLARED = re.compile(rb"charset\s*=", re.IGNORECASE)


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode a page as a browser would: HTTP charset, then BOM, then <meta charset>, then detection."""
    return decode_page(body, content_type)[0]


def decode_page(body: bytes, content_type: str | None = None) -> tuple[str, str | None]:
    """``decode_html``, except for a page that says (or, saying nothing, is taken to be) UTF-8
    but is not valid UTF-8: browsers and w3lib trust the declaration and show mojibake; its real
    encoding (windows-1256, iso-8859-1...) is detected instead. Returns the text and a note for
    the errors table (None if nothing was wrong).
    """
    head = body[:4096]
    declared_in_header = bool(content_type and _ANY_CHARSET_DECLARED.search(content_type.encode("latin-1")))
    declared = content_type.encode("latin-1") if declared_in_header and content_type else head
    if not _ANY_CHARSET_DECLARED.search(declared) or _UTF8_DECLARED.search(declared):
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            from charset_normalizer import from_bytes

            best = from_bytes(body, cp_isolation=list(WEB_ENCODINGS)).best()
            if best is not None and best.encoding not in ("utf_8", "ascii"):
                said = "declares UTF-8" if _ANY_CHARSET_DECLARED.search(declared) else "declares no charset"
                return str(best), f"page encoding: {said} but is not valid UTF-8; read as {best.encoding}"
    _encoding, text = html_to_unicode(content_type, body)
    return text, None


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


# htmldate keeps the time of day when the format asks for it (a date alone comes back at midnight).
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
# No opportunistic text search: as accurate on the shared corpus (249 of 258 days right either
# way), and it spares pages where dateparser spends seconds trying every locale.
_DATE_PARAMS = {"extensive_search": False, "original_date": True, "outputformat": _DATE_FORMAT}
# Compiled once: tree.xpath("...") compiles its expression again on every page.
# This one scans the whole page: run only where its source says dateModified at all.
_MODIFIED_MICRODATA = lxml.etree.XPath("//*[@itemprop='dateModified'][not(self::meta)]/@datetime", smart_strings=False)
_LOCALE_META = lxml.etree.XPath("//meta[@property='og:locale']/@content", smart_strings=False)
_JSON_LD_MODIFIED = regex.compile(r'"dateModified"\s*:\s*"([^"]{8,40})"')
_JSON_LD_PUBLISHER = regex.compile(r'"publisher"\s*:\s*\{[^{}]*?"name"\s*:\s*"([^"]{2,80})"')
# "By Sara", "Par Sara", "Von Sara", "Text: Sara": the words a byline puts before names.
_BYLINE_PREFIX = regex.compile(
    r"^(?:by|par|von|por|di|door|av|af|de|da|written by|text|texte|text von|autor|autorin|author|"
    r"reportage|bericht|from|بقلم|كتب|كتبت|إعداد)\b[\s:]*", regex.I
)
# "Anna Roth and Jan Berg", "Trine og Tôrtia": one string naming two people.
_NAME_JOIN = regex.compile(r"\s+(?:and|und|et|y|e|og|och|en|i|a|ve|&)\s+", regex.I)
# Words a page puts where a name should be: roles, not people.
_NOT_NAMES = frozenset((
    "journalist", "journalistin", "reporter", "redaktion", "redaction", "rédaction", "editor", "staff",
    "autor", "autorin", "author", "admin", "administrator", "editorial", "redakce", "redacción", "redazione",
))


def _is_outlet(value: str, names: list[str], host: str) -> bool:
    """Whether ``value`` names the outlet (its site name, publisher, or host) rather than a person."""
    key = letters(value)
    if len(key) < 2:
        return False
    if host and (key == host or key.removeprefix("www") == host or (len(key) >= 4 and key in host)):
        return True
    return any(name and (key == name or (len(key) >= 4 and len(name) >= 4 and (key in name or name in key)))
               for name in names)


def clean_authors(authors: list[str], site_names: list[str], url: str | None) -> list[str]:
    """People's names: no "By" prefix, one name per entry, no role posing as a name, and no outlet
    name (site, publisher, host) beside a person's name; an outlet named alone is kept, as the byline."""
    names = [letters(name) for name in site_names if name]
    host = host_key(url)
    people: dict[str, str] = {}
    outlets: dict[str, str] = {}
    for author in authors:
        if "http" in author.lower():
            continue
        parts = _NAME_JOIN.split(author)
        if len(parts) < 2 or any(len(part.split()) < 2 for part in parts):
            parts = [author]
        for name in parts:
            name = " ".join(_BYLINE_PREFIX.sub("", name.strip()).split()).strip(" ,;:|-")
            if not name or name.casefold() in _NOT_NAMES:
                continue
            found = outlets if _is_outlet(name, names, host) else people
            found.setdefault(letters(name), name)  # "Sophie Foster" and its slug "Sophie-Foster" are one
    return list((people or outlets).values())


def iso_date(value: str | None) -> str | None:
    """htmldate's "2024-04-28T15:19:00+0200" as ISO 8601; a date found without its time stays a date."""
    if not value:
        return None
    try:
        parsed = datetime.strptime(value, _DATE_FORMAT) if "T" in value else None
    except ValueError:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
    if parsed is None:
        return value
    if parsed.tzinfo is None and (parsed.hour, parsed.minute, parsed.second) == (0, 0, 0):
        return parsed.date().isoformat()
    return parsed.isoformat()


@dataclass
class PageTags:
    """The page's ``<meta>`` and ``<h1>`` elements and its JSON-LD scripts, in document order,
    gathered in one pass over the tree: a search of the whole tree for each (``//meta[...]``)
    costs about 0.3 ms on a news page, and the extraction made five of them."""

    metas: list[Any]
    json_ld: list[str]
    h1s: list[Any]

    @classmethod
    def of(cls, tree: lxml.html.HtmlElement) -> PageTags:
        metas, json_ld, h1s = [], [], []
        for element in tree.iter("meta", "script", "h1"):
            if element.tag == "meta":
                metas.append(element)
            elif element.tag == "h1":
                h1s.append(element)
            elif element.get("type") == "application/ld+json" and element.text:
                json_ld.append(element.text)
        return cls(metas, json_ld, h1s)

    def meta_contents(
        self,
        properties: frozenset[str] = frozenset(),
        names: frozenset[str] = frozenset(),
        itemprops: frozenset[str] = frozenset(),
    ) -> list[str]:
        """The content of the metas whose property, name or itemprop is one of these."""
        return [
            content
            for meta in self.metas
            if (content := meta.get("content")) is not None
            and (meta.get("property") in properties or meta.get("name") in names or meta.get("itemprop") in itemprops)
        ]


_MODIFIED_PROPERTIES = frozenset(("article:modified_time", "og:updated_time"))
_MODIFIED_NAMES = frozenset(("last-modified", "dcterms.modified"))
_MODIFIED_ITEMPROPS = frozenset(("dateModified",))
_PUBLISHER_PROPERTIES = frozenset(("og:site_name",))
_PUBLISHER_NAMES = frozenset(("publisher",))


def _parse_when(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def modified_date(
    tree: lxml.html.HtmlElement, published: str | None, source: str | None = None, page_tags: PageTags | None = None
) -> str | None:
    """When the page says it was last changed (meta, microdata or JSON-LD), if not before it was
    published. ``source``, the page's HTML, spares the microdata and JSON-LD searches on pages
    that never write dateModified; ``page_tags``, the page's ``PageTags`` if already gathered."""
    page_tags = page_tags or PageTags.of(tree)
    candidates = page_tags.meta_contents(_MODIFIED_PROPERTIES, _MODIFIED_NAMES, _MODIFIED_ITEMPROPS)
    maybe_elsewhere = source is None or "dateModified" in source
    if maybe_elsewhere:
        candidates += _MODIFIED_MICRODATA(tree)
    if not candidates and maybe_elsewhere:
        for script in page_tags.json_ld:
            candidates += _JSON_LD_MODIFIED.findall(script)
    first = _parse_when(published) if published else None
    for candidate in candidates:
        when = _parse_when(candidate)
        if when is None:
            continue
        if first is not None and (when.tzinfo is None) == (first.tzinfo is None) and when < first:
            continue
        return when.isoformat()
    return None


def _publisher_names(page_tags: PageTags) -> list[str]:
    names = page_tags.meta_contents(_PUBLISHER_PROPERTIES, _PUBLISHER_NAMES)
    for script in page_tags.json_ld:
        names += _JSON_LD_PUBLISHER.findall(script)
    return names


# A headline has a few words; a shorter <h1> is a logo or a section's name.
HEADLINE_MIN_WORDS = 4


def page_headlines(page_tags: PageTags, limit: int = 3) -> list[str]:
    """The page's first ``<h1>`` headlines: the title as the reader sees it, which may differ
    from the ``<title>`` and ``og:title`` written for search engines and social networks."""
    headlines = []
    for element in page_tags.h1s:
        text = " ".join(element.text_content().split())
        if len(text.split()) >= HEADLINE_MIN_WORDS:
            headlines.append(text)
            if len(headlines) == limit:
                break
    return headlines


def _page_language(tree: lxml.html.HtmlElement) -> str | None:
    lang = tree.get("lang") or tree.get("xml:lang")
    if not lang:
        locale = _LOCALE_META(tree)
        lang = locale[0] if locale else None
    if not lang:
        return None
    primary = lang.strip().replace("_", "-").split("-")[0].lower()
    return primary if 2 <= len(primary) <= 3 and primary.isalpha() else None


def _site_name(name: str | None, url: str | None) -> str | None:
    """The outlet's name, or None where trafilatura could only fall back to the URL's host."""
    if not name or (url and name.lower().removeprefix("www.") == urlsplit(url).netloc.lower().removeprefix("www.")):
        return None
    return name


def detect_language(text: str, declared: str | None = None) -> str | None:
    """The text's language (ISO 639-1); the page's declaration wins when detection is unsure."""
    if text.strip():
        # 1,000 characters name the language of every page of the shared corpus (so do 600), at a
        # quarter of the cost of 4,000.
        language, confidence = _language_identifier().classify(text[:1000])
        if confidence >= _LANGUAGE_CONFIDENCE or not declared:
            return language
    return declared


def article_text(
    document: Any, authors: list[str], labels: list[str], title: str | None = None, headlines: Sequence[str] = ()
) -> str:
    """trafilatura's body without in-container boilerplate (``pipelines/article/cleaning.py``), as text.

    The rules work on the structured body, so headings are known from paragraphs; the text is
    rendered again only when a block was removed, with trafilatura's own serializer.
    """
    body = document.body
    if body is not None and clean_body(body, title or document.title, authors, labels, headlines):
        cleaned = xmltotxt(body, False).strip()
        if cleaned:
            return cleaned
    return document.text.strip()


# trafilatura checks every page's result against readability's and jusText's (its fallback),
# about 6 ms a page, a fifth of its time. On the shared corpus the check changed the result on
# 9 pages of 258, always where its own extractor had kept much less than the page's paragraphs
# hold, or on pages that hardly use <p>. So it runs only there: where the page's <p> elements
# hold fewer than FALLBACK_MIN_PARAGRAPH_WORDS words (nothing to judge by), or where the text
# found without it has fewer words than FALLBACK_SHARE of theirs (then the page is read again,
# with it: 8% of the corpus).
FALLBACK_MIN_PARAGRAPH_WORDS = 100
FALLBACK_SHARE = 0.6


def extract_body(tree: lxml.html.HtmlElement, url: str | None = None) -> Any:
    """trafilatura's ``bare_extraction`` of the article, with its fallback only where it can help."""
    page_words = paragraph_words(tree)
    if page_words >= FALLBACK_MIN_PARAGRAPH_WORDS:
        document = trafilatura.bare_extraction(tree, url=url, include_comments=False, with_metadata=False, fast=True)
        if document is not None and len((document.text or "").split()) >= FALLBACK_SHARE * page_words:
            return document
    return trafilatura.bare_extraction(tree, url=url, include_comments=False, with_metadata=False)


# Below this many words the page's markup is not taken for the whole article: its scripts may
# carry the body (pipelines/article/payloads.py). Short news items (briefs) have more.
SCRIPTED_BODY_BELOW_WORDS = 40


def _too_short(document: Any) -> bool:
    return document is None or len((document.text or "").split()) < SCRIPTED_BODY_BELOW_WORDS


def _scripted_body(html: str, url: str | None) -> Any:
    """The article read from the page's script payload, if it has one with more text."""
    scripted = scripted_article_html(html)
    tree = trafilatura.utils.load_html(scripted) if scripted else None
    if tree is None:
        return None
    document = extract_body(tree, url)
    return None if _too_short(document) else document


# Share of a lead's word pairs that the text already holds from which it is not put back: a standfirst
# says the story again in other words; a lead that repeats half the body is the body run together.
LEAD_REPEATS_TEXT = 0.7


@dataclass
class TemplateOptions:
    """How ``extract_article`` uses a site's templates (``templates.py``): ``min_pages`` pages
    confirm one; every ``check_every``-th page a template reads is read by the generic pass too."""

    min_pages: int = 5
    check_every: int = 20


def extract_article(
    html: str | bytes,
    url: str | None = None,
    content_type: str | None = None,
    num_perm: int = 128,
    shingle_words: int = 3,
    site_boilerplate: frozenset[int] = frozenset(),
    site_templates: list[dict[str, Any]] | None = None,
    template_options: TemplateOptions | None = None,
) -> dict[str, Any]:
    """Extract one article, remove its site's known boilerplate lines, and sign it for dedup.

    Returns a dict with ``title, text, authors, published, modified, language, description,
    site_name, tags, categories, canonical_url, image, words, text_hash, shingles, minhash,
    cpu_seconds, line_keys, decoding_note, template`` (``line_keys``: the keys of the text's lines
    before the site's boilerplate was removed, for the site model to learn from;
    ``decoding_note``: why the page was not read in the encoding it declared, or None). Raises
    ``ExtractionError`` with a reason when the page holds no article text.

    ``site_templates``, the site's templates as ``SiteModel`` keeps them (None: the page is read
    on its own, as ``python -m crawler extract PAGE.html`` does): a page that fits a confirmed
    one is read from it alone; any other is read by the generic pass and observed, so the site's
    model learns from it. ``template`` then reports what happened, for ``SiteModel`` to record:
    ``{"outcome": "hit" | "checked" | "misfit" | "drift" | "generic", "index", "reason",
    "observation"}``; it is None without ``site_templates``.

    >>> article = extract_article(open("page.html", "rb").read(), url="https://example.com/a")
    >>> article["title"], article["words"]
    """
    started = time.process_time()
    decoding_note = None
    if isinstance(html, bytes):
        html, decoding_note = decode_page(html, content_type)
    if not html.strip():
        raise ExtractionError("empty page")
    tree = trafilatura.utils.load_html(html)
    if tree is None:
        raise ExtractionError("not an HTML document")
    declared_language = _page_language(tree)
    # Before trafilatura chooses the article's container (pipelines/article/containers.py); the metadata
    # is read from the mended page too, so an appended article's byline is not this one's.
    drop_appended_articles(tree)
    drop_social_embeds(tree)
    join_split_body(tree)
    page_tags = PageTags.of(tree)  # from the mended tree: an appended article's are not this one's
    report = None
    found = metadata = None
    if site_templates:
        found, report, metadata = templated_fields(
            tree, page_tags, html, url, site_templates, template_options or TemplateOptions()
        )
    if found is None:
        found = generic_fields(tree, page_tags, html, url, metadata)
        if site_templates is not None:
            report = report or {"outcome": "generic", "index": None, "reason": None}
            observed = observe(tree, found["text"], page_paragraph_words(tree), found["authors"])
            report["observation"] = observed.to_dict() if observed else None
    text = found["text"]
    # The lead (standfirst) that the theme set outside the body's container (pipelines/article/lead.py).
    lead = page_lead(tree, found["description"], text, found["title"], html, found["headlines"])
    # A description that runs the article's paragraphs together is no lead: the text has it all.
    if lead and overlap(lead, text) < LEAD_REPEATS_TEXT:
        text = f"{lead}\n{text}"
    text, keys, words = split_known_lines(text, site_boilerplate)
    if not text.strip():
        raise ExtractionError("nothing left but this site's known boilerplate")
    text = text.strip()  # only blank space at the ends: the tokens stay the same
    signature = sign_words(words, num_perm=num_perm, shingle_words=shingle_words)
    published = found["published"]
    return {
        "title": found["title"],
        "text": text,
        "authors": found["authors"],
        "published": published,
        "modified": modified_date(tree, published, html, page_tags),
        "language": detect_language(text, declared_language),
        "description": found["description"],
        "site_name": _site_name(found["sitename"], url),
        "tags": found["tags"],
        "categories": found["categories"],
        "canonical_url": found["url"],
        "image": found["image"],
        "words": word_count(text),
        "text_hash": signature.text_hash,
        "shingles": signature.shingles,
        "minhash": signature.to_bytes(),
        "line_keys": keys,
        "decoding_note": decoding_note,
        "template": report,
        "cpu_seconds": time.process_time() - started,
    }


_PUBLISHED_PROPERTIES = frozenset(("article:published_time", "og:published_time", "article:published"))
_PUBLISHED_NAMES = frozenset(("pubdate", "publishdate", "publish-date", "date", "dc.date.issued", "dcterms.created"))
_PUBLISHED_ITEMPROPS = frozenset(("datePublished",))
_JSON_LD_PUBLISHED = regex.compile(r'"datePublished"\s*:\s*"([^"]{8,40})"')


def meta_published(page_tags: PageTags) -> str | None:
    """The publication time the page's metas or JSON-LD state, in htmldate's format; None if none."""
    candidates = page_tags.meta_contents(_PUBLISHED_PROPERTIES, _PUBLISHED_NAMES, _PUBLISHED_ITEMPROPS)
    for script in page_tags.json_ld:
        candidates += _JSON_LD_PUBLISHED.findall(script)
    for candidate in candidates:
        when = _parse_when(candidate)
        if when is not None and 1990 <= when.year <= 2100:
            return when.strftime(_DATE_FORMAT) if (when.hour, when.minute, when.second) != (0, 0, 0) or when.tzinfo \
                else when.strftime("%Y-%m-%d")
    return None


def _page_fields(
    tree: lxml.html.HtmlElement, page_tags: PageTags, url: str | None, template: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The page's metadata, cleaned: title, authors, dates, labels, names (no text yet). A
    template's page skips what its pages showed to be useless or already stated."""
    if template is None:
        metadata = page_metadata(tree, url, _DATE_PARAMS)
    else:
        had_authors, pages = template.get("authors", [1, 1])
        byline = template_byline(template)
        metadata = page_metadata(
            tree, url, _DATE_PARAMS, search_body_author=not byline and had_authors > 0.2 * pages,
            date=meta_published(page_tags),
        )  # fmt: skip
        if byline and not metadata.author:
            shown = read_byline(tree, byline)
            metadata.author = normalize_authors(None, shown) if shown else None
    site_names = [metadata.sitename or "", *_publisher_names(page_tags)]
    headlines = page_headlines(page_tags)
    return {
        "title": clean_title(metadata.title, site_names, url, headlines),
        "authors": clean_authors(_split_list(metadata.author, ";"), site_names, url),
        "published": iso_date(metadata.date),
        "tags": _split_list(metadata.tags, ","),
        "categories": _split_list(metadata.categories, ","),
        "headlines": headlines,
        "description": metadata.description,
        "sitename": metadata.sitename,
        "url": metadata.url,
        "image": metadata.image,
    }


def generic_fields(
    tree: lxml.html.HtmlElement, page_tags: PageTags, html: str, url: str | None, fields: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The generic pass: trafilatura finds the article, the first-page rules clean it. ``fields``:
    the page's metadata if a template's attempt has read it already."""
    # trafilatura works on a copy of the tree; the metadata is read from the original after.
    document = extract_body(tree, url)
    if _too_short(document):
        document = _scripted_body(html, url) or document
    if document is None or not (document.text or "").strip():
        raise ExtractionError("no article text found on the page")
    found = dict(fields) if fields else _page_fields(tree, page_tags, url)
    document.title = found["title"]
    found["text"] = article_text(
        document, found["authors"], found["categories"] + found["tags"], found["title"], found["headlines"]
    )
    return found


def templated_fields(
    tree: lxml.html.HtmlElement,
    page_tags: PageTags,
    html: str,
    url: str | None,
    site_templates: list[dict[str, Any]],
    options: TemplateOptions,
) -> tuple[dict[str, Any] | None, dict[str, Any], dict[str, Any] | None]:
    """The page read by the first of the site's confirmed templates that finds its container,
    and the report for ``SiteModel.record``; no fields when the page is a misfit, the generic
    pass's when a check found the template drifted. Third, the page's metadata where a misfit's
    attempt read it, for the generic pass to reuse."""
    report: dict[str, Any] = {"outcome": "generic", "index": None, "reason": None}
    for index, template in enumerate(site_templates):
        if not confirmed(template, site_templates, options.min_pages):
            continue
        report.update(outcome="misfit", reason="no template finds its container")
        containers = locate(tree, template)
        if not containers:
            continue
        report["index"] = index
        container = main_container(containers)
        if container is None:
            report["reason"] = f"{len(containers)} containers"
            return None, report, None
        if any("LiveBlogPosting" in script for script in page_tags.json_ld):
            report["reason"] = "live blog"
            return None, report, None
        found = _page_fields(tree, page_tags, url, template)
        blocks = template_blocks(container, template)
        labels = found["categories"] + found["tags"]
        drop = boilerplate_blocks([(block.kind, block.text) for block in blocks], found["title"],
                                  found["authors"], labels, found["headlines"])
        text = "\n".join(block.text for number, block in enumerate(blocks) if number not in drop)
        reason = misfit_reason(template, len(template_words(text)), page_paragraph_words(tree)) if text else "no text"
        if reason:
            report["reason"] = reason
            return None, report, found
        found["text"] = text
        report.update(outcome="hit", reason=None)
        if options.check_every and (template["hits"] + 1) % options.check_every == 0:
            generic = generic_fields(tree, page_tags, html, url, found)
            agreement = min(overlap(text, generic["text"]), overlap(generic["text"], text))
            report["outcome"] = "checked" if agreement >= DRIFT_OVERLAP else "drift"
            observed = observe(tree, generic["text"], page_paragraph_words(tree), generic["authors"])
            report["observation"] = observed.to_dict() if observed else None
            if report["outcome"] == "drift":
                report["reason"] = f"the generic pass kept other text (overlap {agreement:.2f})"
                return generic, report, None
        return found, report, None
    return None, report, None
