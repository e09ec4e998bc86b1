"""pipelines.article.containers: split article bodies joined, infinite-scroll articles dropped."""

import trafilatura

from pipelines.article.containers import drop_appended_articles, join_split_body
from pipelines.article.extraction import extract_article
from tests.conftest import xpath_fingerprint

CHUNKS = [
    "Les autorités irakiennes ont remis lundi 1.905 militaires syriens à leur pays au poste-frontière d'Al-Qaïm,"
    " dans la province d'Al-Anbar, selon un communiqué de la cellule des médias de la sécurité publié à Bagdad."
    " Ces soldats avaient franchi la frontière au début du mois, quand l'offensive des rebelles progressait.",
    "Selon le communiqué, les militaires ont été remis à une force syrienne en présence de représentants des deux"
    " pays, après avoir signé un engagement écrit de bénéficier de l'amnistie décrétée par les nouvelles autorités."
    " Leurs armes et leurs véhicules resteront en Irak jusqu'à la formation d'un gouvernement à Damas.",
    "Le retour de ces militaires est le premier transfert de cette ampleur depuis la chute du président déchu."
    " Bagdad, qui surveille de près sa frontière de six cents kilomètres, a renforcé ses positions dans le désert"
    " de l'ouest, où les gardes-frontières patrouillent désormais jour et nuit le long de la ligne.",
]


def split_page(teaser: str = "") -> str:
    """The article's three paragraphs in three containers of one class, each in a grid cell of its
    own (as on Condé Nast's pages), with boxes in between."""
    boxes = [
        '<div class="newsletter"><p>Recevez notre lettre chaque matin.</p></div>',
        '<div class="ad-slot"><p>Publicité</p></div>',
        "",
    ]
    body = "".join(
        f'<div class="grid"><div class="grid-item"><div class="article-body"><p>{chunk}</p><p>{chunk}</p></div></div></div>'
        f"{box}"
        for chunk, box in zip(CHUNKS, boxes)
    )
    return (
        "<html lang='fr'><head><title>Retour de 1.905 militaires syriens</title></head><body>"
        f"<main><article><h1>Retour de 1.905 militaires syriens</h1>{body}{teaser}</article></main></body></html>"
    )


def test_a_body_split_into_chunks_is_read_whole():
    text = extract_article(split_page(), url="https://example.fr/irak")["text"]
    for chunk in CHUNKS:
        assert chunk in text
    assert "Publicité" not in text and "lettre chaque matin" not in text


def test_without_the_join_trafilatura_keeps_only_the_first_chunk():
    # The layout the rule is for: trafilatura alone loses the later chunks.
    text = trafilatura.extract(split_page()) or ""
    assert CHUNKS[0] in text and CHUNKS[2] not in text


def test_a_short_container_of_the_same_class_is_not_joined():
    teaser = '<div class="article-body"><p>Lire aussi : la frontière irakienne sous surveillance</p></div>'
    tree = trafilatura.utils.load_html(split_page(teaser))
    assert join_split_body(tree) == 2  # the two later chunks, not the teaser
    assert "Lire aussi" not in extract_article(split_page(teaser), url="https://example.fr/irak")["text"]


def test_a_page_with_one_body_is_left_alone():
    tree = trafilatura.utils.load_html(
        f"<html><body><div class='article-body'><p>{CHUNKS[0]}</p></div><div class='sidebar'><p>{CHUNKS[1]}</p></div></body></html>"
    )
    assert join_split_body(tree) == 0


NEXT_STORY = (
    "Le club a confirmé mardi l'arrivée de son nouvel entraîneur, qui dirigera sa première séance jeudi au centre"
    " d'entraînement, devant quelques centaines de supporters venus l'accueillir malgré la pluie et le vent."
)


def scrolled_page(title: str = "Irak : retour de 1.905 militaires syriens") -> str:
    """A page that appended the next article, with its own headline and byline, under its own."""
    own = "".join(f"<p>{chunk}</p>" for chunk in CHUNKS)
    return (
        f"<html lang='fr'><head><title>{title} | Le Courrier</title></head><body><main>"
        f"<article><h1>Irak : retour de 1.905 militaires syriens</h1>{own}</article>"
        "<div class='next'><article><h1>Un nouvel entraîneur pour le club</h1>"
        f"<p class='byline'>Par Jean Sportif</p><p>{NEXT_STORY}</p><p>{NEXT_STORY}</p></article></div>"
        "</main></body></html>"
    )


def test_an_article_appended_by_infinite_scroll_is_dropped():
    article = extract_article(scrolled_page(), url="https://example.fr/irak")
    assert all(chunk in article["text"] for chunk in CHUNKS)
    assert "entraîneur" not in article["text"]
    assert "Jean Sportif" not in article["authors"]


def test_headed_articles_are_kept_when_the_first_is_not_the_pages_own():
    # Without the page's headline on the first article, nothing says which one is the page's.
    tree = trafilatura.utils.load_html(scrolled_page(title="Toute l'actualité"))
    assert drop_appended_articles(tree) == 0
    assert len(tree.xpath("//article")) == 2


def test_an_embedded_tweet_is_not_the_articles_text():
    tweet = (
        '<blockquote class="twitter-tweet"><p lang="fr">Retour de 1.905 militaires syriens à Al-Qaïm</p>'
        "&mdash; Journaliste (@journaliste) <a href='https://twitter.com/x/status/1'>December 19, 2024</a></blockquote>"
    )
    quote = "<blockquote><p>« Ils ont signé un engagement écrit », a déclaré un responsable irakien.</p></blockquote>"
    own = "".join(f"<p>{chunk}</p>" for chunk in CHUNKS)
    html = f"<html lang='fr'><head><title>Irak</title></head><body><article><h1>Irak</h1>{own}{tweet}{quote}</article></body></html>"
    text = extract_article(html, url="https://example.fr/irak")["text"]
    assert "@journaliste" not in text and "December 19, 2024" not in text
    assert "engagement écrit" in text  # the article's own quotation stays


def test_trafilaturas_first_body_expression_is_the_one_the_patterns_were_copied_from():
    # join_split_body finds the container trafilatura takes first with _BODY_CLASS and _BODY_ID,
    # copied from this expression. If trafilatura changes it, review them, then this fingerprint.
    from trafilatura.xpaths import BODY_XPATH

    assert xpath_fingerprint(BODY_XPATH[:1]) == "8cab6e6e5b503a8d"
