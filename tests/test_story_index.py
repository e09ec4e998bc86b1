"""storage/story_index.py: evidence lookups in the story index, and the common keys it skips."""

from storage import NewsDatabase
from storage.story_index import MAX_CLUSTERS_PER_KEY, StoryIndex

DAY = "2024-12-19T{:02d}:00:00+00:00"
COMMON_KEY = 2024  # as a year would be: in every cluster of the day


def evidence_terms(conn, lookup):
    """How many (period, key) reads of story_evidence a lookup sends to SQLite."""
    statements = []
    conn.set_trace_callback(statements.append)
    try:
        result = lookup()
    finally:
        conn.set_trace_callback(None)
    return sum(sql.count("FROM story_evidence WHERE period") for sql in statements), result


def fill(index, clusters):
    """Clusters of one day, each with the common key, a key of its own and a key of its pair."""
    for number in range(clusters):
        keys = {COMMON_KEY: "d", 10_000 + number: "e", 20_000 + number // 2: "n"}
        index.add(number + 1, number + 1, "fr", DAY.format(number % 24), keys)


def test_a_key_of_more_clusters_than_the_limit_weighs_nothing_and_is_read_once(db_path):
    db = NewsDatabase.open(db_path)
    index = StoryIndex(db.conn, window_hours=24)
    fill(index, MAX_CLUSTERS_PER_KEY + 10)
    wanted = {COMMON_KEY: "d", 10_003: "e", 20_001: "n"}

    first_terms, (candidates, frequency) = evidence_terms(db.conn, lambda: index.candidates(wanted, DAY.format(12)))
    assert COMMON_KEY not in frequency
    assert {candidate.cluster_id for candidate in candidates} == {3, 4}
    assert frequency == {10_003: 1, 20_001: 2}

    # The second lookup no longer reads the common key in any period of its window...
    second_terms, again = evidence_terms(db.conn, lambda: index.candidates(wanted, DAY.format(13)))
    periods = len(index.periods_around(DAY.format(13)))
    assert first_terms == 3 * periods and second_terms == 2 * periods
    # ... and answers as a new process that reads everything does.
    fresh = StoryIndex(db.conn, window_hours=24).candidates(wanted, DAY.format(13))
    assert again[1] == fresh[1]
    assert sorted((c.cluster_id, c.shared) for c in again[0]) == sorted((c.cluster_id, c.shared) for c in fresh[0])
    db.close()


def test_a_key_under_the_limit_keeps_its_weight_and_is_read_every_time(db_path):
    db = NewsDatabase.open(db_path)
    index = StoryIndex(db.conn, window_hours=24)
    fill(index, MAX_CLUSTERS_PER_KEY)
    wanted = {COMMON_KEY: "d", 10_003: "e"}
    for hour in (12, 13):
        terms, (candidates, frequency) = evidence_terms(db.conn, lambda: index.candidates(wanted, DAY.format(hour)))
        assert frequency[COMMON_KEY] == MAX_CLUSTERS_PER_KEY
        assert terms == 2 * len(index.periods_around(DAY.format(hour)))
    db.close()


def test_only_clusters_sharing_enough_keys_are_candidates_but_every_holder_counts(db_path):
    db = NewsDatabase.open(db_path)
    index = StoryIndex(db.conn, window_hours=24)
    fill(index, 10)  # cluster n holds 10_000 + n and, with its pair, 20_000 + n // 2
    wanted = {10_004: "e", 20_002: "n"}  # cluster 5 holds both, cluster 6 only the second
    candidates, frequency = index.candidates(wanted, DAY.format(12), min_shared=2)
    assert [candidate.cluster_id for candidate in candidates] == [5]
    assert candidates[0].shared == wanted
    assert frequency == {10_004: 1, 20_002: 2}
    db.close()
