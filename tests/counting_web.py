"""Test webs that count at the server: the demo web with a count of every path fetched, and a
web of several hosts on 127.0.0.x that also measures each host's politeness (requests at once
and the shortest gap between two requests' arrivals), across every client together."""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from demo.server import DemoWeb, OutletHandler
from tests.site_pages import article_paragraphs, headline


class Meter:
    """Fetches per URL and, per host, requests at once and arrival times (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.fetches: Counter[str] = Counter()
        self.active: Counter[str] = Counter()
        self.most_at_once: Counter[str] = Counter()
        self.arrivals: dict[str, list[float]] = defaultdict(list)
        self.log: list[tuple[float, str, str]] = []

    def begin(self, host: str, url: str) -> None:
        with self.lock:
            self.fetches[url] += 1
            self.arrivals[host].append(time.monotonic())
            self.log.append((time.monotonic(), host, url))
            self.active[host] += 1
            self.most_at_once[host] = max(self.most_at_once[host], self.active[host])

    def end(self, host: str) -> None:
        with self.lock:
            self.active[host] -= 1

    def reset(self) -> None:
        with self.lock:
            self.fetches.clear()
            self.most_at_once.clear()
            self.arrivals.clear()
            self.log.clear()

    def shortest_gap(self, host: str) -> float:
        times = sorted(self.arrivals[host])
        return min((b - a for a, b in zip(times, times[1:])), default=float("inf"))

    def most_in_window(self, host: str, window: float) -> int:
        times = sorted(self.arrivals[host])
        most, first = 0, 0
        for last, when in enumerate(times):
            while when - times[first] > window:
                first += 1
            most = max(most, last - first + 1)
        return most


class CountingOutletHandler(OutletHandler):
    def __init__(self, *args: Any, meter: Meter, **kwargs: Any):
        self.meter = meter
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        host = self.headers.get("Host", "")
        self.meter.begin(host, f"http://{host}{self.path}")
        try:
            super().do_GET()
        finally:
            self.meter.end(host)


class CountingDemoWeb(DemoWeb):
    """The demo web, counting every fetch of every URL."""

    def __init__(self) -> None:
        super().__init__(port=0)
        self.meter = Meter()

    def start(self) -> CountingDemoWeb:
        super().start()
        for server in self.servers:
            handler = server.RequestHandlerClass
            server.RequestHandlerClass = partial(CountingOutletHandler, meter=self.meter, **handler.keywords)  # type: ignore
        return self


# Stories copied by several hosts (wire copies): (story number, hosts that print it).
COPIED = {100: (0, 1, 2), 101: (0, 2), 102: (1, 2)}
OWN_PER_HOST = 7


class MultiHostHandler(BaseHTTPRequestHandler):
    server_version = "multihost/1.0"

    def __init__(self, *args: Any, web: MultiHostWeb, host_number: int, **kwargs: Any):
        self.web = web
        self.host_number = host_number
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        host = self.headers.get("Host", "")
        self.web.meter.begin(host, f"http://{host}{self.path}")
        try:
            status, content_type, body = self.web.respond(self.host_number, self.path)
            time.sleep(self.web.page_seconds)  # a page takes time to serve: requests overlap
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        finally:
            self.web.meter.end(host)


class MultiHostWeb:
    """Three news sites on 127.0.0.2, .3 and .4 (one port), each a feed of its own articles and
    of the wire stories it copies; every page is served after ``page_seconds``."""

    def __init__(self, hosts: int = 3, page_seconds: float = 0.03):
        self.addresses = [f"127.0.0.{number + 2}" for number in range(hosts)]
        self.page_seconds = page_seconds
        self.meter = Meter()
        self.servers: list[ThreadingHTTPServer] = []
        self.port = 0

    def stories_of(self, host: int) -> list[int]:
        own = [1000 * (host + 1) + number for number in range(OWN_PER_HOST)]
        return own + [story for story, hosts in COPIED.items() if host in hosts]

    def base(self, host: int) -> str:
        return f"http://{self.addresses[host]}:{self.port}"

    def respond(self, host: int, path: str) -> tuple[int, str, bytes]:
        if path == "/feed.xml":
            items = "".join(
                f"<item><title>{headline(story)}</title><link>{self.base(host)}/news/{story}.html</link>"
                f"<guid>{self.base(host)}/news/{story}.html</guid><pubDate>Thu, 19 Dec 2024 10:00:00 GMT</pubDate></item>"
                for story in self.stories_of(host)
            )
            feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Site {host}</title>{items}</channel></rss>'
            return 200, "application/rss+xml", feed.encode()
        if path.startswith("/news/") and path.endswith(".html"):
            story = int(path[6:-5])
            if story in self.stories_of(host):
                body = "".join(f"<p>{text}</p>" for text in article_paragraphs(story))
                page = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{headline(story)}</title>'
                        f"</head><body><article><h1>{headline(story)}</h1>{body}</article></body></html>")  # fmt: skip
                return 200, "text/html; charset=utf-8", page.encode()
        if path == "/robots.txt":
            return 200, "text/plain", b"User-agent: *\nAllow: /\n"
        return 404, "text/plain", b"not found"

    def article_urls(self) -> set[str]:
        return {f"{self.base(host)}/news/{story}.html" for host in range(len(self.addresses)) for story in self.stories_of(host)}

    def write_feed_list(self, path: Path) -> Path:
        path.write_text("".join(f"{self.base(host)}/feed.xml\n" for host in range(len(self.addresses))), encoding="utf-8")
        return path

    def start(self) -> MultiHostWeb:
        from tests.redis_server import free_port

        self.port = free_port()
        for number, address in enumerate(self.addresses):
            server = ThreadingHTTPServer((address, self.port), partial(MultiHostHandler, web=self, host_number=number))
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self.servers.append(server)
        return self

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()

    def __enter__(self) -> MultiHostWeb:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
