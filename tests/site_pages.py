"""Pages of fictional news sites, each in its site's template, for the site-template tests.

Every page of one layout has the same chrome (menu, share bar, newsletter box, related links,
footer) around an article of its own: the words of each article differ, so only the
template repeats. All text here is written for these tests.
"""

from __future__ import annotations

import json

SUBJECTS = [
    "The regional council", "A group of fishermen", "The transport authority", "Farmers in the valley",
    "The city's main hospital", "A coalition of teachers", "The port operator", "Residents of the old quarter",
    "The national weather office", "Two rival bus companies", "The university library", "A local brewery",
]  # fmt: skip
ACTIONS = [
    "announced a new plan", "voted against the proposal", "asked for more time", "published its yearly figures",
    "opened a public inquiry", "signed a three-year agreement", "warned of further delays", "reported record numbers",
]  # fmt: skip
DETAILS = [
    "after weeks of talks with the ministry", "despite strong objections from the opposition",
    "as prices kept rising through the winter", "following a long dispute over water rights",
    "while the river stayed above its usual level", "before the summer season begins in June",
]  # fmt: skip


def article_paragraphs(number: int, paragraphs: int = 6) -> list[str]:
    """Paragraphs no other page shares: each sentence is a different pick, with its own figures."""
    out = []
    for p in range(paragraphs):
        sentences = []
        for s in range(3):
            k = number * 31 + p * 7 + s * 3
            sentences.append(
                f"{SUBJECTS[k % len(SUBJECTS)]} {ACTIONS[(k // 3) % len(ACTIONS)]} on day {number * 10 + p + s}"
                f" {DETAILS[(k // 5) % len(DETAILS)]}, and {number * 97 + p * 13 + s} people were said to be concerned."
            )
        out.append(" ".join(sentences))
    return out


def headline(number: int) -> str:
    return f"{SUBJECTS[number % len(SUBJECTS)]} {ACTIONS[number % len(ACTIONS)]} in week {number}"


CHROME_TOP = """<header class="masthead"><a href="/">Harbour Gazette</a>
<nav class="menu"><a href="/news">News</a> <a href="/sport">Sport</a> <a href="/weather">Weather</a></nav></header>"""
SHARE = '<div class="share-tools">Share this article with your friends on every network you use</div>'
NEWSLETTER = ('<div class="newsletter-box"><p>Sign up for our morning newsletter and get the day\'s headlines'
              " in your inbox before breakfast every day</p></div>")
RELATED = """<div class="related-stories"><h3>More from the Gazette</h3><ul>
<li><a href="/a">Storm closes the coastal road for a second night in a row</a></li>
<li><a href="/b">New ferry timetable starts next Monday for all passengers</a></li></ul></div>"""
FOOTER = '<footer class="site-footer"><p>Harbour Gazette, all rights reserved, since 1901.</p></footer>'


def page(number: int, layout: str = "classic", live_blog: bool = False) -> str:
    """One article page of the fictional site; ``layout`` "classic", "opinion" or "redesign"."""
    title = headline(number)
    body = "".join(f"<p>{text}</p>" for text in article_paragraphs(number))
    ld = json.dumps({"@type": "LiveBlogPosting" if live_blog else "NewsArticle", "headline": title})
    if layout == "classic":
        main = (f'<div id="page"><div class="main-column"><h1>{title}</h1><div class="article-body post-{number}">'
                f"{SHARE}{body}{NEWSLETTER}{RELATED}</div></div></div>")
    elif layout == "opinion":
        main = (f'<div id="page"><section class="opinion-column"><h1>{title}</h1><div class="opinion-text">'
                f"{body}{SHARE}</div>{RELATED}</section></div>")
    else:  # a redesign: new class names everywhere
        main = (f'<main class="wrap-2025"><article class="story"><h1>{title}</h1><div class="story__content">'
                f"{body}<aside class=\"promo\">{NEWSLETTER}</aside></div></article>{RELATED}</main>")
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} | Harbour Gazette</title>'
            f'<script type="application/ld+json">{ld}</script></head>'
            f"<body>{CHROME_TOP}{main}{FOOTER}</body></html>")
