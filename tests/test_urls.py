import re

import pytest

from crawler.urls import UnusableLink, article_link, canonical_url


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
