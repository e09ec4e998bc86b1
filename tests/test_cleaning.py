"""Boilerplate inside the article container is removed, and no body paragraph with it.

The fixture pages are this project's own writing, one per template family and language, each
with the in-container boilerplate that template puts there. The demo web test runs the real
``extract_article`` on every article page of ``demo/web``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.article.cleaning import boilerplate_blocks, normalize
from pipelines.article.extraction import extract_article

DEMO = Path(__file__).resolve().parent.parent / "demo" / "web"


def page(lang: str, title: str, container: str, sidebar: str = "") -> str:
    return f"""<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title} - Site</title>
<meta property="og:title" content="{title}"></head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/a">A</a></li><li><a href="/b">B</a></li></ul></nav></header>
<main><article class="post">{container}</article><aside>{sidebar}</aside></main>
<footer><p>Footer links</p></footer></body></html>"""


def paragraphs(*texts: str) -> str:
    return "".join(f"<p>{text}</p>" for text in texts)


FR_BODY = [
    "La municipalité de Valbonne-sur-Aude a inauguré samedi une passerelle piétonne au-dessus de la rivière, "
    "attendue depuis plus de dix ans par les habitants des deux rives du village.",
    "L’ouvrage en bois et en acier, long de quarante-deux mètres, a coûté 1,8 million d’euros, financés pour moitié "
    "par la région. Il relie désormais l’école au nouveau quartier des Tilleuls.",
    "« Les enfants n’auront plus à longer la départementale », s’est réjouie la maire, qui a coupé le ruban devant "
    "une centaine de personnes malgré une pluie fine et continue.",
    "Les travaux avaient pris un an de retard à cause d’une crue au printemps dernier, qui avait emporté une partie "
    "des échafaudages installés dans le lit de la rivière.",
]
FR_TITLE = "Valbonne-sur-Aude inaugure enfin sa passerelle sur la rivière"
FR_PAGE = page("fr-FR", FR_TITLE, f"""
<div class="entry-content">
<nav class="breadcrumb"><p><a href="/">Accueil</a> <a href="/actualite/">Actualité</a> <span>{FR_TITLE}</span></p></nav>
<h1>{FR_TITLE}</h1>
<div class="post-info"><span>par <a href="/author/sara/">Sara</a></span></div>
<div class="terms"><a href="/category/france/">France</a></div>
<div class="post-content">{paragraphs(*FR_BODY[:2])}<h2>Un chantier retardé</h2>{paragraphs(*FR_BODY[2:])}</div>
<div class="tags"><a href="/tag/a">Passerelle</a> | <a href="/tag/b">Aude</a> | <a href="/tag/c">Travaux</a> | <a href="/tag/d">Région</a></div>
<div class="related-posts"><h2>Cela pourrait vous intéresser</h2>
<article><h3><a href="/x">Le marché de Noël de Valbonne attire les foules</a></h3>
<div class="excerpt"><p>Plus de cinq mille visiteurs se sont pressés ce week-end dans les allées du marché de Noël, un record pour…</p></div></article>
<article><h3><a href="/y">Un nouveau boulanger s’installe place de l’Église</a></h3>
<div class="excerpt"><p>Après deux ans sans boulangerie, le centre du village retrouve une enseigne grâce à un jeune couple venu de…</p></div></article></div>
<div id="comments" class="comments-area"><div id="respond"><h2 class="comment-reply-title">Laisser un commentaire</h2>
<form id="commentform" class="comment-form"><p>Votre adresse e-mail ne sera pas publiée.</p>
<p><label>Commentaire</label><textarea></textarea></p><p><label>Nom</label><input></p>
<p><label>E-mail</label><input></p><p><label>Site web</label><input></p>
<p><input type="submit" value="Publier le commentaire"></p></form></div></div>
</div>""")
FR_BOILERPLATE = [FR_TITLE, "Accueil", "par Sara", "France", "Passerelle | Aude", "Cela pourrait vous intéresser",
                  "Le marché de Noël de Valbonne", "Plus de cinq mille visiteurs", "Laisser un commentaire",
                  "Votre adresse e-mail", "Publier le commentaire", "Site web"]

EN_BODY = [
    "Harbour View council has approved a plan to turn the derelict tram shed on Quay Street into a covered market "
    "with forty stalls, a community kitchen and a small stage for local bands.",
    "The building, empty since the trams stopped running in 1994, will keep its iron roof and brick arches, "
    "which are listed, while a glass wall will replace the old loading doors.",
    "Traders said they hoped the market would bring shoppers back to the waterfront, where a third of the shop "
    "units have been vacant since the new retail park opened outside town.",
    "Work is due to start in March and the council expects the market to open in time for the summer festival.",
]
EN_TITLE = "Old tram shed to become covered market in Harbour View"
EN_PAGE = page("en-GB", EN_TITLE, f"""
<h1>{EN_TITLE}</h1><p class="byline">By Jane Doe</p><p class="date">Published 12 March 2024</p>
{paragraphs(*EN_BODY[:2])}<p>Read more: Harbour View bus station to close for repairs</p>{paragraphs(*EN_BODY[2:])}
<div class="share"><p>Share this article</p><p>Facebook Twitter Email</p></div>
<p>Topics: Harbour View, Markets, Planning</p>
<div class="related"><h2>Related stories</h2><ul><li><a href="/1">Harbour View bus station to close for repairs</a></li>
<li><a href="/2">Seafront lights switched on by local school choir</a></li></ul></div>
<h2>Leave a comment</h2><form><p><label>Name</label><input></p><p><label>Comment</label><textarea></textarea></p></form>
<p>© 2024 Harbour View Gazette. All rights reserved.</p>""")
EN_BOILERPLATE = [EN_TITLE, "By Jane Doe", "Published 12 March", "Read more", "Share this article", "Topics:",
                  "Related stories", "Seafront lights", "Leave a comment", "All rights reserved"]

AR_BODY = [
    "افتتحت بلدية مدينة الواحة مساء الأحد حديقة عامة جديدة على ضفة النهر، تضم ممرات للمشي وملاعب للأطفال ومكتبة صغيرة "
    "مفتوحة للجميع طوال أيام الأسبوع.",
    "وقال رئيس البلدية إن المشروع استغرق عامين من العمل، وإن الحديقة زُرعت بأكثر من ألف شجرة محلية تتحمل الحرارة "
    "وقلة المياه في فصل الصيف.",
    "وعبّر عدد من السكان عن سعادتهم بالمكان الجديد، مؤكدين أن المدينة كانت تفتقر إلى مساحات خضراء يمكن للعائلات "
    "أن تقضي فيها أمسيات الصيف.",
    "ومن المقرر أن تستضيف الحديقة في الشهر المقبل أول مهرجان للكتاب في المدينة بمشاركة دور نشر من عدة محافظات.",
]
AR_TITLE = "افتتاح حديقة عامة جديدة على ضفة النهر في مدينة الواحة"
AR_PAGE = page("ar", AR_TITLE, f"""
<h1>{AR_TITLE}</h1><p class="author">بقلم سلمى الخطيب</p>
{paragraphs(*AR_BODY[:2])}<p>اقرأ أيضا: افتتاح سوق شعبي جديد في وسط المدينة</p>{paragraphs(*AR_BODY[2:])}
<p>الوسوم: الواحة | حدائق | بلدية</p><p>شارك</p>
<h3>أخبار ذات صلة</h3><ul><li><a href="/1">افتتاح سوق شعبي جديد في وسط المدينة</a></li><li><a href="/2">حملة لتشجير الشوارع الرئيسية</a></li></ul>
<h3>أضف تعليقا</h3><form><p><label>الاسم</label><input></p><p><label>التعليق</label><textarea></textarea></p></form>
<p>© 2024 الواحة اليوم. جميع الحقوق محفوظة</p>""")
AR_BOILERPLATE = [AR_TITLE, "بقلم", "اقرأ أيضا", "الوسوم", "شارك", "أخبار ذات صلة", "حملة لتشجير", "أضف تعليقا",
                  "جميع الحقوق محفوظة"]

ES_BODY = [
    "El ayuntamiento de Villarejo del Campo ha abierto este lunes la nueva biblioteca municipal en el antiguo "
    "edificio de la estación, cerrado desde hace más de veinte años.",
    "La reforma ha permitido conservar la marquesina de hierro del andén, que ahora cubre una sala de lectura al "
    "aire libre con capacidad para cuarenta personas.",
    "Los vecinos han donado más de tres mil libros durante las obras, y la biblioteca abrirá también los sábados "
    "por la mañana para los niños del pueblo.",
]
ES_TITLE = "Villarejo del Campo convierte su vieja estación en biblioteca"
ES_PAGE = page("es", ES_TITLE, f"""
<h1>{ES_TITLE}</h1><p>Por Lucía Martín</p>
{paragraphs(*ES_BODY[:2])}<p>Lee también: El tren vuelve a parar en Villarejo después de veinte años</p>{paragraphs(*ES_BODY[2:])}
<p>Compartir</p><h2>Noticias relacionadas</h2><ul><li><a href="/1">Nueva ruta ciclista entre los pueblos del valle</a></li>
<li><a href="/2">El mercado de los sábados cumple diez años</a></li></ul>
<h2>Deja un comentario</h2><form><p><label>Nombre</label><input></p><p><label>Comentario</label><textarea></textarea></p></form>""")
ES_BOILERPLATE = [ES_TITLE, "Por Lucía Martín", "Lee también", "Compartir", "Noticias relacionadas",
                  "Nueva ruta ciclista", "Deja un comentario"]

DE_BODY = [
    "Die Gemeinde Oberfeld hat am Wochenende ihr neues Freibad eröffnet. Mehr als zweitausend Besucher kamen schon "
    "am ersten Tag, obwohl das Wasser noch recht kühl war.",
    "Das alte Becken aus den Sechzigerjahren war undicht und musste vollständig ersetzt werden. Die Sanierung "
    "kostete rund vier Millionen Euro, ein Teil davon kam vom Land.",
    "Neu sind eine Rutsche, ein Sprungturm und ein flaches Becken für Kleinkinder. Der Eintritt bleibt für Kinder "
    "unter sechs Jahren weiterhin kostenlos.",
]
DE_TITLE = "Oberfeld eröffnet sein saniertes Freibad"
DE_PAGE = page("de", DE_TITLE, f"""
<p class="breadcrumb">Startseite &gt; Region &gt; Oberfeld</p><h1>{DE_TITLE}</h1><p>Von Max Berger</p>
<p>Aktualisiert am 03.06.2024, 14:20 Uhr</p>
{paragraphs(*DE_BODY[:2])}<p>Lesen Sie auch: Hitzewelle – Wo man in der Region baden kann</p>{paragraphs(*DE_BODY[2:])}
<p>Artikel teilen</p><h2>Das könnte Sie auch interessieren</h2><ul><li><a href="/1">Neuer Radweg nach Unterfeld</a></li>
<li><a href="/2">Stadtfest mit Rekordbesuch</a></li></ul><h2>Kommentare</h2><p>Melden Sie sich an, um zu kommentieren.</p>""")
DE_BOILERPLATE = [DE_TITLE, "Startseite", "Von Max Berger", "Aktualisiert", "Lesen Sie auch", "Artikel teilen",
                  "Das könnte Sie auch interessieren", "Neuer Radweg", "Kommentare"]

SUB_BODY = [
    "The river festival returns this weekend after a two-year break.",  # short, must stay
    "Organisers expect about eight thousand visitors across the two days, with boat races on Saturday and a "
    "craft fair along the towpath on Sunday.",
    "Parking",  # a genuine one-word subheading
    "Cars will not be allowed on Mill Road. Shuttle buses will run from the station every fifteen minutes.",
    "Comments from residents",  # a subheading that merely contains "comment"
    "Residents asked for the music to stop at ten, and organisers agreed. One neighbour said she would leave a "
    "comment in the council's survey to thank the volunteers.",
    "Tickets",
    "Entry is free, but the boat races cost five pounds to enter.",
]
SUB_TITLE = "River festival returns to Millbridge"
SUB_PAGE = page("en", SUB_TITLE, f"""
<h1>{SUB_TITLE}</h1>{paragraphs(*SUB_BODY[:2])}<h2>{SUB_BODY[2]}</h2>{paragraphs(SUB_BODY[3])}
<h2>{SUB_BODY[4]}</h2>{paragraphs(SUB_BODY[5])}<h2>{SUB_BODY[6]}</h2>{paragraphs(SUB_BODY[7])}
<h2>You may also like</h2><p><a href="/1">Millbridge regatta draws record crowd</a></p>""")
SUB_BOILERPLATE = [SUB_TITLE, "You may also like", "Millbridge regatta"]

CASES = {
    "fr-seed-template": (FR_PAGE, FR_BODY[:2] + ["Un chantier retardé"] + FR_BODY[2:], FR_BOILERPLATE),
    "en": (EN_PAGE, EN_BODY, EN_BOILERPLATE),
    "ar": (AR_PAGE, AR_BODY, AR_BOILERPLATE),
    "es": (ES_PAGE, ES_BODY, ES_BOILERPLATE),
    "de": (DE_PAGE, DE_BODY, DE_BOILERPLATE),
    "subheadings": (SUB_PAGE, SUB_BODY, SUB_BOILERPLATE),
}


@pytest.mark.parametrize("name", list(CASES))
def test_fixture_pages_keep_the_body_and_lose_the_boilerplate(name: str) -> None:
    html, body, boilerplate = CASES[name]
    article = extract_article(html, url=f"https://example.com/{name}")
    lines = [line.strip() for line in article["text"].splitlines()]
    assert lines == [paragraph for paragraph in body], "\n".join(lines)
    for marker in boilerplate:
        assert not any(line.startswith(marker) for line in lines), marker


def test_marker_in_the_middle_drops_only_its_line() -> None:
    long = "This sentence is part of a real paragraph of the article and it ends properly with a full stop."
    blocks = [("p", long), ("p", long), ("p", "Read also: Another story about something else"), ("p", long),
              ("head", "Related"), ("p", "Teaser title"), ("p", long), ("p", long)]
    assert boilerplate_blocks(blocks) == {2, 4, 5}


def test_marker_near_the_end_drops_the_block_it_heads() -> None:
    long = "This sentence is part of a real paragraph of the article and it ends properly with a full stop."
    blocks = [("p", long)] * 4 + [("head", "Vous aimerez aussi"), ("head", "Un titre"), ("p", "Un extrait…"),
                                  ("head", "Laisser un commentaire"), ("p", "Nom"), ("p", "E-mail")]
    assert boilerplate_blocks(blocks) == set(range(4, 10))


def test_a_japanese_paywall_block_is_dropped_and_the_article_kept() -> None:
    paragraph = "イラク政府は、シリア兵約二千人をアルカイム国境検問所でシリア側に引き渡したと発表した。兵士らは恩赦を受ける誓約書に署名した。"
    blocks = [("p", paragraph)] * 3 + [
        ("p", "この記事は会員限定です。"),
        ("p", "紙の新聞の定期購読者の方は、無料で会員登録できます。"),
        ("list", "登録すると\n電子版が利用できる\n会員向け記事が読み放題"),
        ("p", "※紙の新聞とは、朝刊のことです。"),
    ]
    assert boilerplate_blocks(blocks) == {3, 4, 5, 6}
    # A last line inviting to subscribe goes too.
    assert boilerplate_blocks([("p", paragraph)] * 3 + [("p", "有料会員になると会員限定の有料記事もお読みいただけます。")]) == {3}


def test_words_like_comment_inside_paragraphs_are_kept() -> None:
    blocks = [("p", "The minister declined to comment on the report, which was published on Monday morning."),
              ("p", "Share prices fell after the announcement, and analysts said more comments would follow."),
              ("p", "Readers can leave a comment on the council's website until the end of the month.")]
    assert boilerplate_blocks(blocks) == set()


def test_normalize_folds_accents_case_and_arabic_forms() -> None:
    assert normalize("  À LIRE AUSSI : ") == "a lire aussi"
    assert normalize("اقرأ أيضاً:") == normalize("اقرا ايضا")


# Boilerplate the demo outlets put in or near the article container (demo/web/README.md).
DEMO_BOILERPLATE = {
    "courrier-levant": ["Cela pourrait vous intéresser", "Laisser un commentaire", "Accueil", "par ", "Lire la suite",
                        "Articles récents", "Publier le commentaire"],
    "depeche-vivarais": ["Lire aussi", "Partager", "Inscrivez-vous", "Les plus lus", "©"],
    "horizon-info": ["Accueil", "Publié le", "À lire également", "Vous aimerez aussi", "Dernières infos"],
    "meridian-post": ["Read more", "Share this article", "Topics:", "Sign up for our newsletter", "Leave a comment",
                      "Most read"],
    "northgate-herald": ["Share this article", "Related Topics", "Related stories", "Leave a comment", "Most read",
                         "Sign up for our newsletter"],
    "al-manara": ["اقرأ أيضا", "شارك", "الوسوم", "أخبار ذات صلة", "أضف تعليقا", "الأكثر قراءة", "©"],
    "rafidain-today": ["عاجل", "الوسوم", "شارك", "أخبار ذات صلة", "أضف تعليقا", "الأكثر قراءة", "آخر الأخبار"],
}


@pytest.mark.parametrize("path", sorted(json.loads((DEMO / "stories.json").read_text(encoding="utf-8"))))
def test_demo_article_pages_have_no_outlet_boilerplate(path: str) -> None:
    html = (DEMO / path).read_bytes().replace(b"{{BASE}}", b"http://127.0.0.1:8000")
    article = extract_article(html, url=f"http://127.0.0.1:8000/{path}")
    lines = [line.strip() for line in article["text"].splitlines() if line.strip()]
    assert len(lines) >= 5
    assert normalize(lines[0]) != normalize(article["title"]), "title repeated at the top"
    for marker in DEMO_BOILERPLATE[path.split("/")[0]]:
        assert not any(line.startswith(marker) for line in lines), marker
    assert not any(line.count(" | ") >= 2 for line in lines), "tag line left"


BODY_BLOCKS = [
    ("p", "Der Gemeinderat von Obertal hat am Dienstagabend den Bau einer neuen Grundschule beschlossen, "
          "die ab dem Herbst 2027 rund zweihundert Kinder aufnehmen soll."),
    ("p", "Die Kosten von elf Millionen Euro tragen Gemeinde und Land gemeinsam, wie der Bürgermeister nach "
          "der Sitzung vor Journalisten erklärte."),
    ("p", "Eltern hatten seit Jahren über die zu kleinen Klassenräume im alten Schulhaus geklagt, das noch "
          "aus den fünfziger Jahren stammt."),
]


def test_teaser_list_of_kicker_headlines_is_dropped_but_a_bullet_list_of_facts_is_kept() -> None:
    teasers = ("list", "Verkehr: Neue Buslinie fährt ab Montag\nSport: Obertal gewinnt das Derby\n"
                       "Wetter: Gewitter am Wochenende erwartet")
    facts = ("list", "Baubeginn im Frühjahr 2025\nZwölf Klassenzimmer und eine Turnhalle\nEin Schulgarten")
    blocks = BODY_BLOCKS[:2] + [teasers] + BODY_BLOCKS[2:] + [facts]
    assert boilerplate_blocks(blocks) == {2}


@pytest.mark.parametrize("line", [
    "STR/AFP via Getty Images",
    "Foto: Jana Beispiel",
    "Photo credit: Lee Sample",
    "Deine Privatsphäre-Einstellungen verhindern das Laden und Anzeigen aller externen Inhalte.",
    "We need your consentement... To view this content, please accept the cookie settings.",
    "Ich bin damit einverstanden, dass mir der externe Inhalt angezeigt wird.",
])
def test_photo_credits_and_consent_placeholders_are_dropped_anywhere(line: str) -> None:
    blocks = BODY_BLOCKS[:1] + [("p", line)] + BODY_BLOCKS[1:]
    assert boilerplate_blocks(blocks) == {1}


def test_a_sentence_that_mentions_a_photo_agency_is_kept() -> None:
    line = ("p", "Die Fotos der Baustelle, die ein Anwohner an die Agentur Getty Images verkaufte, zeigen "
                 "tiefe Risse im Fundament des alten Gebäudes.")
    assert boilerplate_blocks(BODY_BLOCKS[:1] + [line] + BODY_BLOCKS[1:]) == set()


def test_clean_body_sees_list_items_one_by_one() -> None:
    from lxml import etree

    from pipelines.article.cleaning import clean_body

    body = etree.fromstring(
        "<body>" + "".join(f"<p>{text}</p>" for _tag, text in BODY_BLOCKS)
        + "<list><item>Politik: Landtag streitet über Haushalt</item><item>Kultur: Museum zeigt Werke "
          "von Obertaler Malern</item></list></body>"
    )
    assert clean_body(body) == 1
    assert [child.tag for child in body] == ["p", "p", "p"]
