"""First-page rules that strip in-container boilerplate from trafilatura's article body.

trafilatura finds the article container well, but page-builder themes put more than the
article inside it: the headline again, "par Sara", the category, breadcrumbs, a tag line,
"Cela pourrait vous intéresser" with three teasers, a comment form, share bars and
newsletter prompts. Those survive extraction and then pollute dedup signatures (two copies
of one dispatch on one site share the same related-posts block) and the stored text.

These rules need nothing learned from the site, so they work on the first page of a site
never seen before. They run on trafilatura's structured body (``<p>``, ``<head>``,
``<list>``... children), so a heading is known from a paragraph, and they use the metadata
trafilatura already extracted (title, authors, categories, tags): a line that only repeats
metadata is metadata. Each rule is conservative on purpose: a marker cuts the rest of the
page only when it stands alone and less text follows it than precedes it; in the middle of
the body it removes its own line (and the teaser title it introduces), never a paragraph
that merely contains a word like "comment".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

import regex
from lxml import etree

# Scripts written without spaces count one word per character, so length rules hold for them too.
_WORD = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]|\w+")
_SPACE = regex.compile(r"\s+")
_PUNCT = regex.compile(r"[\p{P}\p{S}]+")
_EDGE_PUNCT = regex.compile(r"^[\p{P}\p{S}\s]+|[\p{P}\p{S}\s]+$")
# Combining marks (accents, Arabic vowel marks): one regex pass, not a Python loop per character.
_COMBINING = regex.compile(r"\p{Mn}+")
_ARABIC_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه", "\u0640": None})


# The rules ask about one block several times (marker? metadata? teaser?); normalize it once.
@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """Casefolded text without accents, Arabic vowel marks or edge punctuation.

    Markers are written once, accent-free; pages write "À lire aussi", "A LIRE AUSSI :" or
    "اقرأ أيضاً" and must all match.
    """
    text = _COMBINING.sub("", unicodedata.normalize("NFKD", text.casefold())).translate(_ARABIC_FOLD)
    return _SPACE.sub(" ", _EDGE_PUNCT.sub("", text)).strip()


def _words(text: str) -> list[str]:
    return _WORD.findall(normalize(text))


# Headers that open the end-of-article block: related posts, comments, share bars,
# newsletters, most-read lists. A block made of one of these alone is a marker.
END_MARKERS: frozenset[str] = frozenset(normalize(m) for m in (
    # fr
    "Cela pourrait vous intéresser", "Vous aimerez aussi", "Vous pourriez aussi aimer", "À lire aussi",
    "À lire également", "Lire aussi", "Lire la suite", "Sur le même sujet", "Dans la même rubrique",
    "Articles similaires", "Articles liés", "Laisser un commentaire", "Laissez un commentaire", "Commentaires",
    "Réagir", "Partager", "Partager cet article", "Partagez cet article", "Inscrivez-vous à notre newsletter",
    "Les plus lus", "Dernières infos", "Dernières actualités", "À voir aussi", "Mots-clés",
    # en
    "Related", "Related stories", "Related articles", "Related posts", "Related topics", "Related content",
    "Related news", "Read more", "Read also", "Also read", "See also", "More on this story", "More stories",
    "You may also like", "You might also like", "Recommended", "Recommended for you", "Most read",
    "Most popular", "Leave a comment", "Leave a reply", "Comments", "Join the conversation", "Share",
    "Share this", "Share this article", "Share this story", "Sign up for our newsletter", "Topics", "Tags",
    "More to explore", "What to read next", "Join our commenting forum", "Recommended videos", "Popular",
    "Trending", "Latest", "Latest news",
    # de
    "Lesen Sie auch", "Lesen Sie mehr", "Auch interessant", "Das könnte Sie auch interessieren",
    "Das könnte Sie interessieren", "Mehr zum Thema", "Weitere Artikel", "Ähnliche Artikel", "Ähnliche",
    "Verwandte Artikel", "Kommentare", "Kommentar abgeben", "Artikel teilen", "Teilen", "Meistgelesen",
    "Meistgelesene Artikel", "Weiterführende Links", "Unsere Empfehlungen", "Schlagwörter", "Themen",
    # es
    "Te puede interesar", "También te puede interesar", "Le puede interesar", "Noticias relacionadas",
    "Noticia relacionada", "Artículos relacionados", "Lee también", "Lea también", "Leer más",
    "Lo más leído", "Deja un comentario", "Dejar un comentario", "Comentarios", "Compartir",
    "Comparte esta noticia", "Suscríbete a nuestro boletín", "Más noticias", "Etiquetas", "Temas",
    # it, pt, nl
    "Leggi anche", "Potrebbe interessarti", "Ti potrebbe interessare", "Articoli correlati",
    "Notizie correlate", "Lascia un commento", "Commenti", "Condividi", "I più letti",
    "Leia também", "Leia mais", "Veja também", "Você pode gostar", "Notícias relacionadas",
    "Deixe um comentário", "Compartilhe", "Mais lidas", "Lees ook", "Lees meer", "Gerelateerde artikelen",
    "Laat een reactie achter", "Reacties", "Deel dit artikel", "Meest gelezen",
    # ar
    "اقرأ أيضا", "اقرأ كذلك", "اقرأ المزيد", "أخبار ذات صلة", "مواضيع ذات صلة", "مقالات ذات صلة", "ذات صلة",
    "أضف تعليقا", "أضف تعليق", "اترك تعليقا", "التعليقات", "شارك", "شارك المقال", "الأكثر قراءة",
    "آخر الأخبار", "الوسوم", "اشترك في النشرة البريدية",
    # nordic, pl
    "Les også", "Les mer", "Läs också", "Läs mer", "Læs også", "Czytaj więcej", "Czytaj także", "Zobacz także",
    # ja, zh, ko
    "関連記事", "関連ニュース", "あわせて読みたい", "相关新闻", "相关阅读", "相關新聞", "관련기사", "관련 기사",
))
# Japanese paywalls open their end block with a sentence, not a header: "この記事は会員限定です。"
# (this article is for members), "続きは有料会員になると読めます" (members read the rest).
_PAYWALL_MARKER = regex.compile(r"^(?:この記事は|この記事の続きは|続きは).{0,24}(?:会員|有料|購読|登録)")

# Markers that introduce a teaser inside the body: "Lire aussi : <title>", "Read more: <title>".
_INLINE: tuple[str, ...] = tuple(
    normalize(m) for m in (
        "Lire aussi", "À lire aussi", "À lire également", "Voir aussi", "Read more", "Read also", "Also read",
        "See also", "Lesen Sie auch", "Lesen Sie mehr", "Mehr zum Thema", "Auch interessant",
        "Zum Artikel", "Lee también", "Lea también", "Leer más", "Te puede interesar", "Noticia relacionada",
        "Leggi anche", "Leia também", "Leia mais", "Veja também", "Lees ook", "Les også", "Läs också",
        "Læs også", "Czytaj więcej", "Czytaj także", "اقرأ أيضا", "اقرأ كذلك", "اقرأ المزيد",
    )
)
# One-word markers are common words, so they need a separator: "MORE: <title>", "Related | <title>".
_ONE_WORD_TEASER = regex.compile(r"^\W*(?:more|related|see|also)\s*[:|»]", regex.I)
_ARROWS = regex.compile(r"^\s*(?:>>|→|►|▶)")

# Lines that end an article page: copyright, agency credits, subscription and newsletter prompts.
_CREDIT = regex.compile(
    r"©|\bcopyright\b|all rights reserved|tous droits reserves|alle rechte vorbehalten|todos los derechos"
    r"|tutti i diritti|جميع الحقوق|with files from|reporting by|additional reporting|contributed to this"
    r"|\bsign up\b|subscribe|newsletter|abonn|suscrib|inscrivez|follow us|suivez-nous|folgen sie uns"
    r"|il vous reste|reservee aux abonnes|our standards|click here|hier klicken|mit agenturmaterial"
    r"|有料会員|会員限定|会員登録|定期購読|유료 ?회원|구독하|订阅|訂閱"
    r"|^(?:quelle|source|fuente|fonte|bron|kilde|kalla|المصدر)\s*:|^mit \w+$|\(\w{2,5}\)$"
)
_BYLINE = regex.compile(
    r"^(?:by|par|von|por|di|door|av|af|from|written by|text|texte|text von|بقلم|كتب|كتبت|إعداد)\b", regex.I
)
_DATE_WORDS = regex.compile(
    r"\b(?:updated|published|posted|publie|mis a jour|aktualisiert|veroffentlicht|stand|actualizado|publicado"
    r"|lesedauer|min read|minutes? read|temps de lecture|تاريخ النشر|تم التحديث|نشر في)\b"
)
_DATE = regex.compile(r"\b\d{1,4}[./\-]\d{1,2}(?:[./\-]\d{2,4})?\b|\b\d{1,2}:\d{2}\b|\b(?:19|20)\d{2}\b")
_LIST_SPLIT = regex.compile(r"\s*[|•·/>»›]\s*|\s+-\s+")
_TAG_PREFIX = regex.compile(
    r"^(?:tags?|topics|themen|schlagworter|mots-cles|etiquetas|temas|argomenti|etiketler|الوسوم|وسوم)\s*:"
)
_BODY_WORDS = 12
_SENTENCE_END = regex.compile(r"[.!?…؟。]['\"»”’)]*$")


# "More from The Nation", "Mehr aus Berlin": a marker followed by a site or section name.
_MARKER_PREFIX = regex.compile(
    r"^(?:more from|more in|mehr aus|mehr von|plus de|mas de|altro da|mais de|meer van|المزيد من)\b"
)
# Lines that are never article text wherever they stand: ad labels and embed placeholders.
NOISE_LINES: frozenset[str] = frozenset(normalize(m) for m in (
    "Advertisement", "Anzeige", "Werbung", "Publicité", "Publicidad", "Pubblicità", "Publicidade", "Reklame",
    "Annonse", "Advertentie", "إعلان", "Story continues below advertisement", "Article continues below",
    "Continue reading below", "Scroll to continue", "Externer Inhalt nicht verfügbar",
    "Ein Klick für den Datenschutz", "Link zum YouTube-Inhalt", "Empfohlener externer Inhalt",
))


# Placeholders for embeds a reader has not consented to, and privacy prompts: never article text.
_CONSENT = regex.compile(
    r"externe[nrs]? inhalt|external content|third[- ]party content|contenu externe|contenido externo"
    r"|contenuto esterno|privatsphare-einstellung|datenschutz-einstellung|privacy settings|cookie settings"
    r"|cookie-einstellung|parametres (?:de )?cookies|consentement|ihre einwilligung|ich bin damit einverstanden"
    r"|to view this content|enable javascript|javascript (?:aktivieren|activer)|aktiviere bitte|bitte aktivieren"
)
# Photo and graphic credits: "STR/AFP via Getty Images", "Foto: Jane Roe", "Bild: dpa", "ZDFheute Infografik".
_PHOTO_CREDIT = regex.compile(
    r"^(?:fotos?|photos?|bild(?:er)?|image|picture|credit|credits|photo credit|kuva|zdroj|bildquelle|grafik"
    r"|illustration|video)\s*:"
    r"|(?:getty ?images|via getty|shutterstock|imago(?: images)?|picture[- ]alliance|\bap photo|reuters/|/reuters"
    r"|afp/|/afp|dpa/|/dpa|epa/|/epa|keystone|anadolu|istock(?:photo)?|alamy)\s*$"
    r"|\binfografik$|\binfographic$"
)
# A teaser list item: "Kicker: Headline" (a short lead-in, a colon, a headline).
_KICKER = regex.compile(r"^[^:.!?]{2,45}:\s+\S")


def _is_teaser_list(tag: str, raw: str) -> bool:
    """A list of links to other articles: every item a short headline, most with a "Kicker: " lead."""
    if tag != "list":
        return False
    items = [" ".join(item.split()) for item in raw.split("\n") if item.strip()]
    if len(items) < 2 or any(len(_WORD.findall(item)) > 20 or item.endswith(".") for item in items):
        return False
    return sum(bool(_KICKER.match(item)) for item in items) >= 0.6 * len(items)


def _is_insert(text: str, size: int) -> bool:
    """A consent placeholder or a photo credit, wherever it stands."""
    if size > 80:
        return False
    folded = normalize(text)
    return bool(_CONSENT.search(folded)) or size <= 10 and bool(_PHOTO_CREDIT.search(folded))


def _is_marker(text: str) -> bool:
    if len(text) > 120:  # markers are short; long paragraphs skip the Unicode folding
        return False
    folded = normalize(text)
    return (
        folded in END_MARKERS
        or (len(folded.split()) <= 6 and bool(_MARKER_PREFIX.match(folded)))
        or bool(_PAYWALL_MARKER.match(text.strip()))
    )


def _inline_teaser(text: str) -> bool:
    """ "Lire aussi : <title>", "Read more: <title>", ">> Hier finden Sie..." as a short block."""
    if len(text) > 300 or len(_words(text)) > 30:
        return False
    if _ARROWS.match(text) or _ONE_WORD_TEASER.match(text):
        return True
    folded = " ".join(_PUNCT.sub(" ", normalize(text)).split())
    return any(folded.startswith(marker + " ") for marker in _INLINE)


def _is_list_line(text: str) -> bool:
    """A tag or breadcrumb line: "Irak | Syrie | Assad", "Accueil > Monde > Moyen-Orient"."""
    folded = normalize(text)
    if _TAG_PREFIX.match(folded):
        return len(_words(text)) <= 40
    parts = [p for p in _LIST_SPLIT.split(text.strip()) if p.strip()]
    return len(parts) >= 3 and all(len(_words(p)) <= 4 for p in parts) and not _SENTENCE_END.search(text)


def _is_title(text: str, title_words: Sequence[set[str]]) -> bool:
    words = set(_words(text))
    if not words:
        return False
    for title in title_words:
        if not title:
            continue
        shared = len(words & title)
        if shared / len(words) >= 0.8 or (shared / len(title) >= 0.8 and len(words) <= len(title) + 8):
            return True
    return False


def _is_byline(text: str, authors: Iterable[str]) -> bool:
    words = _words(text)
    if not words or len(words) > 10:
        return False
    if _BYLINE.match(normalize(text)) and not _SENTENCE_END.search(text):
        return True
    names = {w for author in authors for w in _words(author)}
    return bool(names) and sum(w in names for w in words) / len(words) >= 0.6


def _is_date_line(text: str) -> bool:
    words = _words(text)
    if not 0 < len(words) <= 12 or _SENTENCE_END.search(text):
        return False
    return bool(_DATE_WORDS.search(normalize(text))) or (len(words) <= 8 and bool(_DATE.search(text)))


def _is_label(text: str, labels: set[str]) -> bool:
    """A category, kicker or section label: "France", "World", "Article content"."""
    folded = normalize(text)
    if folded in labels:
        return True
    return 0 < len(folded.split()) <= 3 and not _SENTENCE_END.search(text)


def _is_body(text: str, size: int) -> bool:
    """A sentence-ending paragraph; teaser excerpts end with an ellipsis and come one at a time."""
    return size >= _BODY_WORDS and not text.rstrip().endswith(("…", "...")) and bool(_SENTENCE_END.search(text))


def _metadata_line(text: str, title_words: Sequence[set[str]], authors: Sequence[str], labels: set[str]) -> bool:
    return (
        _is_title(text, title_words)
        or _is_byline(text, authors)
        or _is_date_line(text)
        or _is_list_line(text)
        or _is_label(text, labels)
    )


def _title_variants(title: str | None, headlines: Sequence[str] = ()) -> list[set[str]]:
    """The title, and its longest part when it carries " | Site" or " - Site"; and the page's
    headlines, which may differ from the title given to search engines."""
    variants = []
    for text in (title, *headlines):
        if not text:
            continue
        parts = [p for p in regex.split(r"\s+[|\-–—:]\s+", text) if p.strip()]
        longest = max(parts, key=len) if parts else text
        variants += [set(_words(text)), set(_words(longest))]
    return variants


def boilerplate_blocks(
    blocks: Sequence[tuple[str, str]],
    title: str | None = None,
    authors: Sequence[str] = (),
    labels: Iterable[str] = (),
    headlines: Sequence[str] = (),
) -> set[int]:
    """Indices of the ``(tag, text)`` blocks a reader would not call the article.

    ``labels`` are categories and tags: a line equal to one of them is metadata. ``headlines``:
    the page's own headlines (its ``<h1>``), repeated lines as the title is.
    """
    n = len(blocks)
    title_words = _title_variants(title, headlines)
    label_set = {normalize(label) for label in labels if label}
    texts = [" ".join(text.split()) for _tag, text in blocks]
    sizes = [len(_WORD.findall(text)) for text in texts]
    drop: set[int] = set()

    # 1. Leading metadata: title again, breadcrumbs, byline, category, date, until the first body line.
    for i, text in enumerate(texts[: min(n, 8)]):
        if not text or _metadata_line(text, title_words, authors, label_set):
            drop.add(i)
        else:
            break

    # 2. The end block: the first stand-alone marker with less text after it than before it, and
    #    only teasers, labels and form lines after it (a real paragraph after it means the marker
    #    was a mid-body insert, handled in step 4).
    total = sum(sizes)
    before = 0
    cut = n
    for i, text in enumerate(texts):
        if (
            i not in drop
            and _is_marker(text)
            and 0 < total - before - sizes[i] <= before
            and not any(_is_body(texts[j], sizes[j]) and _is_body(texts[j + 1], sizes[j + 1]) for j in range(i + 1, n - 1))
        ):
            cut = i
            break
        before += sizes[i]
    drop.update(range(cut, n))

    # 3. Trailing metadata and credits, from the end up to the last body line.
    for i in range(cut - 1, -1, -1):
        text = texts[i]
        if i in drop:
            continue
        if not text or sizes[i] <= 40 and (
            _metadata_line(text, title_words, authors, label_set)
            or _CREDIT.search(normalize(text))
            or _inline_teaser(text)
        ):
            drop.add(i)
        else:
            break

    # 4. Inserts in the middle: "Lire aussi : <title>" lines, a lone marker and the teaser it heads.
    for i, text in enumerate(texts):
        if i in drop:
            continue
        if (
            _inline_teaser(text)
            or len(text) <= 80 and normalize(text) in NOISE_LINES
            or _is_insert(text, sizes[i])
            or _is_teaser_list(blocks[i][0], blocks[i][1])
        ):
            drop.add(i)
        elif _is_marker(text):
            drop.add(i)
            follower = i + 1
            if follower < n and (
                blocks[follower][0] == "list" or sizes[follower] <= 20 and not _SENTENCE_END.search(texts[follower])
            ):
                drop.add(follower)
    return drop


def clean_body(
    body: etree._Element,
    title: str | None = None,
    authors: Sequence[str] = (),
    labels: Iterable[str] = (),
    headlines: Sequence[str] = (),
) -> int:
    """Remove boilerplate children from trafilatura's ``<body>`` in place; returns how many."""
    children = list(body)
    blocks = [
        (child.tag, "\n".join("".join(item.itertext()) for item in child.iter("item")) if child.tag == "list"
         else "".join(child.itertext()))
        for child in children
    ]
    drop = boilerplate_blocks(blocks, title, authors, labels, headlines)
    if len(drop) == len(children):  # never empty a page: keep trafilatura's answer
        return 0
    for i in sorted(drop, reverse=True):
        child = children[i]
        parent = child.getparent()
        if parent is not None:
            # Keep the tail text trafilatura may have hung on the element.
            if child.tail and child.tail.strip():
                previous = child.getprevious()
                if previous is not None:
                    previous.tail = (previous.tail or "") + child.tail
                else:
                    parent.text = (parent.text or "") + child.tail
            parent.remove(child)
    return len(drop)
