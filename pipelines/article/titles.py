"""The article's headline: the page's title without what the site wraps around it.

Pages title themselves "Headline | Site", "Site | Headline", "Opinion | Headline",
"Headline - Site - 28.04.2023" or "見出し：サイト", and show the headline alone in their
``<h1>``. A headline also holds separators of its own: French puts a place before " : " every
day ("Irak : Retour de 2.000 militaires syriens", "Gaza : ..."), English writes
"Paris - Berlin: the night train is back". So a part of the title is cut only when it is
known not to be the headline:

- it names the outlet: it is the site's name (``og:site_name``, the JSON-LD publisher) or its
  host, give or take a domain ending ("Stern.de" for "Stern"), never a longer phrase that
  merely contains the name ("The Valley Times readers' choice" stays);
- it is a date, a byline ("by Lee Sample") or a section label ("Opinion", "Editorial",
  "Meinung", "رأي"...), at the start or at the end;
- or the page's ``<h1>`` headline is the title without it: the title is that headline with
  parts added at separators (" | ", " - ", " – "...), which the ``<h1>`` shows were not it.

Only separators with blank space on both sides split a title (a colon only after a section
label), so "Irak : Retour..." is never cut to "Irak", nor its site name taken from the rest.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from urllib.parse import urlsplit

import lxml.html
import regex
from trafilatura.metadata import extract_title

# Separators a site puts between the headline and its name, a date or a section.
_SEPARATOR = regex.compile(r"\s+[|\-–—·*•/~»]\s+|\s*[｜]\s*|\s+::\s+")
# The last part after a separator: "Headline | Site", "Headline - Site", "見出し：サイト".
_TITLE_TAIL = regex.compile(r"(?:\s+[|\-–—·*•~»]\s+|\s*[｜：]\s*|\s+::\s+)([^|\-–—·*•~»｜：]+)$")
# The first part before a separator: "Site | Headline", "Opinion | Headline", "Opinion: Headline".
_TITLE_HEAD = regex.compile(r"^([^|\-–—·*•~»｜:：]+?)(?:\s+[|\-–—·*•~»]\s+|\s*[｜：]\s*|\s+::\s+|\s*:\s+)")
_TITLE_DATE = regex.compile(r"^\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}$")
_BYLINE = regex.compile(r"^(?:by|par|von|por|di|door|av|af|written by|autor|author|بقلم|كتب)\s", regex.I)
# A part of a title that is a domain name: "Globalnews.ca", "n-tv.de", "Tageblatt.lu".
_DOMAIN = regex.compile(r"^(?:www\.)?[\w-]+(?:\.[\w-]+)*\.\p{L}{2,6}$")
# Section labels that sites print before or after the headline of an opinion piece, a live page
# or a video, in the languages wirecrawl reads.
SECTION_LABELS: frozenset[str] = frozenset((
    # en
    "opinion", "opinions", "editorial", "editorials", "comment", "commentary", "column", "columns",
    "analysis", "op-ed", "oped", "letters", "live", "live updates", "video", "videos", "podcast", "interview",
    "review", "explainer", "breaking", "breaking news", "exclusive", "guest essay", "perspective",
    # fr
    "tribune", "chronique", "editorial", "edito", "analyse", "point de vue", "decryptage", "entretien", "en direct",
    "direct", "reportage", "enquete", "billet", "grand format", "temoignage",
    # de
    "meinung", "kommentar", "leitartikel", "gastbeitrag", "kolumne", "analyse", "liveblog", "live-ticker",
    "ticker", "newsblog", "interview",
    # es, it, pt, nl
    "opinion", "tribuna", "analisis", "columna", "en vivo", "en directo", "editoriale", "commento", "opiniao",
    "editoriaal", "commentaar",
    # el, pl, ru
    "γνωμη", "αποψη", "αρθρο γνωμης", "σχολιο", "opinia", "komentarz", "felieton", "publicystyka",
    "мнение", "колонка", "комментарий", "аналитика", "блог", "видео", "онлайн",
    # ar
    "راي", "مقالات", "مقال", "افتتاحيه", "تحليل", "مقال راي", "فيديو", "مباشر",
    # zh, ja
    "观点", "評論", "评论", "社论", "社論", "专栏", "專欄", "视频", "直播", "社説", "論説", "解説", "コラム", "動画", "速報",
))
_COMBINING = regex.compile(r"\p{Mn}+")
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})
# Below this many letters, what is left is not a headline: the cut is not made.
_MIN_HEADLINE_LETTERS = 8
# Extra letters a name may carry and still be the outlet: a domain ending ("Stern.de", "BBC.co.uk").
_DOMAIN_ENDING_LETTERS = 4


def letters(text: str | None) -> str:
    """Only the letters and digits, casefolded and without accents: "Seznam Zprávy" -> "seznamzpravy"."""
    folded = unicodedata.normalize("NFKD", (text or "").casefold())
    return "".join(ch for ch in folded if ch.isalnum() and not unicodedata.combining(ch))


def host_key(url: str | None) -> str:
    host = urlsplit(url).netloc.lower().removeprefix("www.") if url else ""
    return letters(host)


def _label_key(text: str) -> str:
    folded = _COMBINING.sub("", unicodedata.normalize("NFKD", text.casefold())).translate(_ARABIC_FOLD)
    return " ".join(regex.sub(r"[^\w\s-]", " ", folded).split())


def is_section_label(text: str) -> bool:
    return _label_key(text) in SECTION_LABELS


def names_the_outlet(part: str, names: Sequence[str], host: str) -> bool:
    """Whether a part of a title is the outlet's name or host (letters only, see ``letters``),
    allowing a domain ending and no more: an ending that merely contains the name is not it."""
    key = letters(part)
    if len(key) < 2:
        return False
    for name in (*names, host, host.removeprefix("www")):
        if not name:
            continue
        if key == name:
            return True
        longer, shorter = (key, name) if len(key) > len(name) else (name, key)
        # "Stern.de" for "Stern", "Tagesschau" for tagesschau.de, "Globalnews.ca" for globalnews.ca.
        if len(shorter) >= 2 and longer.startswith(shorter) and len(longer) - len(shorter) <= _DOMAIN_ENDING_LETTERS:
            return True
        # The host's name without its ending: "DW" for dw.com, "Tagesschau" for tagesschau.de.
        if name == host and len(key) >= 2 and host.startswith(key) and len(host) - len(key) <= 6:
            return True
    return False


def _strips(part: str, names: Sequence[str], host: str) -> bool:
    part = part.strip()
    return (
        names_the_outlet(part, names, host)
        or bool(_TITLE_DATE.match(part))
        or bool(_BYLINE.match(part)) and len(part.split()) <= 4
        or is_section_label(part)
    )


def _confirmed_by_headline(title: str, headlines: Sequence[str], names: Sequence[str], host: str) -> str | None:
    """The ``<h1>`` headline when the title is it with parts added at separators, or with a
    "Site | Slogan:" prefix before it."""
    folded_title = " ".join(title.casefold().split())
    separators = list(_SEPARATOR.finditer(title))
    starts = [0] + [match.end() for match in separators]
    ends = [match.start() for match in separators] + [len(title)]
    for headline in headlines:
        wanted = " ".join(headline.casefold().split())
        if not wanted or wanted == folded_title:
            continue
        for first in range(len(starts)):
            for last in range(first, len(ends)):
                if (first, last) != (0, len(ends) - 1) and title[starts[first]:ends[last]].casefold() == wanted:
                    return headline
        # "Site | Slogan: Headline": what comes before the headline starts with the outlet's name.
        if folded_title.endswith(wanted):
            before = title[: len(title) - len(headline.strip())]
            first = _SEPARATOR.split(before.strip())[0]
            if before.rstrip().endswith((":", "：", "|", "-", "–", "—")) and names_the_outlet(first, names, host):
                return headline
    return None


def clean_title(
    title: str | None, site_names: Sequence[str], url: str | None, headlines: Sequence[str] = ()
) -> str | None:
    """The headline without the site's name, dates, bylines and section labels around it; the
    page's ``<h1>`` headline where the title is that headline with parts added."""
    if not title:
        return title
    names = [letters(name) for name in site_names if name]
    host = host_key(url)
    title = " ".join(title.split())
    confirmed = _confirmed_by_headline(title, headlines, names, host)
    if confirmed:
        return " ".join(confirmed.split())
    while True:
        tail = _TITLE_TAIL.search(title)
        if tail and len(letters(title[: tail.start()])) >= _MIN_HEADLINE_LETTERS and _strips(tail.group(1), names, host):
            title = title[: tail.start()].strip()
            continue
        head = _TITLE_HEAD.match(title)
        if (
            head
            and len(letters(title[head.end():])) >= _MIN_HEADLINE_LETTERS
            # a colon ends a section label ("Opinion: ..."), never a place ("Irak : ...") or a site
            and (is_section_label(head.group(1)) or not head.group(0).rstrip().endswith(":")
                 and _strips(head.group(1), names, host))
        ):
            title = title[head.end():].strip()
            continue
        return title


def title_element_text(tree: lxml.html.HtmlElement) -> str | None:
    element = tree.find(".//head//title")
    text = " ".join(element.text_content().split()) if element is not None else ""
    return text or None


def fallback_title(tree: lxml.html.HtmlElement) -> str | None:
    """The title of a page whose meta tags and JSON-LD give none: its one ``<h1>``, else its
    whole ``<title>`` (``clean_title`` then cuts the site's name from it), else trafilatura's
    headings. trafilatura's own order takes the first part of a ``<title>`` split at " : ", and
    before it any heading whose class says "title" (a related-posts box's)."""
    h1s = tree.findall(".//h1")
    if len(h1s) == 1:
        text = " ".join(h1s[0].text_content().split())
        if text:
            return text
    return title_element_text(tree) or extract_title(tree)


def site_name_from_title(tree: lxml.html.HtmlElement) -> str | None:
    """A part of the ``<title>`` that is a domain name ("... | Globalnews.ca"), where the page
    names its site nowhere else. trafilatura takes any part with a dot in it, which is the
    headline itself when it holds a figure ("Retour de 2.000 militaires...")."""
    title = title_element_text(tree)
    if not title:
        return None
    parts = [part.strip() for part in _SEPARATOR.split(title)]
    return next((part for part in parts[1:] + parts[:1] if len(parts) > 1 and _DOMAIN.match(part)), None)
