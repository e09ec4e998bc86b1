import re

import pytest

from crawler.urls import UnusableLink, article_link, canonical_url, params_left_out, without_params


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://news.example/a?utm_source=rss&utm_medium=feed", "https://news.example/a"),
        ("HTTPS://News.Example/a?id=3#comments", "https://news.example/a?id=3"),
        ("https://news.example/a?fbclid=xyz&page=2", "https://news.example/a?page=2"),
        ("http://127.0.0.1:8701/2024/12/x.html?utm_campaign=rss", "http://127.0.0.1:8701/2024/12/x.html"),
    ],
)
def test_canonical_url_drops_tracking_and_fragment(url, expected):
    assert canonical_url(url) == expected


def test_canonical_url_keeps_parameters_that_name_the_article():
    assert canonical_url("https://news.example/article?id=5&page=2") == "https://news.example/article?id=5&page=2"


def test_relative_link_is_resolved_against_the_feed():
    assert article_link("/monde/a.html", "https://news.example/rss/feed.xml") == "https://news.example/monde/a.html"


@pytest.mark.parametrize(
    "link, reason",
    [
        (None, "entry has no link"),
        ("   ", "entry has no link"),
        ("javascript:alert(1)", "link scheme 'javascript' is not http(s)"),
        ("data:text/html,<p>hi</p>", "link scheme 'data' is not http(s)"),
        ("ftp://news.example/a", "link scheme 'ftp' is not http(s)"),
    ],
)
def test_unusable_links_are_refused_with_a_reason(link, reason):
    with pytest.raises(UnusableLink, match=re.escape(reason)):
        article_link(link, "https://news.example/feed.xml")


def test_percent_escapes_have_one_spelling():
    assert canonical_url("https://news.example/%d8%aa?q=%d8%aa") == canonical_url("https://news.example/%D8%AA?q=%D8%AA")
    assert canonical_url("https://news.example/%d8%aa") == "https://news.example/%D8%AA"
    assert canonical_url("https://news.example/%7euser/%41") == "https://news.example/~user/A"  # unreserved: unescaped
    assert canonical_url("https://news.example/a%2fb") == "https://news.example/a%2Fb"  # a slash stays escaped


def test_learned_parameters_are_stripped_and_the_rest_kept():
    url = "https://news.example/a?at_brand=news&id=3&maca=en-rss"
    assert without_params(url, frozenset({"maca", "at_brand"})) == "https://news.example/a?id=3"
    assert without_params(url, frozenset()) == url
    assert without_params("https://news.example/a?maca=1", {"maca"}) == "https://news.example/a"


@pytest.mark.parametrize(
    "link, page, expected",
    [
        ("https://news.example/a?id=3&maca=x", "https://news.example/a?id=3", ({"maca"}, {"id"})),
        ("https://news.example/a?maca=x", "https://news.example/a", ({"maca"}, set())),
        ("https://news.example/a?maca=x", "https://news.example/b", None),  # another page: says nothing
        ("https://news.example/a?id=3", "https://news.example/a?id=4", None),
        ("https://news.example/a?maca=x", "https://other.example/a", None),
    ],
)
def test_what_a_pages_declared_address_says_of_its_links_parameters(link, page, expected):
    assert params_left_out(link, page) == expected
