"""A local web of three outlets on 127.0.0.2, .3 and .4 (one port), for the sites and sitemaps tests.

* **sitemap outlet** (127.0.0.2): a homepage without feed links, a robots.txt whose ``Sitemap:``
  line names a sitemap index; the index lists a gzipped Google News sitemap (the last two days,
  with publication times, titles and languages; no lastmod in the index) and a nested archive
  index (with lastmods) of a plain sitemap of every recent article (with lastmod) and an old one
  of last month's;
* **feed outlet** (127.0.0.3): a homepage declaring its feed (``<link rel="alternate">``), which
  lists the last three days; a robots.txt without ``Sitemap:`` lines, and a plain sitemap of all
  its articles at the usual ``/sitemap.xml``;
* **quiet outlet** (127.0.0.4): a homepage without feed links, no robots.txt, no sitemap; its
  feed is at the usual ``/rss``.

Every outlet has ten articles, one a day (``DAYS``) an hour before the web was built, and the
sitemap outlet five older ones in its old sitemap. ``add_article`` publishes one more (now) the
way such a site does: its feed, its news sitemap and its plain sitemap change (new ETags); the
sitemap outlet's index stays the same (it answers 304).

Every feed and sitemap answers 304 to its ETag. ``hits`` counts every request per host and path.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from tests.hostile_server import HostileWeb, article_html

DAYS = 10
RSS_TYPE = "application/rss+xml; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"
NEWS_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'


class Host(HostileWeb):
    """One outlet's server: HostileWeb's routes and hit counts, without its hostile content."""

    def _build(self) -> None:
        pass


@dataclass
class Article:
    host: Host
    path: str
    published: datetime
    title: str

    @property
    def url(self) -> str:
        return self.host.url(self.path)


def w3c(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


def rfc822(when: datetime) -> str:
    return when.strftime("%a, %d %b %Y %H:%M:%S +0000")


class NewsSites:
    def __init__(self) -> None:
        self.now = datetime.now(timezone.utc).replace(microsecond=0)
        self.version = 1
        self.articles: dict[str, list[Article]] = {"sitemap": [], "feed": [], "quiet": []}
        self.old: list[Article] = []

    def __enter__(self) -> NewsSites:
        self.sitemap = Host("127.0.0.2").start()
        port = self.sitemap.server.server_address[1]
        self.feed = Host("127.0.0.3", port=port).start()
        self.quiet = Host("127.0.0.4", port=port).start()
        self.hosts = {"sitemap": self.sitemap, "feed": self.feed, "quiet": self.quiet}
        seed = 0
        for name, host in self.hosts.items():
            for day in range(DAYS):
                seed += 1
                self._article(name, host, f"/{name}/day-{day}.html", self.now - timedelta(days=day, hours=1), seed)
        for day in range(5):
            seed += 1
            when = self.now - timedelta(days=30 + day)
            title = f"An old sitemap outlet story {day}"
            self.sitemap.page(f"/archive/old-{day}.html", article_html(title, seed + 100))
            self.old.append(Article(self.sitemap, f"/archive/old-{day}.html", when, title))
        self._homepages()
        self._publish()
        return self

    def __exit__(self, *exc: object) -> None:
        for host in self.hosts.values():
            host.stop()

    # --- content ---

    def _article(self, name: str, host: Host, path: str, when: datetime, seed: int) -> Article:
        title = f"The {name} outlet reports story {seed}"
        if name == "sitemap" and seed == 2:
            # A page with no title and no date of its own: the sitemap's are kept.
            html = "<html><body><article>" + article_html(title, seed).split("<article>", 1)[1].replace(
                f"<h1>{title}</h1>", ""
            )  # fmt: skip
            html = html.replace(title, "")
        else:
            html = article_html(title, seed)
        host.page(path, html)
        article = Article(host, path, when, title)
        self.articles[name].append(article)
        return article

    def add_article(self) -> list[Article]:
        """One new article per outlet, published now; the feeds and sitemaps that list it change."""
        self.version += 1
        added = []
        for name, host in self.hosts.items():
            seed = 900 + self.version * 10 + len(added)
            added.append(self._article(name, host, f"/{name}/new-{self.version}.html", datetime.now(timezone.utc), seed))
        self._publish()
        return added

    def _homepages(self) -> None:
        links = "".join(f'<li><a href="/{name}/day-0.html">Latest</a></li>' for name in ("x", "y"))
        body = f"<body><h1>Front page</h1><ul>{links}</ul></body>"
        self.sitemap.page("/", f"<html><head><title>Sitemap outlet</title></head>{body}</html>")
        self.sitemap.page(
            "/robots.txt",
            f"User-agent: *\nDisallow: /private/\n\nSitemap: {self.sitemap.url('/sitemap_index.xml')}\n",
            "text/plain",
        )
        head = '<link rel="alternate" type="application/rss+xml" title="Feed outlet" href="/feed.xml">'
        self.feed.page("/", f"<html><head><title>Feed outlet</title>{head}</head>{body}</html>")
        self.feed.page("/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")
        self.quiet.page("/", f"<html><head><title>Quiet outlet</title></head>{body}</html>")

    def _publish(self) -> None:
        """(Re)write every feed and sitemap from the articles; each changed one gets a new ETag."""
        tag = f'"v{self.version}"'
        site = self.sitemap
        # The index never changes: it lists the news sitemap without a lastmod.
        if self.version == 1:
            index = (
                f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>{site.url('/news-sitemap.xml.gz')}</loc></sitemap>"
                f"<sitemap><loc>{site.url('/sitemaps/archive-index.xml')}</loc><lastmod>{w3c(self.now)}</lastmod></sitemap>"
                f"</sitemapindex>"
            )
            site.conditional_page("/sitemap_index.xml", index, XML_TYPE, '"index"')
            archive = (
                f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>{site.url('/sitemaps/recent.xml')}</loc><lastmod>{w3c(self.now)}</lastmod></sitemap>"
                f"<sitemap><loc>{site.url('/sitemaps/old.xml')}</loc><lastmod>{w3c(self.now - timedelta(days=25))}</lastmod></sitemap>"
                f"</sitemapindex>"
            )
            site.conditional_page("/sitemaps/archive-index.xml", archive, XML_TYPE, '"archive"')
            old = "".join(f"<url><loc>{a.url}</loc><lastmod>{w3c(a.published)}</lastmod></url>" for a in self.old)
            site.conditional_page("/sitemaps/old.xml", f'<?xml version="1.0"?><urlset {NEWS_NS}>{old}</urlset>', XML_TYPE, '"old"')
        recent = self.articles["sitemap"]
        news = "".join(
            f"<url><loc>{a.url}</loc><news:news><news:publication><news:name>Sitemap outlet</news:name>"
            f"<news:language>en</news:language></news:publication>"
            f"<news:publication_date>{w3c(a.published)}</news:publication_date><news:title>{a.title}</news:title>"
            f"<news:keywords>council, budget</news:keywords></news:news></url>"
            for a in recent
            if a.published >= self.now - timedelta(days=2)
        )
        site.conditional_page(
            "/news-sitemap.xml.gz", gzip.compress(f'<?xml version="1.0" encoding="UTF-8"?><urlset {NEWS_NS}>{news}</urlset>'.encode()),
            "application/x-gzip", tag,
        )  # fmt: skip
        plain = "".join(f"<url><loc>{a.url}</loc><lastmod>{w3c(a.published)}</lastmod></url>" for a in recent)
        site.conditional_page("/sitemaps/recent.xml", f'<?xml version="1.0"?><urlset {NEWS_NS}>{plain}</urlset>', XML_TYPE, tag)

        feed_articles = self.articles["feed"]
        listed = [a for a in feed_articles if a.published >= self.now - timedelta(days=3)]
        self.feed.conditional_page("/feed.xml", _rss("Feed outlet", listed), RSS_TYPE, tag)
        # Its sitemap's times in another offset: the window compares instants.
        plain = "".join(
            f"<url><loc>{a.url}</loc><lastmod>{w3c(a.published.astimezone(timezone(timedelta(hours=3))))}</lastmod></url>"
            for a in feed_articles
        )
        self.feed.conditional_page("/sitemap.xml", f'<?xml version="1.0"?><urlset {NEWS_NS}>{plain}</urlset>', XML_TYPE, tag)
        self.quiet.conditional_page("/rss", _rss("Quiet outlet", self.articles["quiet"]), RSS_TYPE, tag)

    # --- what the tests ask ---

    def site_urls(self) -> str:
        return ",".join(host.url("/") for host in self.hosts.values())

    def all_articles(self) -> list[Article]:
        return [a for articles in self.articles.values() for a in articles] + self.old

    def hits(self, article: Article) -> int:
        return article.host.hits.get(article.path, 0)

    def hit_counts(self) -> dict[str, int]:
        return {f"{host.host}{path}": count for host in self.hosts.values() for path, count in host.hits.items()}


def _rss(title: str, articles: list[Any]) -> str:
    items = "".join(
        f"<item><title>{a.title}</title><link>{a.url}</link><guid>{a.url}</guid><pubDate>{rfc822(a.published)}</pubDate></item>"
        for a in articles
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>{items}</channel></rss>'
