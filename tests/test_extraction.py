"""pipelines.article.extraction: the worker-side extraction, on the demo web's pages and our own."""

import json

import lxml.html
import pytest

from demo.server import WEB_ROOT
from pipelines.article.extraction import (
    ExtractionError,
    PageTags,
    clean_authors,
    clean_title,
    decode_html,
    detect_language,
    extract_article,
    iso_date,
    page_headlines,
    word_count,
)

STORIES = json.loads((WEB_ROOT / "stories.json").read_text(encoding="utf-8"))

ARABIC_PAGE = """<html><head><title>عودة الجنود</title></head><body><article><h1>عودة الجنود السوريين</h1>
<p>أعلنت السلطات العراقية عودة نحو ألفي جندي سوري كانوا قد فروا إلى العراق بعد هجوم الفصائل المسلحة الذي أدى
إلى سقوط النظام في دمشق، وقالت خلية الإعلام الأمني إن الجنود سلموا إلى قوة سورية عند منفذ القائم الحدودي.</p>
<p>وأضافت الخلية أن الجنود وقعوا تعهدا مكتوبا للاستفادة من العفو الذي أعلنته السلطات السورية الجديدة، وأن
أسلحتهم ستسلم إلى الحكومة السورية المقبلة بعد تشكيلها، في خطوة تعكس تعقيد الوضع على الحدود بين البلدين.</p>
</article></body></html>"""


def page(path: str) -> bytes:
    return (WEB_ROOT / path).read_bytes()


@pytest.mark.parametrize("path", sorted(STORIES), ids=lambda p: p.split("/")[0] + "/" + p.rsplit("/", 1)[-1])
def test_every_demo_page_gives_text_title_date_and_its_outlets_language(path):
    article = extract_article(page(path), url="http://127.0.0.1/" + path)
    assert article["words"] >= 100
    assert article["title"]
    assert article["published"] and article["published"].startswith("2024-12-")
    expected = {"courrier-levant": "fr", "depeche-vivarais": "fr", "horizon-info": "fr", "meridian-post": "en",
                "northgate-herald": "en", "al-manara": "ar", "rafidain-today": "ar"}[path.split("/")[0]]
    assert article["language"] == expected
    assert len(article["minhash"]) == 128 * 4 and article["shingles"] > 50


def test_language_is_detected_when_the_page_does_not_declare_it():
    text = ARABIC_PAGE.encode("utf-8")
    assert extract_article(text)["language"] == "ar"


def test_confident_detection_wins_over_a_wrong_declaration():
    assert detect_language("Les autorités irakiennes ont annoncé le retour de près de 2.000 militaires syriens.", "en") == "fr"


def test_page_in_windows_1256_without_charset_is_decoded():
    body = ARABIC_PAGE.replace("<head>", '<head><meta charset="windows-1256">').encode("cp1256")
    assert "أعلنت السلطات العراقية" in decode_html(body, None)
    assert "أعلنت السلطات العراقية" in extract_article(body)["text"]


def test_http_charset_wins_over_a_wrong_meta_charset():
    body = ARABIC_PAGE.replace("<head>", '<head><meta charset="iso-8859-1">').encode("cp1256")
    assert "أعلنت" in decode_html(body, "text/html; charset=windows-1256")


@pytest.mark.parametrize(
    "html, reason",
    [
        (b"", "empty page"),
        (b"<html><head><title>Video</title></head><body><script>play()</script><img src=v.png></body></html>", "no article text found"),
    ],
)
def test_page_without_article_raises_a_reason(html, reason):
    with pytest.raises(ExtractionError, match=reason):
        extract_article(html)


META_PAGE = """<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">
<title>Obertal baut eine neue Grundschule | Obertaler Bote</title>
<meta property="og:title" content="Obertal baut eine neue Grundschule | Obertaler Bote">
<meta property="og:site_name" content="Obertaler Bote">
<meta name="author" content="Von Jana Beispiel und Lee Sample">
<meta property="article:published_time" content="2025-03-04T09:15:00+01:00">
<meta property="article:modified_time" content="2025-03-05T18:40:00+01:00">
</head><body><article><h1>Obertal baut eine neue Grundschule</h1>
<p>Der Gemeinderat von Obertal hat am Dienstagabend den Bau einer neuen Grundschule beschlossen, die ab dem
Herbst 2027 rund zweihundert Kinder aufnehmen soll. Die Entscheidung fiel einstimmig.</p>
<p>Die Kosten von elf Millionen Euro tragen Gemeinde und Land gemeinsam, wie der Bürgermeister nach der Sitzung
vor Journalisten erklärte. Eltern hatten seit Jahren über zu kleine Klassenräume geklagt.</p>
</article></body></html>"""


def test_metadata_title_without_site_authors_split_times_of_day_and_modified():
    article = extract_article(META_PAGE.encode("utf-8"), url="https://www.obertaler-bote.example/schule")
    assert article["title"] == "Obertal baut eine neue Grundschule"
    assert article["authors"] == ["Jana Beispiel", "Lee Sample"]
    assert article["published"] == "2025-03-04T09:15:00+01:00"
    assert article["modified"] == "2025-03-05T18:40:00+01:00"
    assert article["site_name"] == "Obertaler Bote"
    assert article["language"] == "de"


def test_page_without_modification_date_has_none():
    assert extract_article(ARABIC_PAGE.encode("utf-8"))["modified"] is None


@pytest.mark.parametrize("title, expected", [
    ("Bridge reopens after repairs - The Valley Times", "Bridge reopens after repairs"),
    ("Brücke wieder offen – VT – 04.03.2025", "Brücke wieder offen"),
    ("Bridge reopens | The Valley Times | by Lee Sample", "Bridge reopens"),
    ("Paris - Berlin: the night train is back", "Paris - Berlin: the night train is back"),
    ("Valley - Times", "Valley - Times"),
])
def test_clean_title_strips_the_site_name_and_dates_only(title, expected):
    assert clean_title(title, ["The Valley Times", "VT"], "https://valleytimes.example/a") == expected


def test_clean_authors():
    site = ["The Valley Times"]
    url = "https://www.valleytimes.example/a"
    assert clean_authors(["By Lee Sample", "Lee-Sample"], site, url) == ["Lee Sample"]
    assert clean_authors(["Par Sara Exemple"], site, url) == ["Sara Exemple"]
    assert clean_authors(["Anna Roth and Jan Berg"], site, url) == ["Anna Roth", "Jan Berg"]
    assert clean_authors(["Valley Times", "Anna Roth"], site, url) == ["Anna Roth"]
    assert clean_authors(["Www Valleytimes Example", "Journalist", "Anna Roth"], site, url) == ["Anna Roth"]
    # An outlet alone is the byline the page gives: kept.
    assert clean_authors(["The Valley Times"], site, url) == ["The Valley Times"]
    # "Le Figaro et AFP" names no two people.
    assert clean_authors(["Le Figaro et AFP"], ["Le Figaro"], None) == ["Le Figaro et AFP"]


@pytest.mark.parametrize("value, expected", [
    ("2025-03-04T09:15:00+0100", "2025-03-04T09:15:00+01:00"),
    ("2025-03-04T00:00:00", "2025-03-04"),
    ("2025-03-04T09:15:00", "2025-03-04T09:15:00"),
    ("2025-03-04", "2025-03-04"),
    (None, None),
])
def test_iso_date(value, expected):
    assert iso_date(value) == expected


def test_page_declared_utf8_but_in_windows_1256_is_read_as_arabic_with_a_note():
    body = ARABIC_PAGE.replace("<head>", '<head><meta charset="utf-8">').encode("cp1256")
    article = extract_article(body, "https://example.org/a", "text/html; charset=utf-8")
    assert "أعلنت السلطات العراقية" in article["text"]
    assert article["decoding_note"] == "page encoding: declares UTF-8 but is not valid UTF-8; read as cp1256"
    assert extract_article(ARABIC_PAGE.encode("utf-8"), "https://example.org/a")["decoding_note"] is None


class TrafilaturaCalls:
    """The real trafilatura.bare_extraction, with a note of whether each call ran its fallback."""

    def __init__(self, monkeypatch):
        import pipelines.article.extraction

        self.fast: list[bool] = []
        real = pipelines.article.extraction.trafilatura.bare_extraction

        def bare_extraction(*args, **kwargs):
            self.fast.append(kwargs.get("fast", False))
            return real(*args, **kwargs)

        monkeypatch.setattr(pipelines.article.extraction.trafilatura, "bare_extraction", bare_extraction)


SEED_PARAGRAPH = (
    "Les autorités irakiennes ont remis lundi 1.905 militaires syriens à leur pays au poste-frontière"
    " d'Al-Qaïm, après la chute du président, selon la cellule des médias de la sécurité."
)


def test_a_page_whose_paragraphs_hold_the_article_is_read_without_the_fallback(monkeypatch):
    calls = TrafilaturaCalls(monkeypatch)
    path = sorted(STORIES)[0]
    extract_article(page(path), url="http://127.0.0.1/" + path)
    assert calls.fast == [True]


def test_a_page_without_paragraphs_is_read_with_the_fallback(monkeypatch):
    calls = TrafilaturaCalls(monkeypatch)
    lines = "<br>".join([SEED_PARAGRAPH] * 6)
    html = f"<html lang='fr'><head><title>Al Qaim</title></head><body><div class='story'>{lines}</div></body></html>"
    article = extract_article(html, url="https://example.fr/a")
    assert calls.fast == [False]
    assert "Al-Qaïm" in article["text"]


def test_a_page_read_short_without_the_fallback_is_read_again_with_it(monkeypatch):
    # trafilatura's extractor takes the <article>; the page's paragraphs (its comments) hold far more.
    calls = TrafilaturaCalls(monkeypatch)
    others = "".join(f"<p>{SEED_PARAGRAPH} ({number})</p>" for number in range(12))
    html = (
        "<html lang='fr'><head><title>Al Qaim</title></head><body>"
        f"<article><p>{SEED_PARAGRAPH}</p><p>{SEED_PARAGRAPH}</p></article><div id='comments'>{others}</div></body></html>"
    )
    extract_article(html, url="https://example.fr/a")
    assert calls.fast == [True, False]


def test_the_headline_repeated_at_the_start_is_dropped_when_it_differs_from_the_title():
    # The <title> and og:title are written for search engines; the <h1> the reader sees says it
    # another way, and the theme repeats it (kicker and all) and the byline inside the body.
    headline = "Frontière irakienne : pourquoi Bagdad rend ses soldats à Damas"
    body = "".join(f"<p>{SEED_PARAGRAPH} ({number})</p>" for number in range(4))
    html = (
        "<html lang='fr'><head><title>Irak : retour de 1.905 militaires syriens après la chute d'Assad</title>"
        "<meta property='og:title' content=\"Irak : retour de 1.905 militaires syriens après la chute d'Assad\">"
        "<meta name='author' content='Sara Haddad'></head><body>"
        f"<h1>{headline}</h1><div class='article-body'><p>{headline}</p><p>par Sara Haddad</p>{body}</div></body></html>"
    )
    article = extract_article(html, url="https://example.fr/irak/retour")
    assert article["title"].startswith("Irak : retour de 1.905")
    assert "pourquoi Bagdad" not in article["text"] and "par Sara" not in article["text"]
    assert article["text"].startswith(SEED_PARAGRAPH)


def test_a_short_h1_is_not_taken_for_a_headline():
    # A logo or a section's name in <h1> would make the first line that names it a "title".
    html = "<html><body><h1>Monde</h1><h1>Le Journal</h1><article><h1>Irak : le retour de 1.905 soldats</h1></article></body></html>"
    assert page_headlines(PageTags.of(lxml.html.fromstring(html))) == ["Irak : le retour de 1.905 soldats"]


# Our own Japanese brief (about 330 characters): a news item of this length is an article.
JAPANESE_BRIEF = (
    "緑川市は十二日、二年間の改修工事を終えた中央大橋の通行を再開したと発表した。",
    "市によると、橋は一九六八年に完成し、老朽化のため二〇二三年春から全面通行止めとなっていた。"
    "工事では橋脚の補強と路面の張り替えが行われ、歩道の幅も広げられた。総事業費は約四十八億円で、"
    "国の補助金が半分を占めた。",
    "再開初日の朝には、通勤の車や自転車が次々と橋を渡った。近くに住む会社員の男性は「遠回りをしなくて"
    "済むので本当に助かる。通勤時間が二十分ほど短くなった」と話した。市内の商店街でも、客足が戻ることへの"
    "期待の声が上がっている。",
    "市は今後、夜間の照明設備を新しくする工事を秋までに進める予定で、その間は一部の車線で夜間の規制が"
    "続くという。市長は記者会見で「安全で使いやすい橋として、次の五十年も市民の生活を支えてほしい」と述べた。",
)


def test_a_japanese_article_of_300_characters_counts_enough_words_to_be_kept():
    body = "".join(f"<p>{paragraph}</p>" for paragraph in JAPANESE_BRIEF)
    html = f"<html lang='ja'><head><title>中央大橋が通行再開</title></head><body><article>{body}</article></body></html>"
    article = extract_article(html.encode("utf-8"), url="https://midorikawa.invalid/news/1")
    assert 300 <= len("".join(JAPANESE_BRIEF)) and article["language"] == "ja"
    # \w+ alone finds about one "word" per clause here, under NEWS_MIN_WORDS (40).
    assert len(article["text"].replace("、", " ").replace("。", " ").split()) < 40
    assert article["words"] >= 40 * 3


@pytest.mark.parametrize("text, words", [
    ("The bridge reopened on Monday", 5),
    ("東京で橋が開通した", 5),  # 9 characters, two to a word, rounded up
    ("AI技術を使った新しい橋", 6),  # "AI", and 10 characters
    ("서울 시청 앞 다리가 다시 열렸다", 6),  # Korean puts spaces between words
])
def test_word_count_counts_unspaced_scripts_by_characters(text, words):
    assert word_count(text) == words
