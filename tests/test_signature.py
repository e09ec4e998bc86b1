import numpy as np

from pipelines.article.signature import line_key, shingles, sign, sign_words, split_known_lines, text_hash, tokens


def test_quotes_case_and_number_grouping_do_not_matter():
    a = "« Retour de 2.000 militaires » à Al Qaim"
    b = '"RETOUR de 2 000 militaires" à Al Qaim'
    assert tokens(a) == tokens(b)
    assert text_hash(a) == text_hash(b)


def test_accents_and_arabic_are_kept():
    assert tokens("Sécurité") == ["sécurité"]
    assert tokens("الْعِرَاق") == ["الْعِرَاق"]  # vowel marks stay inside the word


def test_arabic_indic_digits_become_ascii():
    assert tokens("١٩٠٥ جنديا") == ["1905", "جنديا"]


def test_tatweel_is_ignored():
    assert tokens("العـــراق") == tokens("العراق")


def test_unspaced_scripts_are_cut_into_characters():
    assert tokens("東京都の天気") == ["東", "京", "都", "の", "天", "気"]


def test_short_text_is_one_shingle():
    assert shingles(["a", "b"], 5) == {b"a b"}
    assert len(shingles(list("abcdefg"), 5)) == 3


def test_signature_is_deterministic_and_close_for_close_texts():
    text = " ".join(f"mot{i}" for i in range(300))
    edited = text.replace("mot150", "autre")
    a, b, c = sign(text), sign(text), sign(edited)
    assert np.array_equal(a.hashvalues, b.hashvalues)
    assert a.hashvalues.dtype == np.uint32 and len(a.hashvalues) == 128
    assert np.mean(a.hashvalues == c.hashvalues) > 0.9
    unrelated = sign(" ".join(f"word{i}" for i in range(300)))
    assert np.mean(a.hashvalues == unrelated.hashvalues) < 0.1


def test_split_known_lines_gives_the_kept_texts_tokens_and_every_lines_key():
    text = "« Retour de 2.000 militaires »\nLaisser un commentaire\n\nالعراق يعيد ٢٠٠٠ جندي\n東京で会議"
    known = frozenset({line_key("Laisser un commentaire")})
    kept, keys, words = split_known_lines(text, known)
    assert kept == "« Retour de 2.000 militaires »\n\nالعراق يعيد ٢٠٠٠ جندي\n東京で会議"
    assert words == tokens(kept)
    assert keys == [line_key(line) for line in text.split("\n") if line.strip()]
    assert np.array_equal(sign_words(words).hashvalues, sign(kept).hashvalues)
    assert split_known_lines(text, frozenset())[2] == tokens(text)
