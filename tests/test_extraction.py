"""pipelines.extraction: the worker-side extraction, on the demo web's pages and our own."""

import json

import pytest

from demo.server import WEB_ROOT
from pipelines.extraction import ExtractionError, decode_html, detect_language, extract_article

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
