"""Language-independent evidence of what an article reports: figures, dates and names.

An agency's language services rewrite one dispatch in their own words, so two versions share
almost no words, but they keep its facts: the figures (written ``1.905`` / ``1,905`` /
``1 905`` / ``١٩٠٥``, ``2 000`` / ``2,000``, ``1,5 million`` / ``1.5 million``), the dates
(``19 déc`` / ``December 19`` / ``19 ديسمبر``) and the names of its people, places and
organisations, spelled in each language's script (``Lindi`` / ``ليندي``, ``Moscou`` / ``Moscow``).

``evidence(title, text, language)`` turns an article into a set of integer keys, the same in
every language for the same fact:

- ``number``: every figure of at least two digits (or with a fraction or a scale word), as its
  value: separators followed by exactly three digits group thousands (``1.905``, ``1,905``,
  ``1 905``), any other separator is a decimal one (``1,5``, ``1.5``); ``million``, ``bn``,
  ``مليار``... multiply. Eastern Arabic and Persian digits and the Arabic separators count as
  their Western forms.
- ``date``: a day of the month beside a month's name, in French, English or Arabic (Levantine
  and transliterated month names alike), as (month, day).
- ``name``: a consonant skeleton of each name. Latin-script names are the capitalized words not
  opening a sentence (not those of a headline in title case, which capitalizes every word); Arabic has no capitals, so every Arabic word that is not a common word is
  a possible name, without its attached article or conjunction (``والسنوار`` -> ``سنوار``).
  Both scripts are mapped to the same coarse classes of consonants (b/p, f/v, t/d, s/z, k/g/q/j,
  l, m, n, r), vowels and the letters that stand for vowels dropped, so ``Sinwar`` and
  ``السنوار``, ``Hamas`` and ``حماس`` give one skeleton. A short table of exonyms (names that
  each language says its own way: ``Pékin`` / ``Beijing`` / ``بكين``) maps them to one key.

Quotes are translated with the rest, so their words do not carry across languages; the
figures and names inside them do, through the rules above. Nothing here is downloaded or
learned: the tables are the module's own.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import regex
import xxhash

NUMBER, DATE, NAME = "n", "d", "e"
# A skeleton of one consonant class (Ali, Abu) matches too much; two (Gaza, Hamas, Muir) is a name.
MIN_SKELETON = 2

# Arabic-Indic (U+0660) and Extended (Persian, U+06F0) digits, the Arabic decimal and
# thousands separators.
_DIGITS = str.maketrans(
    {**{chr(0x660 + i): str(i) for i in range(10)}, **{chr(0x6F0 + i): str(i) for i in range(10)},
     "\u066b": ",", "\u066c": ".", "\u202f": " ", "\u00a0": " ", "\u2009": " "}
)

_SCALES = {
    "thousand": 1e3, "mille": 1e3, "ألف": 1e3, "آلاف": 1e3,
    "million": 1e6, "millions": 1e6, "mn": 1e6, "m": 1e6, "مليون": 1e6, "ملايين": 1e6,
    "billion": 1e9, "billions": 1e9, "bn": 1e9, "milliard": 1e9, "milliards": 1e9, "مليار": 1e9, "مليارات": 1e9,
    "trillion": 1e12, "tn": 1e12, "trillions": 1e12, "تريليون": 1e12,
}
# A figure: groups of three digits after a separator (thousands), then an optional decimal
# part, then an optional scale word (attached, as in 4bn, or after a space).
_FIGURE = regex.compile(
    r"(?<!\p{N}|\p{N}[.,])(\d{1,3}(?:[ .,'](?=\d{3}(?!\d))\d{3})+|\d+)(?:[.,](\d+))?"
    r"(?:\s?(" + "|".join(sorted(map(regex.escape, _SCALES), key=len, reverse=True)) + r")(?![\p{L}]))?",
)

_MONTHS = {
    1: "january jan janvier janv يناير جانفي كانون_الثاني",
    2: "february feb février fevrier févr fev فبراير فيفري شباط",
    3: "march mar mars مارس آذار",
    4: "april apr avril avr أبريل ابريل إبريل أفريل نيسان",
    5: "may mai مايو ماي أيار",
    6: "june jun juin يونيو جوان حزيران",
    7: "july jul juillet juil يوليو جويلية تموز",
    8: "august aug août aout أغسطس اغسطس أوت آب",
    9: "september sep sept septembre سبتمبر أيلول",
    10: "october oct octobre أكتوبر اكتوبر تشرين_الأول",
    11: "november nov novembre نوفمبر تشرين_الثاني",
    12: "december dec décembre déc ديسمبر دجنبر كانون_الأول",
}
_MONTH_OF = {word.replace("_", " "): month for month, words in _MONTHS.items() for word in words.split()}
_MONTH_PATTERN = "|".join(sorted(map(regex.escape, _MONTH_OF), key=len, reverse=True))
# "19 déc", "19 décembre", "December 19", "19 ديسمبر"; "mai" and "may" only beside a day.
_DATE = regex.compile(
    rf"(?<![\p{{L}}\p{{N}}])(?:(\d{{1,2}})(?:er|st|nd|rd|th)?\s+(?:de\s+)?({_MONTH_PATTERN})|({_MONTH_PATTERN})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?)(?![\p{{L}}\p{{N}}])",
    regex.IGNORECASE,
)

# Names each language writes its own way, to one key (the English form). Only names whose
# spellings share no skeleton: Moscou / Moscow / موسكو need no entry.
_EXONYMS = {
    "beijing": "pékin pekin بكين",
    "germany": "allemagne ألمانيا المانيا",
    "egypt": "égypte egypte مصر",
    "syria": "syrie سوريا سورية",
    "iraq": "irak العراق عراق",
    "lebanon": "liban لبنان",
    "jordan": "jordanie الأردن",
    "greece": "grèce اليونان",
    "switzerland": "suisse سويسرا",
    "netherlands": "pays-bas هولندا",
    "united states": "états-unis etats-unis washington_dc الولايات_المتحدة",
    "united kingdom": "royaume-uni britain بريطانيا المملكة_المتحدة",
    "china": "chine الصين",
    "japan": "japon اليابان",
    "india": "inde الهند",
    "spain": "espagne إسبانيا اسبانيا",
    "london": "londres لندن",
    "algeria": "algérie الجزائر",
    "morocco": "maroc المغرب",
    "tunisia": "tunisie تونس",
    "saudi arabia": "arabie saoudite السعودية",
    "european union": "union européenne الاتحاد_الأوروبي",
    "united nations": "nations unies onu الأمم_المتحدة",
    "israel": "israël إسرائيل اسرائيل",
    "palestinian": "palestinien palestinienne palestiniens فلسطيني الفلسطيني الفلسطينية",
    "russia": "russie روسيا",
    "ukraine": "أوكرانيا اوكرانيا",
}
_EXONYM_OF = {}
for english, others in _EXONYMS.items():
    for spelling in [english, *others.split()]:
        _EXONYM_OF[spelling.replace("_", " ")] = english

_EXONYM = regex.compile(
    r"(?<!\p{L})(?:" + "|".join(sorted(map(regex.escape, _EXONYM_OF), key=len, reverse=True)) + r")(?!\p{L})"
)

# Consonant classes shared by both scripts; letters not listed (vowels, h, w, y, and the
# Arabic letters that stand for them or for sounds Latin spellings leave out) are dropped.
_LATIN_CLASS = {"b": "b", "p": "b", "f": "f", "v": "f", "t": "t", "d": "t", "s": "s", "z": "s", "x": "ks",
                "k": "k", "q": "k", "g": "k", "j": "k", "l": "l", "m": "m", "n": "n", "r": "r"}
_ARABIC_CLASS = {
    "ب": "b", "پ": "b", "ف": "f", "ڤ": "f", "ت": "t", "ط": "t", "د": "t", "ض": "t", "ث": "t", "ذ": "t", "ظ": "t",
    "س": "s", "ص": "s", "ز": "s", "ش": "s", "ك": "k", "ق": "k", "ج": "k", "غ": "k", "خ": "k", "گ": "k",
    "ل": "l", "م": "m", "ن": "n", "ر": "r",
}
_LATIN_DIGRAPHS = (("ph", "f"), ("th", "t"), ("sh", "s"), ("ch", "s"), ("kh", "k"), ("gh", "k"), ("ng", "n"),
                   ("ck", "k"), ("ou", "w"))
_ARABIC_PREFIXES = ("وبال", "وال", "بال", "فال", "كال", "لل", "ال", "و", "ف", "ب", "ل")

# Words that open phrases or name no one, capitalized in Latin text at the start of a clause,
# and Arabic function words: never names.
_LATIN_COMMON = set(
    "a an the and or but if of in on at to for by with from as is are was were be been this that these those"
    " it its he she they we you i his her their our my mr mrs ms dr st le la les un une des du de et ou en au aux"
    " il elle ils elles on nous vous je ce cette ces son sa ses leur leurs dans sur pour par avec sans selon mais"
    " monday tuesday wednesday thursday friday saturday sunday lundi mardi mercredi jeudi vendredi samedi dimanche"
    " m mme afp reuters ap".split()
)
_ARABIC_COMMON = set(
    "في من إلى الى على عن مع أن إن ان كان كانت التي الذي الذين هذا هذه ذلك تلك قد لا لم لن ما هو هي هم بعد قبل"
    " حتى أو او ثم بين عند منذ خلال كل بعض غير أي وقال وقالت قال قالت يوم العام عام اليوم أمس".split()
)

_WORD = regex.compile(r"[\p{L}\p{M}][\p{L}\p{M}'’\-]*")
_SENTENCE_END = regex.compile(r"[.!?:;«»\"“”()\[\]\n—–-]\s*$")
# Compiled once: looked up by pattern string at each call, they cost half of the evidence's time.
_ARABIC_LETTER = regex.compile(r"\p{Arabic}")
_THOUSANDS = regex.compile(r"[ .,']")
_ARABIC_WORD = regex.compile(r"\p{Arabic}+")
_VOWEL_MARKS = regex.compile(r"[\u064b-\u065f\u0670]")
_SOFT_C = regex.compile(r"c(?=[eiy])")
_ELISION = regex.compile(r"^(?:[ldjnst]|qu)['’]", flags=regex.IGNORECASE)  # l'Irak, d'Assad
_NAME_PARTS = regex.compile(r"[-'’]")
_LETTERS = regex.compile(r"\p{L}+")


@dataclass(frozen=True)
class Evidence:
    """An article's evidence keys (64-bit signed integers, as SQLite stores them) by kind."""

    numbers: frozenset[int]
    dates: frozenset[int]
    names: frozenset[int]

    def keys(self) -> frozenset[int]:
        return self.numbers | self.dates | self.names


def key_of(kind: str, value: str) -> int:
    digest = xxhash.xxh64_intdigest(f"{kind}:{value}".encode("utf-8"))
    return digest - (1 << 64) if digest >= (1 << 63) else digest


def kind_of_keys(evidence: Evidence) -> dict[int, str]:
    return {**{k: NUMBER for k in evidence.numbers}, **{k: DATE for k in evidence.dates},
            **{k: NAME for k in evidence.names}}


def prepare(text: str) -> str:
    """NFC text with Eastern Arabic digits and separators as Western ones, without tatweel."""
    return unicodedata.normalize("NFC", text).translate(_DIGITS).replace("\u0640", "")


def numbers(text: str) -> set[str]:
    """Normalized figures of an already ``prepare``d text.

    >>> sorted(numbers("1.905 soldats, près de 2 000 ; 1,5 million ; ١٩٠٥"))
    ['1500000', '1905', '2000']
    """
    found = set()
    for match in _FIGURE.finditer(text):
        whole, fraction, scale = match.group(1), match.group(2), match.group(3)
        integer = _THOUSANDS.sub("", whole)
        if fraction is not None and len(fraction) == 3 and scale is None and len(integer) <= 3:
            # "1.905" / "1,905": thousands, however the separator is written.
            integer, fraction = integer + fraction, None
        value = float(f"{integer}.{fraction}") if fraction else float(integer)
        if scale:
            # The figure as written counts too: "$800m" and "800 millions" share 800 whatever the
            # scale word ("m" is also metres).
            found.add(f"{value:.6g}")
            value *= _SCALES[scale.casefold()]
        elif value < 10 and not fraction:
            continue  # one digit: counts and ranks written as figures in one language, words in another
        found.add(f"{value:.6g}")
    return found


def dates(text: str) -> set[str]:
    found = set()
    for match in _DATE.finditer(text):
        day, month = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
        if 1 <= int(day) <= 31:
            found.add(f"{_MONTH_OF[month.casefold()]}-{int(day)}")
    return found


@lru_cache(maxsize=65536)  # names repeat across a text and across the day's texts
def skeleton(word: str) -> str:
    """The consonant skeleton of a name in Latin or Arabic script.

    >>> skeleton("Sinwar"), skeleton("سنوار"), skeleton("Washington"), skeleton("واشنطن")
    ('snr', 'snr', 'snktn', 'sntn')
    """
    if _ARABIC_LETTER.match(word):
        classes = [_ARABIC_CLASS.get(ch, "") for ch in word]
    else:
        latin = "".join(ch for ch in unicodedata.normalize("NFKD", word.casefold()) if not unicodedata.combining(ch))
        # A soft c is an s (Kelce), a hard one a k.
        latin = _SOFT_C.sub("s", latin).replace("c", "k")
        for digraph, sound in _LATIN_DIGRAPHS:
            latin = latin.replace(digraph, sound)
        classes = [_LATIN_CLASS.get(ch, "") for ch in latin]
    out = []
    for sound in "".join(classes):
        if not out or out[-1] != sound:
            out.append(sound)
    return "".join(out)


def _latin_names(text: str) -> list[str]:
    names = []
    for match in _WORD.finditer(text):
        word = match.group()
        if not word[0].isupper() or _ARABIC_LETTER.match(word):
            continue
        before = text[max(0, match.start() - 3) : match.start()]
        opening = match.start() == 0 or bool(_SENTENCE_END.search(before))
        core = _ELISION.sub("", word)  # l'Irak, d'Assad
        if core.casefold() in _LATIN_COMMON:
            continue
        if opening and core == word:
            continue  # a capital opening a sentence says nothing
        names.append(core)
    return names


def _arabic_words(text: str) -> list[str]:
    words = []
    for word in _ARABIC_WORD.findall(text):
        word = _VOWEL_MARKS.sub("", word)  # vowel marks
        if word in _ARABIC_COMMON or len(word) < 3:
            continue
        words.append(word)
        for prefix in _ARABIC_PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 3:
                words.append(word[len(prefix) :])
                break
    return words


def names(text: str) -> set[str]:
    """Name keys (exonyms and skeletons) of an already ``prepare``d text."""
    found = set()
    lowered = text.casefold()
    for match in _EXONYM.finditer(lowered):
        found.add("x:" + _EXONYM_OF[match.group()])
    for word in _latin_names(text) + _arabic_words(text):
        for part in _NAME_PARTS.split(word):
            if part.casefold() in _EXONYM_OF or _ARABIC_LETTER.match(part) and part in _EXONYM_OF:
                continue
            shape = skeleton(part)
            if len(shape) >= MIN_SKELETON:
                found.add(shape)
    return found


def evidence(title: str | None, text: str, language: str | None = None) -> Evidence:
    """The article's evidence keys, from its headline and text."""
    prepared = prepare(f"{title or ''}\n{text}")
    # A headline in title case (English style: "Iraq Returns Nearly 2,000 Soldiers") capitalizes
    # every word; its names are the text's names anyway.
    named = prepare(text) if title and title_case(title) else prepared
    return Evidence(
        numbers=frozenset(key_of(NUMBER, value) for value in numbers(prepared)),
        dates=frozenset(key_of(DATE, value) for value in dates(prepared)),
        names=frozenset(key_of(NAME, value) for value in names(named)),
    )


def title_case(title: str) -> bool:
    """Whether most of a headline's words of four letters or more start with a capital."""
    words = [word for word in _LETTERS.findall(title) if len(word) >= 4 and not _ARABIC_LETTER.match(word)]
    return len(words) >= 3 and sum(word[0].isupper() for word in words) >= 0.6 * len(words)
