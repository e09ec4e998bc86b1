"""A hostile outlet on 127.0.0.5 whose robots.txt lists ten sitemaps, each a case (``CASES``), and
another outlet on 127.0.0.6 (same port) that nothing may reach: it counts every request.

Each case lists a good article of its own where it can, so a test can check that the bad input
left an ``errors`` row while the rest of the crawl was stored. Used by tests/test_hostile_sitemaps.py
and scripts/bench_sitemaps.py (peak RSS of the crawl).
"""

from __future__ import annotations

import gzip
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler

from tests.hostile_server import GZIP_BOMB, article_html
from tests.news_sites import Host

XML = "application/xml; charset=utf-8"
SITEMAP_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
NESTING = 10
MILLION = 1_000_000
HUGE_BYTES = 60 * 1024 * 1024

# sitemap path -> (expected text in the reason of its errors row)
CASES = {
    "/nest/0.xml": "",  # the row is on the index that reaches the depth limit: see NESTED_ERROR
    "/self.xml": "sitemap index lists itself or an index above it (a loop)",
    "/huge.xml": "DownloadCancelledError",
    "/bomb.xml.gz": "gzipped sitemap larger than 50 MB uncompressed",
    "/bomb-encoded.xml": "exceeded DOWNLOAD_MAXSIZE",
    "/million.xml.gz": "sitemap lists more than 50,000 URLs",
    "/other-sites.xml": "URLs on another site, not read",
    "/bad-dates.xml": "entries with an unreadable date, not taken",
    "/entities.xml": "refused: the sitemap declares XML entities",
    "/good.xml": None,  # no error
}
NESTED_ERROR = ("/nest/3.xml", "sitemap indexes nested deeper than 3 levels")


def _stream_huge(handler: BaseHTTPRequestHandler) -> None:
    """60 MB of sitemap with no Content-Length: the size is only known by reading it."""
    handler.send_response(200)
    handler.send_header("Content-Type", XML)
    handler.send_header("Connection", "close")
    handler.end_headers()
    chunk = b"<url><loc>/huge/page.html</loc></url>\n" * 2000
    try:
        handler.wfile.write(f'<?xml version="1.0"?><urlset {SITEMAP_NS}>'.encode())
        for _ in range(HUGE_BYTES // len(chunk)):
            handler.wfile.write(chunk)
    except OSError:
        pass


class HostileSitemaps:
    def __enter__(self) -> HostileSitemaps:
        self.site = Host("127.0.0.5").start()
        self.other = Host("127.0.0.6", port=self.site.server.server_address[1]).start()
        self.now = datetime.now(timezone.utc).replace(microsecond=0)
        self._build()
        return self

    def __exit__(self, *exc: object) -> None:
        self.site.stop()
        self.other.stop()

    def url(self, path: str) -> str:
        return self.site.url(path)

    def good(self, case: str) -> str:
        path = f"/good/{case}.html"
        self.site.page(path, article_html(f"Good article beside the {case} sitemap", seed=len(self.site.routes) + 40))
        return self.url(path)

    def urlset(self, entries: list[tuple[str, str | None]]) -> str:
        urls = "".join(
            f"<url><loc>{loc}</loc>{f'<lastmod>{lastmod}</lastmod>' if lastmod is not None else ''}</url>"
            for loc, lastmod in entries
        )
        return f'<?xml version="1.0" encoding="UTF-8"?><urlset {SITEMAP_NS}>{urls}</urlset>'

    def index(self, children: list[str]) -> str:
        listed = "".join(f"<sitemap><loc>{child}</loc></sitemap>" for child in children)
        return f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex {SITEMAP_NS}>{listed}</sitemapindex>'

    def _build(self) -> None:
        site, recent = self.site, (self.now - timedelta(hours=1)).isoformat()
        for level in range(NESTING):
            site.page(f"/nest/{level}.xml", self.index([self.url(f"/nest/{level + 1}.xml")]), XML)
        site.page(f"/nest/{NESTING}.xml", self.urlset([(self.good("nest"), recent)]), XML)
        site.page("/self-good.xml", self.urlset([(self.good("self"), recent)]), XML)
        site.page(
            "/self.xml",
            self.index([self.url("/self.xml"), self.url("/self-good.xml"), self.other.url("/elsewhere.xml")]),
            XML,
        )
        site.routes["/huge.xml"] = _stream_huge
        site.page("/bomb.xml.gz", GZIP_BOMB, "application/x-gzip")
        site.page("/bomb-encoded.xml", GZIP_BOMB, XML, headers={"Content-Encoding": "gzip"})
        million = self.urlset([(f"/m/{number}", None) for number in range(MILLION)])
        site.page("/million.xml.gz", gzip.compress(million.encode(), compresslevel=1), "application/x-gzip")
        self.other.page("/stolen.html", article_html("Another site's page", 77))
        site.page(
            "/other-sites.xml",
            self.urlset([
                (self.other.url("/stolen.html"), recent),
                ("http://10.0.0.1/admin", recent),
                ("http://169.254.169.254/latest/meta-data/", recent),
                ("http://wire.invalid/story.html", recent),
                (self.good("other-sites"), recent),
            ]),
            XML,
        )  # fmt: skip
        site.page(
            "/bad-dates.xml",
            self.urlset([
                (self.url("/dates/yesterday.html"), "yesterday"),
                (self.url("/dates/month-13.html"), "2024-13-45"),
                (self.url("/dates/garbage.html"), "12/19/2024 at noon"),
                (self.good("bad-dates"), recent),
            ]),
            XML,
        )  # fmt: skip
        lol = '<!ENTITY lol "lolololololololololol">' + "".join(
            f'<!ENTITY lol{n} "{("&lol%s;" % (n - 1 if n > 1 else "")) * 10}">' for n in range(1, 10)
        )
        bomb = self.urlset([(self.good("entities"), recent), ("http://127.0.0.5/&lol9;", recent)])
        site.page("/entities.xml", bomb.replace("?><urlset", f"?><!DOCTYPE urlset [{lol}]><urlset", 1), XML)
        site.page("/good.xml", self.urlset([(self.good("good"), recent)]), XML)
        sitemaps = "".join(f"Sitemap: {self.url(path)}\n" for path in CASES)
        site.page("/robots.txt", f"User-agent: *\nAllow: /\n\n{sitemaps}", "text/plain")
        site.page("/", "<html><head><title>Hostile outlet</title></head><body><p>Front page</p></body></html>")

    # Good articles that must be stored (those behind a sitemap that was read at all).
    STORED = ("self", "other-sites", "bad-dates", "good")
