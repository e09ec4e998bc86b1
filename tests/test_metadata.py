"""pipelines.article.metadata: trafilatura's metadata rules, without their costliest steps."""

import json

import pytest
from trafilatura.metadata import extract_author, extract_catstags, extract_metadata
from trafilatura.xpaths import AUTHOR_XPATHS, CATEGORIES_XPATHS, TAGS_XPATHS
from trafilatura.utils import load_html

from demo.server import WEB_ROOT
from pipelines.article.extraction import decode_html
from pipelines.article.metadata import LARGE_JSON, body_author, page_catstags, page_metadata
from tests.conftest import xpath_fingerprint

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


# A byline for each way into trafilatura's three author expressions, on a page with nothing
# else author-like, so that only the prefilter under test lets its expression run.
BYLINES = [
    '<a rel="author" href="/auteurs/sara">Sara Haddad</a>',
    '<span itemprop="author name">Sara Haddad</span>',
    '<div data-testid="AuthorCard">Sara Haddad</div>',
    '<span class="story-authorName">Sara Haddad</span>',
    "<author>Sara Haddad</author>",
    '<p class="byline">Sara Haddad</p>',
    '<span class="posted-by">Sara Haddad</span>',
    '<div id="zuozhe">Sara Haddad</div>',
    '<span itemprop="creator author">Sara Haddad</span>',
    '<section data-component="ArticleByline">Sara Haddad</section>',
    '<em class="staff-writer">Sara Haddad</em>',
    '<section id="Author-box">Sara Haddad</section>',
]


@pytest.mark.parametrize("byline", BYLINES)
def test_each_author_expression_still_runs_when_the_page_could_match_it(byline):
    html = f"<html><head><title>t</title></head><body><article>{byline}<p>Les soldats sont rentrés.</p></article></body></html>"
    expected = extract_author(load_html(html))
    assert expected and "Sara Haddad" in expected
    assert body_author(load_html(html)) == expected


def test_trafilaturas_author_expressions_are_the_ones_the_prefilter_was_written_for():
    # If trafilatura changes them, review AUTHOR_PREFILTERS in pipelines/article/metadata.py, then
    # update this fingerprint.
    assert xpath_fingerprint(AUTHOR_XPATHS) == "52b3a4d1177c18bb"


def test_trafilaturas_category_and_tag_expressions_are_the_ones_the_prefilter_was_written_for():
    # page_catstags skips an expression when no class or id of the page could satisfy it; the
    # patterns that decide were written from these expressions. If trafilatura changes them,
    # review CATSTAGS_XPATHS in pipelines/article/metadata.py, then update this fingerprint.
    assert xpath_fingerprint(CATEGORIES_XPATHS + TAGS_XPATHS) == "1808d9c707d703ad"


# One page per category and tag expression of trafilatura, in its order.
CATSTAGS_MARKUP = [
    '<div class="post-meta"><a href="/category/irak/">Irak</a></div>',
    '<div id="postpath"><a href="/categories/monde/">Monde</a></div>',
    '<p class="postmetadata"><a href="/category/syrie/">Syrie</a> <a href="/tag/frontiere/">Frontière</a></p>',
    '<p id="filedunder"><a href="/category/defense/">Défense</a></p>',
    '<footer class="entry-footer"><a href="/category/armee/">Armée</a><a href="/tags/al-qaim/">Al Qaim</a></footer>',
    '<span class="my-cat-links"><a href="/category/moyen-orient/">Moyen-Orient</a></span>',
    '<li class="postcategory"><a href="/category/afp/">AFP</a></li>',
    '<header class="entry-header"><a href="/category/actualite/">Actualité</a></header>',
    '<div class="row"><a href="/category/france/">France</a><a href="/tag/militaires-syriens/">Militaires syriens</a></div>',
    '<div class="tags"><a href="/tag/irak/">Irak</a><a href="/tag/syrie/">Syrie</a></div>',
    '<p class="entry-tags-list"><a href="/tag/assad/">Assad</a></p>',
    '<div class="jp-relatedposts"><a href="/tags/bagdad/">Bagdad</a></div>',
    '<div class="tagcloud"><a href="/tag/anbar/">Anbar</a></div>',
    '<section class="article-topics"><a href="/tags/retour/">Retour</a></section>',
    '<span class="tags-links"><a href="/tag/soldats/">Soldats</a></span>',
    '<div class="entry-meta"><a href="/tag/amnistie/">Amnistie</a></div>',
    '<div class="byline"><a href="/category/not-a-match/">no expression reads this one</a></div>',
]


@pytest.mark.parametrize("markup", CATSTAGS_MARKUP)
def test_categories_and_tags_are_trafilaturas(markup):
    html = f"<html><head><title>t</title></head><body><article><p>Texte.</p></article>{markup}</body></html>"
    expected = (extract_catstags("category", load_html(html)), extract_catstags("tag", load_html(html)))
    assert page_catstags(load_html(html)) == expected
    assert markup.endswith("no expression reads this one</a></div>") or expected != ([], [])
