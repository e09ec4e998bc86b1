import pytest

from crawler.feedlist import FeedListError, load_feeds

DEFAULT = [{"url": "https://default.example/rss", "name": "Default", "language": "fr", "country": "FR"}]


def test_no_argument_gives_the_default_list():
    assert load_feeds(None, DEFAULT) == DEFAULT


def test_one_url_or_several_comma_separated():
    assert [f["url"] for f in load_feeds("https://a.example/rss", DEFAULT)] == ["https://a.example/rss"]
    feeds = load_feeds("https://a.example/rss,https://b.example/atom", DEFAULT)
    assert [f["url"] for f in feeds] == ["https://a.example/rss", "https://b.example/atom"]


def test_text_file_with_names_comments_and_repeats(tmp_path):
    path = tmp_path / "feeds.txt"
    path.write_text(
        "# Middle East\nhttps://a.example/rss Le Courrier\n\nhttps://b.example/atom\nhttps://a.example/rss again\n",
        encoding="utf-8",
    )
    feeds = load_feeds(str(path), DEFAULT)
    assert feeds == [
        {"url": "https://a.example/rss", "name": "Le Courrier"},
        {"url": "https://b.example/atom", "name": None},
    ]


def test_opml_file_with_nested_outlines(tmp_path):
    path = tmp_path / "feeds.opml"
    path.write_text(
        """<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>
        <outline text="Arabic"><outline text="Al Manara" type="rss" xmlUrl="https://m.example/feed.xml"/></outline>
        <outline title="Herald" xmlUrl="https://h.example/atom"/></body></opml>""",
        encoding="utf-8",
    )
    feeds = load_feeds(str(path), DEFAULT)
    assert [(f["url"], f["name"]) for f in feeds] == [
        ("https://m.example/feed.xml", "Al Manara"),
        ("https://h.example/atom", "Herald"),
    ]


def test_missing_file_says_what_to_give():
    with pytest.raises(FeedListError, match="neither an http\\(s\\) URL nor a file"):
        load_feeds("feeds-that-do-not-exist.txt", DEFAULT)


def test_bad_line_names_its_number(tmp_path):
    path = tmp_path / "feeds.txt"
    path.write_text("https://a.example/rss\nnot-a-url\n", encoding="utf-8")
    with pytest.raises(FeedListError, match="line 2: 'not-a-url' is not an http"):
        load_feeds(str(path), DEFAULT)


def test_opml_with_entity_expansion_is_refused(tmp_path):
    path = tmp_path / "bomb.opml"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        '<opml><body><outline xmlUrl="https://a.example/&b;"/></body></opml>',
        encoding="utf-8",
    )
    with pytest.raises(FeedListError, match="not valid OPML"):
        load_feeds(str(path), DEFAULT)


def test_sites_hosts_urls_and_files(tmp_path):
    from crawler.feedlist import load_sites, site_url

    sites = load_sites("lorientlejour.com, https://English.Aawsat.com,www.b.example/news/", [])
    assert [(site["url"], site["site"]) for site in sites] == [
        ("https://lorientlejour.com/", "lorientlejour.com"),
        ("https://english.aawsat.com/", "english.aawsat.com"),
        ("https://www.b.example/news/", "b.example"),
    ]
    path = tmp_path / "sites.txt"
    path.write_text("# outlets\na.example Outlet A\n\nhttps://a.example/\nhttp://127.0.0.2:8080/\n", encoding="utf-8")
    assert [(site["url"], site["name"]) for site in load_sites(str(path), [])] == [
        ("https://a.example/", "Outlet A"), ("http://127.0.0.2:8080/", None)
    ]  # fmt: skip
    assert load_sites(None, ["a.example", {"url": "b.example", "language": "fr"}])[1]["language"] == "fr"
    assert load_sites(None, []) == []
    with pytest.raises(FeedListError, match="is not a site"):
        site_url("not a site")
    path.write_text("ftp://a.example/\n", encoding="utf-8")
    with pytest.raises(FeedListError, match="line 1"):
        load_sites(str(path), [])
