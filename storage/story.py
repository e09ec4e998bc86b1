"""One story's copies compared: word-level differences from the representative, and the spread.

Plain functions over plain dicts (rows of ``articles``), used by the Datasette story view
(``storage/datasette_plugin``) and testable without Datasette or Scrapy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from difflib import SequenceMatcher
from typing import Any

from .times import parse_time

SAME, ADDED, REMOVED = "same", "added", "removed"

_WORD = re.compile(r"\S+")


@dataclass
class Segment:
    """A run of words that the copy shares with the representative, adds, or leaves out."""

    kind: str  # SAME, ADDED or REMOVED
    text: str


@dataclass
class WordDiff:
    """A copy's text as paragraphs of segments, with the representative's words it lacks in place."""

    paragraphs: list[list[Segment]] = field(default_factory=list)
    words_same: int = 0
    words_added: int = 0
    words_removed: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.words_added or self.words_removed)

    @property
    def shared(self) -> float:
        """Share of the representative's words that the copy kept (1.0 for the representative)."""
        reference = self.words_same + self.words_removed
        return self.words_same / reference if reference else 1.0


def _words(text: str | None) -> tuple[list[str], set[int]]:
    """The words of ``text`` and the indexes of the words that start a paragraph (a line)."""
    words: list[str] = []
    starts: set[int] = set()
    for line in (text or "").splitlines():
        found = _WORD.findall(line)
        if found:
            starts.add(len(words))
            words.extend(found)
    return words, starts


def word_diff(reference: str | None, text: str | None) -> WordDiff:
    """Compare ``text`` (a copy) with ``reference`` (the representative), word by word.

    The result follows the copy's paragraphs (one per line of ``text``): its words are SAME or
    ADDED, and the representative's words that the copy does not have are REMOVED segments at the
    place where they would be. Words are compared exactly (case, punctuation, digits), so
    "2.000" against "2 000" is one word removed and two added.
    """
    old, _ = _words(reference)
    new, starts = _words(text)
    diff = WordDiff()
    paragraph: list[Segment] = []

    def emit(kind: str, words: list[str]) -> None:
        if not words:
            return
        if paragraph and paragraph[-1].kind == kind:
            paragraph[-1].text += " " + " ".join(words)
        else:
            paragraph.append(Segment(kind, " ".join(words)))

    def emit_copy_words(kind: str, first: int, last: int) -> None:
        nonlocal paragraph
        run: list[str] = []
        for index in range(first, last):
            if index in starts and index > 0:
                emit(kind, run)
                run = []
                if paragraph:
                    diff.paragraphs.append(paragraph)
                paragraph = []
            run.append(new[index])
        emit(kind, run)

    # autojunk=False: with it, words more frequent than 1% of a long text ("de", "the") would
    # be ignored as junk and the matching would fall apart.
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            diff.words_same += j2 - j1
            emit_copy_words(SAME, j1, j2)
            continue
        if tag in ("delete", "replace"):
            diff.words_removed += i2 - i1
            # Removed words at a paragraph start belong to the paragraph the copy starts there.
            if j1 in starts and j1 > 0:
                if paragraph:
                    diff.paragraphs.append(paragraph)
                    paragraph = []
                starts.discard(j1)
            emit(REMOVED, old[i1:i2])
        if tag in ("insert", "replace"):
            diff.words_added += j2 - j1
            emit_copy_words(ADDED, j1, j2)
    if paragraph:
        diff.paragraphs.append(paragraph)
    return diff


def format_time(value: str | None) -> str:
    """'2024-12-19 13:32 UTC' for a time, the date alone for a date; '' when empty."""
    parsed = parse_time(value)
    if parsed is None:
        return value or ""
    if len(value.strip()) <= 10:  # a date without a time
        return parsed.date().isoformat()
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def minutes_between(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 60)


def format_minutes(minutes: int | None) -> str:
    """'first copy', '+45 min', '+130 min (2 h 10)', '+1630 min (1 d 3 h 10)'; '' when unknown."""
    if minutes is None:
        return ""
    if minutes == 0:
        return "+0 min"
    sign = "+" if minutes > 0 else "-"
    total = abs(minutes)
    text = f"{sign}{total} min"
    if total >= 60:
        days, rest = divmod(total, 1440)
        hours, mins = divmod(rest, 60)
        parts = ([f"{days} d"] if days else []) + [f"{hours} h"] + ([f"{mins:02d}"] if mins else [])
        text += f" ({' '.join(parts)})"
    return text


def spread(copies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The copies in the order they appeared, each with ``minutes_after_first`` and ``rank``.

    Order is by publication time (copies without one come last, by fetch time); the first copy
    is the earliest published one, whichever copy is the cluster's representative. Each result is
    a new dict: the copy's keys plus ``published_at`` (datetime or None), ``published_text``,
    ``rank`` (1 = first),
    ``minutes_after_first`` (int, None without a publication time) and ``after_first`` (text).
    """

    def key(copy: dict[str, Any]) -> tuple:
        published = parse_time(copy.get("published"))
        fetched = parse_time(copy.get("fetched"))
        never = datetime.max.replace(tzinfo=timezone.utc)
        return (published is None, published or never, fetched or never, str(copy.get("id")))

    ordered = sorted(copies, key=key)
    first = parse_time(ordered[0].get("published")) if ordered else None
    result = []
    for rank, copy in enumerate(ordered, start=1):
        published = parse_time(copy.get("published"))
        minutes = minutes_between(first, published)
        result.append(
            {
                **copy,
                "published_at": published,
                "published_text": format_time(copy.get("published")),
                "rank": rank,
                "minutes_after_first": minutes,
                "after_first": "first copy" if rank == 1 and minutes is not None else format_minutes(minutes),
            }
        )
    return result


def compare_copies(copies: list[dict[str, Any]], representative_id: int | None = None) -> dict[str, Any]:
    """Everything the story view shows, from the rows of one cluster's articles.

    ``copies`` are dicts with at least ``id``, ``title``, ``text``, ``published``; the
    representative is the copy with ``representative_id`` (else the first fetched one, else the
    first published). Returns ``{"representative", "copies", "first", "span_minutes"}`` where
    ``copies`` is the spread order (see ``spread``), each copy with ``is_representative``,
    ``text_diff`` and ``title_diff`` (``WordDiff`` against the representative).
    """
    if not copies:
        return {"representative": None, "copies": [], "first": None, "span_minutes": None}
    ordered = spread(copies)
    representative = next((copy for copy in ordered if copy.get("id") == representative_id), None)
    if representative is None:
        never = datetime.max.replace(tzinfo=timezone.utc)
        representative = min(ordered, key=lambda copy: (parse_time(copy.get("fetched")) or never, copy["rank"]))
    for copy in ordered:
        copy["is_representative"] = copy is representative
        copy["text_diff"] = word_diff(representative.get("text"), copy.get("text"))
        copy["title_diff"] = word_diff(representative.get("title"), copy.get("title"))
    timed = [copy["minutes_after_first"] for copy in ordered if copy["minutes_after_first"] is not None]
    return {
        "representative": representative,
        "copies": ordered,
        "first": ordered[0] if ordered[0]["minutes_after_first"] is not None else None,
        "span_minutes": max(timed) if timed else None,
    }


def across_languages(copies: list[dict[str, Any]], clusters: list[dict[str, Any]]) -> dict[str, Any]:
    """One story's copies in every language on one timeline, and each language's first copy.

    ``copies`` are rows of ``articles`` of all the story's clusters (with ``cluster_id`` and
    ``language``); ``clusters`` are its ``clusters`` rows (``id``, ``representative_id``, ``size``).
    Returns ``{"timeline", "languages", "first_language"}``: the timeline is ``spread`` over every
    copy; each language is ``{"language", "first", "after_story_first", "copies", "clusters"}``
    (its first copy and how long after the story's first copy it came, its number of copies, and
    its clusters, each with its representative), languages in the order they first published.
    """
    timeline = spread(copies)
    by_id = {copy["id"]: copy for copy in timeline}
    languages: dict[str, dict[str, Any]] = {}
    for copy in timeline:
        language = copy.get("language") or "?"
        entry = languages.setdefault(
            language, {"language": language, "first": copy, "after_story_first": copy["after_first"], "copies": 0,
                       "clusters": []},
        )
        entry["copies"] += 1
    for cluster in clusters:
        representative = by_id.get(cluster["representative_id"])
        if representative is None:
            continue
        entry = languages.get(representative.get("language") or "?")
        if entry is not None:
            entry["clusters"].append({**cluster, "representative": representative})
    ordered = list(languages.values())
    return {"timeline": timeline, "languages": ordered, "first_language": ordered[0]["language"] if ordered else None}
