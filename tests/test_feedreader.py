"""crawler.feedreader: one feed read into plain data, here and in a process of its own."""

import os
import signal
from concurrent.futures.process import BrokenProcessPool

import pytest

from crawler.feedreader import FeedReaderPool, feed_content_type, read_feed

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Le Courrier du Levant</title>
<item><title>Irak : retour de 1.905 militaires syriens</title>
  <link>https://courrier.example/irak-retour.html?utm_source=rss</link>
  <pubDate>Thu, 19 Dec 2024 10:00:00 +0100</pubDate></item>
<item><title>Le même, par un autre flux</title><link>https://courrier.example/irak-retour.html</link></item>
<item><title>Un lien relatif</title><link>/syrie/amnistie.html</link></item>
<item><title>Un lien piégé</title><link>javascript:alert(1)</link></item>
</channel></rss>""".encode("utf-8")


def test_links_are_canonical_first_entry_wins_and_unusable_ones_say_why():
    reading = read_feed(FEED, "https://courrier.example/feed.xml", "application/rss+xml")
    assert (reading.entries, reading.title, reading.problem) == (4, "Le Courrier du Levant", None)
    assert list(reading.links) == ["https://courrier.example/irak-retour.html", "https://courrier.example/syrie/amnistie.html"]
    first = reading.links["https://courrier.example/irak-retour.html"]
    assert (first.title, first.published) == ("Irak : retour de 1.905 militaires syriens", "2024-12-19T09:00:00+00:00")
    assert len(reading.unusable) == 1 and "javascript" in reading.unusable[0][1]


def test_truncated_feed_is_malformed_but_keeps_the_entries_read():
    reading = read_feed(FEED[: FEED.index(b"<item><title>Un lien relatif")], "https://courrier.example/feed.xml")
    assert reading.problem == "malformed" and reading.problem_message
    assert reading.entries == 2 and len(reading.links) == 1


def test_pool_reads_a_feed_in_another_process():
    pool = FeedReaderPool()
    try:
        reading = pool.submit(FEED, "https://courrier.example/feed.xml", "application/rss+xml").result(timeout=60)
    finally:
        pool.close()
    assert len(reading.links) == 2 and reading.title == "Le Courrier du Levant"


def test_pool_closed_after_its_process_died_reads_the_next_feed_in_a_new_one():
    pool = FeedReaderPool()
    try:
        pool.submit(FEED, "https://courrier.example/feed.xml", None).result(timeout=60)
        for pid in list(pool._pool._processes):  # the reader process, killed as the OOM killer would
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(BrokenProcessPool):
            pool.submit(FEED, "https://courrier.example/feed.xml", None).result(timeout=60)
        pool.close()
        assert len(pool.submit(FEED, "https://courrier.example/feed.xml", None).result(timeout=60).links) == 2
    finally:
        pool.close()


UTF8_FEED = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Actualités — أخبار</title>
<item><title>Été à Gaza</title><link>https://news.example/a.html</link></item></channel></rss>"""


@pytest.mark.parametrize("content_type", ["text/xml", "text/xml; format=rss", "application/xml", "text/xml; charset=utf-8"])
def test_a_utf8_feed_that_says_so_is_no_encoding_problem_whatever_its_content_type(content_type):
    reading = read_feed(UTF8_FEED.encode("utf-8"), "https://news.example/rss", content_type)
    assert (reading.problem, reading.title, reading.encoding) == (None, "Actualités — أخبار", "utf-8")


def test_bytes_that_do_not_fit_the_declared_encoding_are_still_an_encoding_problem():
    reading = read_feed(UTF8_FEED.replace(" — أخبار", "").encode("latin-1"), "https://news.example/rss", "text/xml")
    assert reading.problem == "encoding" and "declared as utf-8" in reading.problem_message


def test_text_xml_without_charset_is_read_by_the_feeds_own_declaration():
    assert feed_content_type("text/xml") == "application/xml"
    assert feed_content_type("Text/XML; format=rss") == "application/xml; format=rss"
    assert feed_content_type("text/xml; charset=iso-8859-1") == "text/xml; charset=iso-8859-1"
    assert feed_content_type("text/html") == "text/html"
    assert feed_content_type(None) is None


def big_feed(entries: int) -> bytes:
    items = "".join(f"<item><title>Dépêche {n}</title><link>https://courrier.example/{n}.html</link></item>" for n in range(entries))
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Gros</title>{items}</channel></rss>'.encode()


def test_when_the_reader_dies_only_the_feed_it_was_reading_fails_and_the_next_ones_are_read():
    import asyncio

    async def scenario():
        pool = FeedReaderPool()
        try:
            slow = asyncio.ensure_future(pool.read(big_feed(40000), "https://courrier.example/big.xml", None))
            queued = [asyncio.ensure_future(pool.read(FEED, f"https://courrier.example/{n}.xml", None)) for n in range(3)]
            while pool._pool is None or not pool._pool._processes:
                await asyncio.sleep(0.05)
            await asyncio.sleep(1.0)  # the big feed is being read (it takes seconds)
            assert not slow.done()
            for pid in list(pool._pool._processes):  # killed, as the OOM killer would
                os.kill(pid, signal.SIGKILL)
            results = await asyncio.gather(slow, *queued, return_exceptions=True)
        finally:
            pool.close()
        return results

    slow, *queued = asyncio.run(scenario())
    assert isinstance(slow, BrokenProcessPool)
    assert [len(reading.links) for reading in queued] == [2, 2, 2]
