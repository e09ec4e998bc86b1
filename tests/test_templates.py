"""pipelines.article.templates: a site's template learned from its pages, and pages read by it."""

from __future__ import annotations

import pytest

from pipelines.article.extraction import TemplateOptions, extract_article
from pipelines.article.templates import SiteModel
from tests.site_pages import article_paragraphs, headline, page

URL = "https://gazette.example/news/{}.html"
OPTIONS = TemplateOptions(min_pages=4, check_every=0)


def read(model: SiteModel, number: int, options: TemplateOptions = OPTIONS, **kwargs) -> dict:
    article = extract_article(page(number, **kwargs), url=URL.format(number), site_templates=model.templates,
                              template_options=options)
    model.apply(article["template"])
    return article


def learned(pages: int = 4, layout: str = "classic") -> SiteModel:
    model = SiteModel()
    for number in range(pages):
        assert read(model, number, layout=layout)["template"]["outcome"] in ("generic", "misfit")
    return model


def test_site_learned_after_n_pages_reads_its_next_page_by_template():
    model = SiteModel()
    outcomes = [read(model, number)["template"]["outcome"] for number in range(6)]
    assert outcomes == ["generic"] * 4 + ["hit", "hit"]
    article = read(model, 6)
    assert article["template"] == {"outcome": "hit", "index": 0, "reason": None}
    # The article's paragraphs, none of the template's chrome.
    assert article["text"].splitlines() == article_paragraphs(6)
    assert article["title"] == headline(6)
    assert [t["hits"] for t in model.templates] == [3]


def test_template_drops_the_blocks_the_generic_pass_dropped():
    model = learned()
    text = read(model, 10)["text"]
    for chrome in ("Share this article", "Sign up for our morning newsletter", "Storm closes the coastal road"):
        assert chrome not in text


def test_template_needs_the_configured_number_of_pages():
    model = SiteModel()
    strict = TemplateOptions(min_pages=8, check_every=0)
    assert [read(model, n, strict)["template"]["outcome"] for n in range(9)][-1] == "hit"
    assert [read(SiteModel(), n, strict)["template"]["outcome"] for n in range(7)].count("hit") == 0


def test_redesign_misfits_go_to_the_generic_pass_and_become_a_new_template():
    model = learned()
    outcomes = [read(model, 20 + n, layout="redesign")["template"] for n in range(5)]
    assert [o["outcome"] for o in outcomes[:4]] == ["misfit"] * 4
    assert outcomes[0]["reason"] == "no template finds its container"
    assert outcomes[4]["outcome"] == "hit"
    assert len(model.templates) == 2
    # Misfits were read by the generic pass: their text is the article all the same.
    redesigned = read(model, 30, layout="redesign")
    assert redesigned["template"]["outcome"] == "hit"
    assert redesigned["text"].splitlines() == article_paragraphs(30)


def test_site_with_two_templates_reads_each_page_by_its_own():
    model = SiteModel()
    for number in range(5):
        read(model, number, layout="classic")
        read(model, 100 + number, layout="opinion")
    assert len(model.templates) == 2
    classic, opinion = read(model, 7, layout="classic"), read(model, 107, layout="opinion")
    assert (classic["template"]["outcome"], opinion["template"]["outcome"]) == ("hit", "hit")
    assert classic["template"]["index"] != opinion["template"]["index"]
    assert opinion["text"].splitlines() == article_paragraphs(107)


def test_live_blog_in_the_articles_template_is_read_by_the_generic_pass():
    model = learned()
    article = read(model, 40, live_blog=True)
    assert article["template"]["outcome"] == "misfit"
    assert article["template"]["reason"] == "live blog"
    assert "day 400" in article["text"]


def test_page_whose_text_sits_outside_the_container_is_a_misfit():
    model = learned()
    html = page(50).replace('<div class="article-body post-50">', '<div class="article-body post-50"></div><div>')
    article = extract_article(html, url=URL.format(50), site_templates=model.templates, template_options=OPTIONS)
    assert article["template"]["outcome"] == "misfit"
    assert "day 500" in article["text"]


def test_a_check_that_disagrees_relearns_the_template():
    model = learned()
    template = model.templates[0]
    # A stale template: it keeps the chrome and drops the paragraphs, as a redesign inside the
    # same container would make it do.
    for key, counts in template["blocks"].items():
        counts[:] = [0, 10] if key.endswith("/p") or key == "p" else [10, 10]
    template["shares"] = [0.0]
    checking = TemplateOptions(min_pages=4, check_every=1)
    article = read(model, 60, checking)
    assert article["template"]["outcome"] == "drift"
    assert article["text"].splitlines() == article_paragraphs(60)  # the generic pass's reading
    assert model.templates[0]["pages"] == 1  # forgotten, and learned again from this page
    assert [read(model, 61 + n)["template"]["outcome"] for n in range(4)] == ["generic"] * 3 + ["hit"]


def test_checked_pages_keep_the_template():
    model = learned()
    checking = TemplateOptions(min_pages=4, check_every=1)
    article = read(model, 70, checking)
    assert article["template"]["outcome"] == "checked"
    assert model.templates[0]["pages"] == 5  # the generic pass's reading was learned too


def test_without_site_templates_nothing_is_learned_or_reported():
    assert extract_article(page(1), url=URL.format(1))["template"] is None


@pytest.mark.parametrize("layout", ["classic", "opinion", "redesign"])
def test_templates_are_plain_json(layout):
    import json

    model = learned(layout=layout)
    assert SiteModel.from_json(json.loads(json.dumps(model.templates))).templates == model.templates
