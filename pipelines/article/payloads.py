"""Article markup that a page carries only inside its scripts.

Sites built on Next.js's App Router may send the article's body not as HTML but inside the
React Server Components payload, in ``<script>self.__next_f.push([1, "..."])</script>``
chunks that the browser renders. The joined chunks are rows ``ID:...``; a *text row*,
``ID:T<length in hex>,<that many bytes of UTF-8>``, holds a string, and a CMS's body is such a
string of HTML. trafilatura, which reads no scripts, finds nothing on such a page (one page of
the shared corpus, Hankook Ilbo's).

``scripted_article_html`` returns the text row that holds the most paragraph text, as an HTML
document for the extraction to read instead; ``extract_article`` asks for it only when the
page's own markup gave too little text, so pages that render their article server-side (most
Next.js sites) never pay for it.
"""

from __future__ import annotations

import json
import re

_PUSH = re.compile(r'self\.__next_f\.push\(\[1,("(?:[^"\\]|\\.)*")\]\)', re.DOTALL)
_TEXT_ROW = re.compile(rb"([0-9a-f]{1,8}):T([0-9a-f]{1,8}),")
_PARAGRAPH = re.compile(r"<p[\s>]", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
# Placeholders a CMS leaves in the body for the page's script to put ads in: $$ARTICLEAD$$.
_PLACEHOLDER = re.compile(r"\$\$[A-Z0-9_]+\$\$")


def server_component_texts(html: str) -> list[str]:
    """The text rows of a page's React Server Components payload (none without one)."""
    if "self.__next_f" not in html:
        return []
    chunks = []
    for literal in _PUSH.findall(html):
        try:
            chunks.append(json.loads(literal))
        except ValueError:  # a chunk cut short: the others are still read
            continue
    payload = "".join(chunks).encode("utf-8", "surrogatepass")
    texts = []
    position = 0
    while row := _TEXT_ROW.search(payload, position):
        # A row starts the payload, a line, or right where a text row ended (text rows have no
        # line end); anything else is the row pattern inside some other row's data.
        if row.start() not in (0, position) and payload[row.start() - 1 : row.start()] != b"\n":
            position = row.start() + 1
            continue
        end = row.end() + int(row.group(2), 16)
        texts.append(payload[row.end() : end].decode("utf-8", "replace"))
        position = end
    return texts


def scripted_article_html(html: str) -> str | None:
    """The payload's text row with the most paragraph text, as an HTML document, or None."""
    best, best_letters = None, 0
    for text in server_component_texts(html):
        if not _PARAGRAPH.search(text):
            continue
        letters = len(_TAG.sub("", text).strip())
        if letters > best_letters:
            best, best_letters = text, letters
    if best is None:
        return None
    return f"<html><body><article>{_PLACEHOLDER.sub('', best)}</article></body></html>"
