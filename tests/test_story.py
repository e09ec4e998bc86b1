"""storage.story: word-level differences from the representative, and the spread of the copies."""

from datetime import datetime, timezone

from storage.story import (
    ADDED,
    REMOVED,
    SAME,
    Segment,
    compare_copies,
    format_minutes,
    format_time,
    parse_time,
    spread,
    word_diff,
)


def kinds(diff):
    return [[(segment.kind, segment.text) for segment in paragraph] for paragraph in diff.paragraphs]


def test_identical_texts_are_one_same_segment_per_paragraph():
    text = "Les autorités irakiennes ont annoncé le retour.\nDétails du retour."
    diff = word_diff(text, text)
    assert kinds(diff) == [[(SAME, "Les autorités irakiennes ont annoncé le retour.")], [(SAME, "Détails du retour.")]]
    assert (diff.words_same, diff.words_added, diff.words_removed) == (10, 0, 0)
    assert not diff.changed and diff.shared == 1.0


def test_replaced_added_and_removed_words_are_marked_in_place():
    reference = "Les autorités irakiennes ont annoncé le retour de près de 2.000 militaires syriens."
    copy = "BAGDAD (AFP) - Les autorités irakiennes ont indiqué le retour de près de 2 000 militaires."
    diff = word_diff(reference, copy)
    assert kinds(diff) == [
        [
            (ADDED, "BAGDAD (AFP) -"),
            (SAME, "Les autorités irakiennes ont"),
            (REMOVED, "annoncé"),
            (ADDED, "indiqué"),
            (SAME, "le retour de près de"),
            # Words are compared exactly: "militaires." is not "militaires".
            (REMOVED, "2.000 militaires syriens."),
            (ADDED, "2 000 militaires."),
        ]
    ]
    assert (diff.words_same, diff.words_added, diff.words_removed) == (9, 7, 4)
    assert diff.changed and round(diff.shared, 3) == round(9 / 13, 3)


def test_paragraphs_follow_the_copy_and_removed_paragraphs_stay_in_place():
    reference = "Premier paragraphe.\nDeuxième paragraphe coupé.\nTroisième paragraphe."
    copy = "Premier paragraphe.\nTroisième paragraphe.\nUne phrase ajoutée."
    diff = word_diff(reference, copy)
    assert kinds(diff) == [
        [(SAME, "Premier paragraphe.")],
        [(REMOVED, "Deuxième paragraphe coupé."), (SAME, "Troisième paragraphe.")],
        [(ADDED, "Une phrase ajoutée.")],
    ]


def test_empty_texts():
    assert word_diff("", "").paragraphs == []
    assert word_diff(None, "Un mot").paragraphs == [[Segment(ADDED, "Un mot")]]
    only_removed = word_diff("Un mot", "")
    assert only_removed.paragraphs == [[Segment(REMOVED, "Un mot")]] and only_removed.shared == 0.0


def test_frequent_words_still_match_in_long_texts():
    # difflib's autojunk would drop words that make up more than 1% of a 200+ word text.
    reference = " ".join(f"de la phrase {n} de la" for n in range(100))
    copy = reference.replace("phrase 50 ", "phrase cinquante ")
    diff = word_diff(reference, copy)
    assert (diff.words_added, diff.words_removed) == (1, 1)


def test_parse_and_format_times():
    assert parse_time("2024-12-19T15:42:00+00:00") == datetime(2024, 12, 19, 15, 42, tzinfo=timezone.utc)
    assert parse_time("2024-12-19T17:42:00+02:00") == datetime(2024, 12, 19, 15, 42, tzinfo=timezone.utc)
    assert parse_time("2024-12-19T15:42Z") == datetime(2024, 12, 19, 15, 42, tzinfo=timezone.utc)
    assert parse_time("2024-12-19") == datetime(2024, 12, 19, tzinfo=timezone.utc)
    assert parse_time("yesterday") is None and parse_time(None) is None
    assert format_time("2024-12-19T17:42:00+02:00") == "2024-12-19 15:42 UTC"
    assert format_time("2024-12-19") == "2024-12-19"
    assert format_minutes(None) == "" and format_minutes(0) == "+0 min" and format_minutes(45) == "+45 min"
    assert format_minutes(130) == "+130 min (2 h 10)"
    assert format_minutes(120) == "+120 min (2 h)"
    assert format_minutes(1630) == "+1630 min (1 d 3 h 10)"


SEED = [
    {"id": 1, "source": "Le Courrier du Levant", "title": "Irak : Retour de 2.000 militaires", "text": "Texte du seed.",
     "published": "2024-12-19T15:42:00+00:00", "fetched": "2024-12-20T08:00:00+00:00"},
    {"id": 2, "source": "La Dépêche du Vivarais", "title": "L'Irak renvoie 2 000 soldats", "text": "Texte du seed, coupé.",
     "published": "2024-12-19T17:10:00+00:00", "fetched": "2024-12-20T08:00:01+00:00"},
    {"id": 3, "source": "Horizon Info", "title": "Irak : 1 905 militaires rapatriés", "text": "Texte du seed. Ajout.",
     "published": "2024-12-19T14:32:00+01:00", "fetched": "2024-12-20T08:00:02+00:00"},
    {"id": 4, "source": "Sans date", "title": "Irak", "text": "Texte du seed.", "published": None,
     "fetched": "2024-12-20T08:00:03+00:00"},
]


def test_spread_orders_by_publication_and_counts_minutes_from_the_first_copy():
    rows = spread(SEED)
    assert [row["id"] for row in rows] == [3, 1, 2, 4]
    assert [row["rank"] for row in rows] == [1, 2, 3, 4]
    assert [row["minutes_after_first"] for row in rows] == [0, 130, 218, None]
    assert [row["after_first"] for row in rows] == ["first copy", "+130 min (2 h 10)", "+218 min (3 h 38)", ""]
    assert rows[0]["published_text"] == "2024-12-19 13:32 UTC"
    assert SEED[0].get("rank") is None  # the input rows are not changed


def test_compare_copies_diffs_every_copy_against_the_representative():
    story = compare_copies(SEED, representative_id=1)
    assert story["representative"]["id"] == 1
    assert story["first"]["source"] == "Horizon Info"
    assert story["span_minutes"] == 218
    by_id = {copy["id"]: copy for copy in story["copies"]}
    assert by_id[1]["is_representative"] and not by_id[1]["text_diff"].changed
    assert not by_id[4]["is_representative"] and not by_id[4]["text_diff"].changed
    assert kinds(by_id[3]["text_diff"]) == [[(SAME, "Texte du seed."), (ADDED, "Ajout.")]]
    assert kinds(by_id[2]["text_diff"]) == [[(SAME, "Texte du"), (REMOVED, "seed."), (ADDED, "seed, coupé.")]]
    assert by_id[2]["title_diff"].words_added == 5


def test_compare_copies_without_a_known_representative_takes_the_first_fetched():
    assert compare_copies(SEED, representative_id=999)["representative"]["id"] == 1
    assert compare_copies([], 1) == {"representative": None, "copies": [], "first": None, "span_minutes": None}
    undated = compare_copies([{**SEED[3]}], 4)
    assert undated["first"] is None and undated["span_minutes"] is None
