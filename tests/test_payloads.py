"""pipelines.article.payloads: an article body sent only in a Next.js page's script payload is read."""

import json

import pytest
import trafilatura

from pipelines.article.extraction import ExtractionError, extract_article
from pipelines.article.payloads import scripted_article_html, server_component_texts
from tests.test_containers import CHUNKS

BODY = (
    '<div class="editor-img-box"><img src="/img/al-qaim.jpg"><div class="caption"><p>Le poste-frontière'
    " d'Al-Qaïm.</p></div></div>$$ARTICLEAD$$"
    + "".join(f'<p class="editor-p">{chunk}</p>' for chunk in CHUNKS)
    + "<h2>Une frontière sous surveillance</h2>"
    + f'<p class="editor-p">{CHUNKS[0]}</p>'
)
SUMMARY = "Un communiqué bref publié à Bagdad."


def push(text: str) -> str:
    return f"<script>self.__next_f.push([1,{json.dumps(text)}])</script>"


def next_page(body: str = BODY, shell: str = "") -> str:
    """A Next.js App Router page that renders its article in the browser: the body is a text row
    (its length in UTF-8 bytes, in hex) of the payload, sent in two chunks cut mid-row."""
    length = len(body.encode("utf-8"))
    payload = (
        '1:"$Sreact.fragment"\n'
        f'2:["$","meta",null,{{"name":"description","content":"{SUMMARY}"}}]\n'
        f"3:T{length:x},{body}"
        '4:["$","div",null,{"className":"article"}]\n'
    )
    half = len(payload) // 2
    return (
        "<html lang='fr'><head><title>Retour de 1.905 militaires syriens</title>"
        "<meta property='og:title' content='Retour de 1.905 militaires syriens'></head><body>"
        f"<header><nav><a href='/'>Accueil</a> <a href='/monde'>Monde</a></nav></header><main id='__next'>{shell}</main>"
        f"{push(payload[:half])}{push(payload[half:])}</body></html>"
    )


def test_the_text_rows_are_cut_by_their_byte_length():
    texts = server_component_texts(next_page())
    # One text row, exactly: the accents (two bytes each) do not shift its end, and the next row
    # (4:...) is not part of it.
    assert texts == [BODY]


def test_the_row_with_the_most_paragraph_text_is_the_article():
    html = scripted_article_html(next_page())
    assert html is not None and html.startswith("<html><body><article>")
    assert CHUNKS[2] in html
    assert "$$ARTICLEAD$$" not in html  # the CMS's ad placeholder


def test_a_page_without_a_payload_has_none():
    assert server_component_texts("<html><body><p>Texte.</p></body></html>") == []
    assert scripted_article_html("<html><body><script>self.__next_f.push([1,\"1:null\\n\"])</script></body></html>") is None


def test_an_article_only_in_the_payload_is_extracted():
    page = next_page()
    assert not (trafilatura.extract(page) or "").count("militaires syriens")  # trafilatura alone: nothing
    article = extract_article(page, url="https://example.fr/irak/retour")
    for chunk in CHUNKS:
        assert chunk in article["text"]
    assert "Une frontière sous surveillance" in article["text"]
    assert "ARTICLEAD" not in article["text"] and "Accueil" not in article["text"]
    assert article["title"] == "Retour de 1.905 militaires syriens"  # from the page's own head


def test_a_page_that_renders_its_article_is_read_from_its_markup():
    # The usual Next.js page: the article is in the HTML too. The payload is never looked at, so
    # its own different text (here: only the caption) cannot replace the page's.
    shell = "<article>" + "".join(f"<p>{chunk}</p>" for chunk in reversed(CHUNKS)) + "</article>"
    article = extract_article(next_page(body="<p>Légende seule.</p>", shell=shell), url="https://example.fr/irak/retour")
    assert CHUNKS[2] in article["text"] and "Légende seule" not in article["text"]


def test_a_payload_with_too_little_text_is_not_taken_either():
    # The page's own reading (its navigation, here) stands; NEWS_MIN_WORDS drops it later.
    text = extract_article(next_page(body="<p>Trop court.</p>"), url="https://example.fr/irak/retour")["text"]
    assert "Trop court" not in text


def test_a_page_with_nothing_anywhere_still_says_so():
    page = "<html><body><script>self.__next_f.push([1,\"1:null\\n\"])</script></body></html>"
    with pytest.raises(ExtractionError, match="no article text"):
        extract_article(page, url="https://example.fr/vide")
