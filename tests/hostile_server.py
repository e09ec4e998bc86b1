"""A hostile news web on 127.0.0.1 for the tests: broken, lying, huge, slow and malicious answers.

``HostileWeb`` serves one feed per case under ``/feeds/<case>.xml`` (see ``FEEDS``); each feed
lists the bad article(s) of its case next to a good article, so a test can check that the bad
input left an error row while the crawl went on and stored the good one.

    with HostileWeb() as web:
        web.url("/feeds/redirect-loop.xml")
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

WORDS = (
    "the council met on tuesday to discuss the new budget for schools roads and hospitals in the"
    " northern districts where residents have waited years for repairs and officials promised that"
    " work would begin before the winter rains arrive while opposition members asked how the plan"
    " would be paid for and whether contracts would be awarded openly to local firms"
).split()


def article_html(title: str, seed: int, charset: str | None = "utf-8", extra: str = "") -> str:
    """A plain news page with about 150 words of text of its own (``seed`` varies the words)."""
    words = [f"{WORDS[(i * 7 + seed) % len(WORDS)]}" for i in range(150)]
    paragraphs = "".join(f"<p>{' '.join(words[i : i + 30])} {title} {seed}.</p>\n" for i in range(0, 150, 30))
    meta = f'<meta charset="{charset}">' if charset else ""
    return (
        f"<!DOCTYPE html><html><head>{meta}<title>{title}</title></head><body>"
        f"<article><h1>{title}</h1>{extra}{paragraphs}</article></body></html>"
    )


def rss(items: list[tuple[str | None, str | None]], encoding: str = "utf-8", title: str = "Hostile feed") -> str:
    """RSS 2.0 with (link, guid) items; a None link leaves the <link> out."""
    body = []
    for number, (link, guid) in enumerate(items):
        link_xml = f"<link>{link}</link>" if link is not None else ""
        guid_xml = f"<guid isPermaLink=\"false\">{guid}</guid>" if guid is not None else ""
        body.append(f"<item><title>Item {number}</title>{link_xml}{guid_xml}</item>")
    return (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>http://hostile.example/</link>{''.join(body)}</channel></rss>"
    )


# A response: status, headers, body (bytes, or a callable that writes to the handler itself).
Response = tuple[int, dict[str, str], Any]

GZIP_BOMB = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)  # 64 MB of zeros in ~64 KB


def _slow_drip(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    try:
        for _ in range(120):
            handler.wfile.write(b"<")
            handler.wfile.flush()
            time.sleep(0.25)
    except OSError:
        pass


def _endless(handler: BaseHTTPRequestHandler) -> None:
    """50 MB of HTML with no Content-Length: the size is only known by reading it."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Connection", "close")
    handler.end_headers()
    chunk = b"<p>" + b"padding " * 8000 + b"</p>\n"
    try:
        handler.wfile.write(b"<html><body>")
        for _ in range((50 * 1024 * 1024) // len(chunk)):
            handler.wfile.write(chunk)
    except OSError:
        pass


def _declared_huge(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(50 * 1024 * 1024))
    handler.end_headers()
    try:
        handler.wfile.write(b"<html><body>" + b"x" * 65536)
    except OSError:
        pass


class HostileWeb:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.host = host
        self.port = port
        self.server: ThreadingHTTPServer | None = None
        self.routes: dict[str, Response | Callable[[BaseHTTPRequestHandler], None]] = {}
        self.hits: dict[str, int] = {}

    # --- serving ---

    def start(self) -> HostileWeb:
        web = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                web.hits[path] = web.hits.get(path, 0) + 1
                route = web.routes.get(path)
                if route is None:
                    route = (404, {"Content-Type": "text/plain"}, b"not found")
                if callable(route):
                    route(self)
                    self.close_connection = True
                    return
                status, headers, body = route
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass

        self.server = ThreadingHTTPServer((self.host, self.port), Handler)
        self.server.daemon_threads = True
        self.base = f"http://{self.host}:{self.server.server_address[1]}"
        self._build()
        threading.Thread(target=self.server.serve_forever, name="hostile-web", daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self) -> HostileWeb:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def url(self, path: str) -> str:
        return self.base + path

    # --- content ---

    def page(self, path: str, html: str | bytes, content_type: str = "text/html; charset=utf-8", status: int = 200,
             headers: dict[str, str] | None = None) -> str:  # fmt: skip
        body = html.encode("utf-8") if isinstance(html, str) else html
        self.routes[path] = (status, {"Content-Type": content_type, **(headers or {})}, body)
        return self.url(path)

    def conditional_page(self, path: str, body: str | bytes, content_type: str, etag: str) -> str:
        """A page that answers ``304 Not Modified`` to a request carrying its ETag, as news sites' feeds do."""
        data = body.encode("utf-8") if isinstance(body, str) else body

        def answer(handler: BaseHTTPRequestHandler) -> None:
            if handler.headers.get("If-None-Match") == etag:
                handler.send_response(304)
                handler.send_header("ETag", etag)
                handler.send_header("Content-Length", "0")
                handler.end_headers()
                return
            handler.send_response(200)
            handler.send_header("Content-Type", content_type)
            handler.send_header("ETag", etag)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)

        self.routes[path] = answer
        return self.url(path)

    def good(self, case: str) -> str:
        """A good article of its own for a case's feed."""
        return self.page(f"/good/{case}.html", article_html(f"Good article for {case}", seed=len(self.routes) + 3))

    def feed(self, case: str, items: list[tuple[str | None, str | None]], with_good: bool = True, **kwargs: Any) -> None:
        if with_good:
            items = [*items, (self.good(case), f"good-{case}")]
        self.page(f"/feeds/{case}.xml", rss(items, **kwargs), "application/rss+xml; charset=utf-8")

    def _build(self) -> None:
        xml = "application/rss+xml; charset=utf-8"
        good_items = lambda case: [(self.good(case), f"good-{case}")]  # noqa: E731

        # Feeds that cannot be read, or only partly.
        truncated = rss(good_items("malformed-truncated")).replace("</channel></rss>", "<item><title>cut")
        self.page("/feeds/malformed-truncated.xml", truncated, xml)
        self.page("/feeds/not-a-feed.xml", "<html><body><h1>Maintenance</h1></body></html>", "text/html")
        self.page("/feeds/empty.xml", b"", xml)
        for status in (404, 410, 500):
            self.page(f"/feeds/http-{status}.xml", f"error {status}", "text/plain", status=status)
        self.page("/feeds/http-503.xml", "busy", "text/plain", status=503, headers={"Retry-After": "7200"})

        # Encodings declared wrongly: windows-1256 and iso-8859-1 bytes declared as utf-8.
        arabic = rss(good_items("feed-cp1256"), title="أخبار اليوم").encode("cp1256")
        self.page("/feeds/feed-cp1256.xml", arabic, xml)
        french = rss(good_items("feed-latin1"), title="Actualités à la une, été").encode("iso-8859-1")
        self.page("/feeds/feed-latin1.xml", french, xml)

        # Entity-expansion bomb and external entities.
        lol = '<!ENTITY lol "lolololololololololol">' + "".join(
            f'<!ENTITY lol{n} "{("&lol%s;" % (n - 1 if n > 1 else "")) * 10}">' for n in range(1, 10)
        )
        bomb = rss(good_items("entity-bomb"), title="&lol9;").replace("?><rss", f"?><!DOCTYPE rss [{lol}]><rss", 1)
        self.page("/feeds/entity-bomb.xml", bomb, xml)
        xxe = rss(good_items("external-entity"), title="&secret;").replace(
            "?><rss", '?><!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]><rss', 1
        )
        self.page("/feeds/external-entity.xml", xxe, xml)

        # Pages: charsets missing or wrong.
        arabic_html = article_html("وزير المالية يعرض الميزانية الجديدة", 1, charset=None,
                                   extra="<p>قال وزير المالية إن الميزانية الجديدة تركز على المدارس والطرق والمستشفيات في المحافظات الشمالية.</p>")  # fmt: skip
        cp1256 = self.page("/pages/cp1256-no-charset.html", arabic_html.encode("cp1256"), "text/html")
        latin_html = article_html("Le conseil adopte le budget de l'été", 2, charset="utf-8",
                                  extra="<p>Élus et habitants se sont réunis à l'hôtel de ville pour débattre des écoles, des routes et des hôpitaux.</p>")  # fmt: skip
        latin1 = self.page("/pages/latin1-declared-utf8.html", latin_html.encode("iso-8859-1"), "text/html; charset=utf-8")
        self.feed("charsets", [(cp1256, "cp1256"), (latin1, "latin1")])

        # Pages that are not HTML, or too big.
        pdf = self.page("/pages/report.pdf.html", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n" + bytes(range(256)) * 40, "text/html")
        png = self.page("/pages/image.html", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "text/html; charset=utf-8")
        self.feed("binary", [(pdf, "pdf"), (png, "png")])
        self.routes["/pages/declared-50mb.html"] = _declared_huge
        self.routes["/pages/streamed-50mb.html"] = _endless
        self.feed("huge", [(self.url("/pages/declared-50mb.html"), "declared"), (self.url("/pages/streamed-50mb.html"), "streamed")])
        bomb_page = self.page("/pages/gzip-bomb.html", GZIP_BOMB, "text/html; charset=utf-8", headers={"Content-Encoding": "gzip"})
        self.feed("gzip-bomb", [(bomb_page, "bomb")])

        # Redirect loop, slow drip, HTTP errors and empty pages for articles.
        self.page("/pages/loop-a.html", "", "text/html", status=302, headers={"Location": "/pages/loop-b.html"})
        self.page("/pages/loop-b.html", "", "text/html", status=302, headers={"Location": "/pages/loop-a.html"})
        self.feed("redirect-loop", [(self.url("/pages/loop-a.html"), "loop")])
        self.routes["/pages/slow-drip.html"] = _slow_drip
        self.feed("slow-drip", [(self.url("/pages/slow-drip.html"), "slow")])
        statuses = []
        for status in (404, 410, 500, 503):
            headers = {"Retry-After": "120"} if status == 503 else {}
            statuses.append((self.page(f"/pages/http-{status}.html", f"error {status}", "text/html", status, headers), str(status)))
        self.feed("article-errors", statuses)
        self.feed("empty-page", [(self.page("/pages/empty.html", b"", "text/html; charset=utf-8"), "empty")])

        # Entries: duplicate GUIDs, no link, relative, javascript: and data: links.
        first = self.page("/pages/dup-1.html", article_html("Duplicate guid one", 11))
        second = self.page("/pages/dup-2.html", article_html("Duplicate guid two", 12))
        self.feed("duplicate-guids", [(first, "same-guid"), (second, "same-guid"), (first, "same-guid"), (first + "?utm_source=rss", "other")])
        self.page("/pages/relative.html", article_html("Relative link article", 13))
        self.feed(
            "links",
            [(None, "no-link"), ("/pages/relative.html", "relative"), ("javascript:alert(1)", "js"),
             ("data:text/html;base64,PGgxPmhpPC9oMT4=", "data"), ("   ", "blank")],
        )  # fmt: skip

        # Addresses the crawler must refuse when NEWS_ALLOW_PRIVATE_ADDRESSES is off.
        metadata = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
        self.page("/pages/redirect-to-private.html", "", "text/html", status=302, headers={"Location": "http://10.0.0.1/admin"})
        self.feed("private-targets", [(metadata, "metadata"), (self.url("/pages/redirect-to-private.html"), "redirect")])

    FEEDS = (
        "malformed-truncated", "not-a-feed", "empty", "http-404", "http-410", "http-500", "http-503",
        "feed-cp1256", "feed-latin1", "entity-bomb", "external-entity", "charsets", "binary", "huge",
        "gzip-bomb", "redirect-loop", "slow-drip", "article-errors", "empty-page", "duplicate-guids", "links",
    )  # fmt: skip

    def feed_urls(self, cases: tuple[str, ...] | None = None) -> list[str]:
        return [self.url(f"/feeds/{case}.xml") for case in (cases or self.FEEDS)]
