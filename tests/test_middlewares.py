"""crawler.middlewares: meta refresh redirects from the page's start, redirects without the
Referer warning.

(PrivateAddressGuard is tested through real crawls in tests/test_hostile.py and tests/test_resolver.py;
its proxy rule here.)
"""

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

import logging

import pytest

from crawler.middlewares import META_REFRESH_HEAD_BYTES, HeadMetaRefreshMiddleware, QuietRedirectMiddleware

ARTICLE = "<p>" + "Les soldats syriens ont été remis à la frontière d'Al-Qaïm. " * 2000 + "</p>"


def middleware() -> HeadMetaRefreshMiddleware:
    return HeadMetaRefreshMiddleware.from_crawler(get_crawler(settings_dict={"METAREFRESH_ENABLED": True}))


def response(head: str, body: str = ARTICLE, url: str = "https://example.fr/irak") -> HtmlResponse:
    html = f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"
    return HtmlResponse(url, body=html.encode("utf-8"), request=Request(url))


def test_a_meta_refresh_on_a_large_page_is_followed():
    page = response('<meta http-equiv="refresh" content="0; url=/irak-retour-militaires">')
    assert len(page.body) > META_REFRESH_HEAD_BYTES
    result = middleware().process_response(page.request, page)
    assert isinstance(result, Request)
    assert result.url == "https://example.fr/irak-retour-militaires"


def test_a_large_page_without_one_is_passed_on_undecoded():
    page = response("<title>Irak</title>")
    assert middleware().process_response(page.request, page) is page
    # Scrapy's middleware would have decoded the whole body (and kept it) to read 4,096 characters.
    assert page._cached_ubody is None


def test_a_refresh_in_capitals_is_found():
    page = response('<META HTTP-EQUIV="Refresh" CONTENT="0; URL=/irak-retour-militaires">')
    result = middleware().process_response(page.request, page)
    assert isinstance(result, Request)
    assert result.url == "https://example.fr/irak-retour-militaires"


def test_a_refresh_in_utf16_is_found():
    # Its bytes hold no ASCII "refresh": such a page is decoded, as Scrapy decodes it.
    html = '<html><head><meta charset="utf-16"><meta http-equiv="refresh" content="0; url=/b"></head>'
    html += f"<body>{ARTICLE}</body></html>"
    url = "https://example.fr/irak"
    page = HtmlResponse(url, body=html.encode("utf-16"), request=Request(url))
    result = middleware().process_response(page.request, page)
    assert isinstance(result, Request)
    assert result.url == "https://example.fr/b"


def test_a_small_page_is_read_as_scrapy_reads_it():
    page = response('<meta http-equiv="refresh" content="0; url=https://example.fr/b">', body="<p>Bref.</p>")
    result = middleware().process_response(page.request, page)
    assert isinstance(result, Request) and result.url == "https://example.fr/b"


def test_a_slow_refresh_is_not_followed():
    # METAREFRESH_MAXDELAY (100 s by default): a page that refreshes itself later is the page.
    page = response('<meta http-equiv="refresh" content="600; url=/plus-tard">')
    assert middleware().process_response(page.request, page) is page


@pytest.mark.parametrize("quiet", [QuietRedirectMiddleware, HeadMetaRefreshMiddleware])
def test_redirects_start_without_a_warning_about_the_referer_wirecrawl_does_not_send(quiet, caplog):
    # Scrapy's own would look for a RefererMiddleware at this signal, and warn at every start.
    # (A real crawl's log is checked in tests/test_hostile.py, whose web redirects.)
    middleware = quiet.from_crawler(get_crawler(settings_dict={"METAREFRESH_ENABLED": True}))
    with caplog.at_level(logging.WARNING):
        middleware._engine_started()
    assert caplog.text == "" and middleware._referer_spider_middleware is None


def guard(**settings):
    from crawler.middlewares import PrivateAddressGuard

    return PrivateAddressGuard.from_crawler(get_crawler(settings_dict={"NEWS_ALLOW_PRIVATE_ADDRESSES": False, **settings}))


def test_requests_through_an_untrusted_proxy_are_refused(monkeypatch):
    import asyncio

    from crawler.middlewares import RefusedURL

    monkeypatch.setenv("http_proxy", "http://proxy.invalid:3128")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    with pytest.raises(RefusedURL, match="through a proxy, which resolves names itself.*NEWS_TRUSTED_PROXY"):
        asyncio.run(guard().process_request(Request("http://93.184.215.14/feed.xml")))
    # Trusted, the proxy is used and the target checked as before.
    assert asyncio.run(guard(NEWS_TRUSTED_PROXY=True).process_request(Request("http://93.184.215.14/feed.xml"))) is None
    with pytest.raises(RefusedURL, match="resolves to private address 10.0.0.1"):
        asyncio.run(guard(NEWS_TRUSTED_PROXY=True).process_request(Request("http://10.0.0.1/admin")))
    monkeypatch.delenv("http_proxy")
    with pytest.raises(RefusedURL, match="through a proxy"):  # a proxy set on the request itself
        asyncio.run(guard().process_request(Request("http://93.184.215.14/a", meta={"proxy": "http://proxy.invalid:3128"})))
