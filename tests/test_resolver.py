"""crawler/resolver.py: no DNS rebinding between the private-address guard and the connection.

Two real web servers on one port, on 127.0.0.2 (allowed by NEWS_ALLOWED_NETWORKS) and on 127.0.0.3
(not allowed), and a DNS of the test's own (tests/dns_shim.py) that answers a name with 127.0.0.2
first and 127.0.0.3 after: no request may reach the 127.0.0.3 server.
"""

from __future__ import annotations

import sqlite3

import pytest

from crawler.resolver import forbidden_address, allowed_networks
from tests.conftest import run_crawl
from tests.hostile_server import HostileWeb, article_html, rss


@pytest.fixture
def two_servers():
    with HostileWeb("127.0.0.2") as first:
        with HostileWeb("127.0.0.3", port=first.server.server_address[1]) as second:
            yield first, second


def serve(web: HostileWeb, name: str) -> str:
    """A feed, an article, and an article behind a redirect, all under the DNS name ``name``."""
    port = web.server.server_address[1]
    base = f"http://{name}:{port}"
    web.page("/news/a.html", article_html(f"An article served from {web.host}", seed=7))
    web.page("/news/b.html", article_html(f"A redirected article served from {web.host}", seed=8))
    web.page("/news/moved.html", "", "text/html", status=301, headers={"Location": f"{base}/news/b.html"})
    web.page("/feed.xml", rss([(f"{base}/news/a.html", "a"), (f"{base}/news/moved.html", "moved")]),
             "application/rss+xml; charset=utf-8")  # fmt: skip
    return f"{base}/feed.xml"


SETTINGS = ("NEWS_ALLOW_PRIVATE_ADDRESSES=False", "NEWS_ALLOWED_NETWORKS=127.0.0.2/32")


def test_the_connection_goes_to_the_address_the_guard_checked(two_servers, tmp_path):
    first, second = two_servers
    feed = serve(first, "rebind.invalid")
    serve(second, "rebind.invalid")
    result = run_crawl(tmp_path / "news.db", feed, *SETTINGS, "TWISTED_DNS_RESOLVER=tests.dns_shim.RebindingResolver")
    assert second.hits == {}, result.stderr[-3000:]
    assert first.hits.get("/feed.xml") == 1 and first.hits.get("/news/b.html") == 1, result.stderr[-3000:]
    db = sqlite3.connect(tmp_path / "news.db")
    texts = [row[0] for row in db.execute("SELECT text FROM articles")]
    assert len(texts) == 2 and all("127.0.0.2" in text for text in texts)


def test_a_name_resolved_again_to_connect_is_refused_when_it_rebinds(two_servers, tmp_path):
    first, second = two_servers
    feed = serve(first, "rebind.invalid")
    serve(second, "rebind.invalid")
    result = run_crawl(tmp_path / "news.db", feed, *SETTINGS, "TWISTED_DNS_RESOLVER=tests.dns_shim.RebindingResolverWithoutPins")
    assert second.hits == {} and first.hits == {}, result.stderr[-3000:]
    db = sqlite3.connect(tmp_path / "news.db")
    reason = db.execute("SELECT reason FROM errors WHERE stage = 'feed'").fetchone()[0]
    assert reason == "refused: rebind.invalid resolves to private address 127.0.0.3 when connecting (NEWS_ALLOW_PRIVATE_ADDRESSES is off)"


def test_forbidden_addresses():
    networks = allowed_networks(["127.0.0.2/32", " "])
    assert forbidden_address(["127.0.0.2"], networks) is None
    assert forbidden_address(["127.0.0.2", "127.0.0.3"], networks) == "127.0.0.3"
    assert forbidden_address(["93.184.215.14", "169.254.169.254"]) == "169.254.169.254"
    assert forbidden_address(["::ffff:10.0.0.1"]) == "::ffff:a00:1"  # an IPv4 address in IPv6
    assert forbidden_address(["not an address"]) == "not an address"
