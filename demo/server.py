"""Serve the demo news web on 127.0.0.1, one port per outlet, like separate news sites.

Every outlet of ``demo/web/outlets.json`` gets its own port (so its own site in wirecrawl's
eyes). ``{{BASE}}`` in a served file becomes the outlet's base URL. Feeds answer conditional
GETs with 304, as a real news site's server does.

    python -m demo.server            # serve on ports 8701, 8702, ... until Ctrl-C
    python -m demo.server --port 0   # any free ports
"""

from __future__ import annotations

import argparse
import hashlib
import json
import mimetypes
import threading
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

WEB_ROOT = Path(__file__).parent / "web"
DEFAULT_PORT = 8701
LAST_MODIFIED = "Fri, 20 Dec 2024 18:00:00 GMT"
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".xml": "application/xml; charset=utf-8", ".txt": "text/plain; charset=utf-8"}


class OutletHandler(BaseHTTPRequestHandler):
    server_version = "demo-news/1.0"

    def __init__(self, *args: Any, root: Path, base_url: str, **kwargs: Any):
        self.root = root
        self.base_url = base_url
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the crawl logs its requests
        pass

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path).lstrip("/")
        file = (self.root / path).resolve()
        if not file.is_relative_to(self.root.resolve()) or not file.is_file():
            self.send_error(404)
            return
        body = file.read_bytes()
        if file.suffix in CONTENT_TYPES:
            body = body.replace(b"{{BASE}}", self.base_url.encode())
            content_type = CONTENT_TYPES[file.suffix]
        else:
            content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", LAST_MODIFIED)
        self.end_headers()
        self.wfile.write(body)


class DemoWeb:
    """The demo outlets, each served on its own port.

    >>> with DemoWeb(port=0) as web:
    ...     web.feed_lines()
    """

    def __init__(self, root: Path = WEB_ROOT, host: str = "127.0.0.1", port: int = DEFAULT_PORT):
        self.root = root
        self.host = host
        self.port = port
        self.outlets: list[dict[str, Any]] = json.loads((root / "outlets.json").read_text(encoding="utf-8"))
        self.servers: list[ThreadingHTTPServer] = []
        self.base_urls: dict[str, str] = {}

    def start(self) -> DemoWeb:
        for number, outlet in enumerate(self.outlets):
            port = self.port + number if self.port else 0
            server = ThreadingHTTPServer((self.host, port), None)  # type: ignore[arg-type]
            base_url = f"http://{self.host}:{server.server_address[1]}"
            server.RequestHandlerClass = partial(OutletHandler, root=self.root / outlet["slug"], base_url=base_url)  # type: ignore[assignment]
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, name=f"demo-{outlet['slug']}", daemon=True).start()
            self.servers.append(server)
            self.base_urls[outlet["slug"]] = base_url
        return self

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()
        self.servers.clear()

    def __enter__(self) -> DemoWeb:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def feeds(self) -> list[dict[str, str]]:
        feeds = []
        for outlet in self.outlets:
            for path in outlet.get("feeds") or [outlet["feed"]]:
                feeds.append({"url": f"{self.base_urls[outlet['slug']]}/{path}", "name": outlet["name"]})
        return feeds

    def write_feed_list(self, path: Path) -> Path:
        """A feed-list file for ``scrapy crawl feeds -a feeds=PATH``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = [f"{feed['url']} {feed['name']}" for feed in self.feeds()]
        path.write_text("# The demo news web (demo/server.py)\n" + "\n".join(lines) + "\n", encoding="utf-8")
        return path

    def url_of(self, page: str) -> str:
        """The served URL of a page named ``slug/path`` as in demo/web/stories.json."""
        slug, _, path = page.partition("/")
        return f"{self.base_urls[slug]}/{path}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="first port (0: any free ports)")
    args = parser.parse_args()
    web = DemoWeb(port=args.port).start()
    for feed in web.feeds():
        print(feed["url"], feed["name"])
    print("Serving the demo news web; Ctrl-C to stop.")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        web.stop()


if __name__ == "__main__":
    main()
