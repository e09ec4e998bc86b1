"""pipelines.metadata: trafilatura's metadata rules, without their costliest steps."""

import json

import pytest
from trafilatura.metadata import extract_author, extract_metadata
from trafilatura.utils import load_html

from demo.server import WEB_ROOT
from pipelines.extraction import decode_html
from pipelines.metadata import LARGE_JSON, body_author, page_metadata

FIELDS = ("title", "author", "url", "hostname", "date", "sitename", "description", "image", "categories", "tags")
DATE_PARAMS = {"extensive_search": False, "original_date": True, "outputformat": "%Y-%m-%dT%H:%M:%S%z"}
DEMO_PAGES = sorted(json.loads((WEB_ROOT / "stories.json").read_text(encoding="utf-8")))


@pytest.mark.parametrize("path", DEMO_PAGES, ids=lambda p: p.split("/")[0] + "/" + p.rsplit("/", 1)[-1])
def test_same_metadata_as_trafilatura_on_every_demo_page(path):
    html = decode_html((WEB_ROOT / path).read_bytes())
    url = f"https://example.org/{path}"
    ours = page_metadata(load_html(html), url, DATE_PARAMS)
    theirs = extract_metadata(load_html(html), url, DATE_PARAMS)
    assert {field: getattr(ours, field) for field in FIELDS} == {field: getattr(theirs, field) for field in FIELDS}


def test_large_json_ld_with_an_html_article_body_still_gives_headline_and_author():
    body = "<p>" + "Les soldats ont été remis à la frontière d'Al Qaim. " * 3000 + "</p>"
    schema = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Retour de 1.905 militaires syriens",
        "author": {"@type": "Person", "name": "Sara Haddad"},
        "datePublished": "2024-12-19T10:00:00+01:00",
        "articleBody": body,
    }
    script = json.dumps(schema, ensure_ascii=False)
    assert len(script) > LARGE_JSON
    html = (
        f'<html><head><script type="application/ld+json">{script}</script></head>'
        "<body><article><p>Texte.</p></article></body></html>"
    )
    found = page_metadata(load_html(html), "https://example.org/a", DATE_PARAMS)
    assert (found.title, found.author) == ("Retour de 1.905 militaires syriens", "Sara Haddad")
    assert found.date.startswith("2024-12-19")


def test_small_broken_json_ld_falls_back_to_trafilaturas_reading():
    broken = '{"@type": "NewsArticle", "headline": "Le poste d\'Al Qaim rouvre", "author": {"name": "Karim Mansour"},'
    html = (
        f'<html><head><script type="application/ld+json">{broken}</script></head>'
        "<body><article><p>Texte.</p></article></body></html>"
    )
    found = page_metadata(load_html(html), "https://example.org/a", DATE_PARAMS)
    assert found.author == "Karim Mansour"


AUTHOR_PAGE = """<html><head><title>Al Qaim</title></head><body>
<div class="comments"><span class="author">Jean Commentateur</span><p>Bravo.</p></div>
<article><h1>Al Qaim</h1>{byline}<p>Les autorités irakiennes ont annoncé le retour des soldats.</p></article>
<aside class="related"><a class="author" href="/auteur/x">Autre Plume</a></aside>
</body></html>"""


@pytest.mark.parametrize(
    "byline",
    [
        '<p class="byline"><span class="author">Sara Haddad</span></p>',
        '<div class="author">Sara Haddad <div class="comments"><span>Jean</span></div></div>',
        "",
    ],
    ids=["plain", "pruned-section-inside", "none-outside-pruned-sections"],
)
def test_body_author_finds_what_trafilatura_finds_without_copying_the_tree(byline):
    html = AUTHOR_PAGE.format(byline=byline)
    assert body_author(load_html(html)) == extract_author(load_html(html))
