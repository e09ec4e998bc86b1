"""pipelines.article.titles: the headline without what the site wraps around it, and the seed's
template with no <h1> and no meta tags (tests/fixtures/seed_template_no_h1.html)."""

from pathlib import Path

import lxml.html
import pytest

from pipelines.article.extraction import extract_article
from pipelines.article.titles import clean_title, fallback_title, names_the_outlet, site_name_from_title

SITE = ["The Valley Times", "VT"]
URL = "https://valleytimes.example/2025/03/bridge"
SEED_PAGE = Path(__file__).parent / "fixtures" / "seed_template_no_h1.html"
SEED_TITLE = "Irak : Retour de 2.000 militaires syriens après la chute d’Assad"


@pytest.mark.parametrize("title, expected", [
    ("Bridge reopens after repairs - The Valley Times", "Bridge reopens after repairs"),
    ("Brücke wieder offen – VT – 04.03.2025", "Brücke wieder offen"),
    ("Bridge reopens | The Valley Times | by Lee Sample", "Bridge reopens"),
    ("Bridge reopens after repairs | valleytimes.example", "Bridge reopens after repairs"),
    ("The Valley Times | Bridge reopens after repairs", "Bridge reopens after repairs"),
    ("Opinion | Why the bridge had to close", "Why the bridge had to close"),
    ("Meinung: Warum die Brücke schließen musste", "Warum die Brücke schließen musste"),
    ("Why the bridge had to close | Editorial", "Why the bridge had to close"),
    ("رأي | لماذا أغلق الجسر", "لماذا أغلق الجسر"),
    # A headline's own separators stay.
    ("Paris - Berlin: the night train is back", "Paris - Berlin: the night train is back"),
    ("Irak : Retour de 2.000 militaires syriens", "Irak : Retour de 2.000 militaires syriens"),
    ("Gaza : les négociations reprennent à Doha - VT", "Gaza : les négociations reprennent à Doha"),
    ("Valley - Times", "Valley - Times"),
    # An ending that merely contains the site's name is not the site.
    ("Bridge reopens - The Valley Times readers pick their favourite crossing",
     "Bridge reopens - The Valley Times readers pick their favourite crossing"),
])
def test_clean_title_cuts_site_names_dates_bylines_and_section_labels_only(title, expected):
    assert clean_title(title, SITE, URL) == expected


def test_the_h1_headline_wins_where_the_title_is_it_with_parts_added():
    # " - National" is a section the site appends; the <h1> shows the headline without it.
    headline = "Bridge reopens after two years of repairs"
    assert clean_title(f"{headline} - National", [], URL, [headline]) == headline
    assert clean_title(f"Rivers | {headline} | Valley", [], URL, [headline]) == headline
    # "Site | Slogan: headline": the slogan goes with the site's name.
    assert clean_title(f"The Valley Times | News you can trust: {headline}", SITE, URL, [headline]) == headline


def test_an_h1_that_adds_a_kicker_to_the_title_does_not_replace_it():
    # The <h1> "Kicker: Title" is the title with a kicker; the title is already the headline.
    title = "Bridge reopens after two years of repairs"
    assert clean_title(title, SITE, URL, [f"Valley roads: {title}"]) == title
    # A headline inside the title at a colon is a kicker's place, not a site's: kept whole.
    assert clean_title(f"Valley roads: {title}", SITE, URL, [title]) == f"Valley roads: {title}"


def test_an_outlet_is_its_name_or_host_give_or_take_a_domain_ending():
    names, host = ["thevalleytimes"], "valleytimescom"
    assert names_the_outlet("The Valley Times", names, host)
    assert names_the_outlet("TheValleyTimes.com", names, host)
    assert names_the_outlet("Valley Times", names, host)  # the host without its ending
    assert not names_the_outlet("The Valley Times Sunday supplement", names, host)
    assert not names_the_outlet("Valley", ["thevalleytimes"], "")


def test_a_title_split_at_a_colon_gives_neither_the_place_as_title_nor_the_headline_as_site():
    tree = lxml.html.fromstring(f"<html><head><title>{SEED_TITLE}</title></head><body><p>x</p></body></html>")
    assert fallback_title(tree) == SEED_TITLE
    assert site_name_from_title(tree) is None
    tree = lxml.html.fromstring("<html><head><title>Bridge reopens | Valleytimes.com</title></head></html>")
    assert site_name_from_title(tree) == "Valleytimes.com"


def _seed_body_lines() -> list[str]:
    """The article's own lines, as the fixture's post-content block holds them."""
    tree = lxml.html.fromstring(SEED_PAGE.read_bytes())
    (content,) = tree.xpath("//div[contains(@class, 'theme-post-content')]")
    return [" ".join(element.text_content().split()) for element in content if element.tag in ("p", "h2")]


def test_the_seed_in_its_template_without_h1_or_meta_tags_keeps_its_title_and_only_its_article():
    html = SEED_PAGE.read_bytes()
    assert b"<h1" not in html and b"og:" not in html and b'name="description"' not in html
    article = extract_article(html, url="https://levant.invalid/2024/12/irak-retour-militaires.html")
    assert article["title"] == SEED_TITLE
    assert article["site_name"] is None  # the page names no site; the headline is not one
    assert article["text"].split("\n") == _seed_body_lines()  # no breadcrumb, byline, category, tags, teasers, form
