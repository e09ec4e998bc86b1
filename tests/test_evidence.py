"""pipelines/evidence.py: figures, dates and names that carry across languages and scripts."""

from pipelines.evidence import dates, evidence, names, numbers, prepare, skeleton


def test_a_number_in_eastern_arabic_digits_matches_its_western_form():
    arabic = evidence(None, "أعادت السلطات ١٩٠٥ عسكريين و٣٦ موظفا عبر المعبر.", "ar")
    french = evidence(None, "Les autorités ont rendu 1.905 militaires et 36 employés au poste frontière.", "fr")
    assert arabic.numbers == french.numbers and len(arabic.numbers) == 2


def test_thousands_and_decimals_are_read_the_way_each_language_writes_them():
    assert numbers(prepare("1.905 / 1,905 / 1 905 / 1\u202f905 / ١٩٠٥")) == {"1905"}
    assert numbers(prepare("près de 2 000, nearly 2,000")) == {"2000"}
    assert numbers(prepare("1,5 million, 1.5 million, ١٫٥ مليون, R1.5bn")) == {"1.5", "1.5e+06", "1.5e+09"}
    assert numbers(prepare("$800m")) == numbers(prepare("800 millions de dollars")) == {"800", "8e+08"}
    assert numbers(prepare("3 enfants, 7 jours")) == set()  # single digits are words elsewhere


def test_a_day_beside_a_month_is_one_date_in_three_languages():
    assert dates(prepare("le 8 décembre")) == dates(prepare("on December 8")) == dates(prepare("في ٨ ديسمبر")) == {"12-8"}
    assert dates(prepare("8 mai")) == dates(prepare("May 8th")) == {"5-8"}


def test_names_share_one_skeleton_across_latin_and_arabic_script():
    assert skeleton("Sinwar") == skeleton("سنوار")
    assert skeleton("Moscou") == skeleton("Moscow")
    latin = names(prepare("Les rebelles ont pris Idlib, selon Bagdad."))
    arabic = names(prepare("سيطر المتمردون على إدلب بحسب بغداد."))
    assert {skeleton("Idlib"), skeleton("Bagdad")} <= latin & arabic


def test_an_exonym_is_one_key_whatever_the_language():
    assert names(prepare("Une délégation est arrivée à Pékin.")) & names(prepare("وصل وفد إلى بكين."))
    assert names(prepare("A delegation reached Beijing.")) & names(prepare("Une délégation est arrivée à Pékin."))


def test_a_capital_opening_a_sentence_is_not_a_name():
    assert skeleton("Hier") not in names(prepare("Hier, la ville a voté."))
    assert skeleton("Tulkarem") in names(prepare("Hier, Tulkarem a voté."))
