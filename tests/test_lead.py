"""pipelines.article.lead: the lead (standfirst) set outside the article's container is kept, once."""

import lxml.html

from pipelines.article.extraction import extract_article
from pipelines.article.lead import page_lead
from tests.test_containers import CHUNKS

TITLE = "Irak : retour de 1.905 militaires syriens après la chute d'Assad"
LEAD = (
    "Les soldats, qui avaient fui l'offensive des rebelles, ont été remis aux nouvelles autorités de Damas"
    " au poste-frontière d'Al-Qaïm."
)
BODY = "".join(f"<p>{chunk}</p>" for chunk in CHUNKS)


def page(description: str | None = LEAD, header: str = f"<p class='chapo'>{LEAD}</p>", body: str = BODY) -> str:
    """A page in the seed's theme: headline and chapô in the header, the paragraphs in a
    container of their own, which is where trafilatura reads."""
    meta = f'<meta name="description" content="{description}">' if description else ""
    return (
        f"<html lang='fr'><head><title>{TITLE}</title>{meta}</head><body>"
        "<nav><a href='/'>Accueil</a> <a href='/actualite'>Actualité</a></nav>"
        f"<main><header class='entry-header'><h1>{TITLE}</h1>{header}</header>"
        f"<div class='entry-content'>{body}</div></main></body></html>"
    )


def lead_of(html: str, description: str | None = LEAD, text: str = "\n".join(CHUNKS)) -> str | None:
    return page_lead(lxml.html.fromstring(html), description, text, TITLE, html)


def test_the_chapo_outside_the_container_starts_the_article():
    article = extract_article(page(), url="https://example.fr/irak/retour")
    assert article["text"].startswith(LEAD + "\n" + CHUNKS[0])
    assert article["text"].count("poste-frontière d'Al-Qaïm.") == 1


def test_a_description_the_page_does_not_show_adds_nothing():
    assert lead_of(page(header="")) is None
    assert extract_article(page(header=""), url="https://example.fr/irak/retour")["text"].startswith(CHUNKS[0])


def test_a_lead_already_in_the_text_is_not_added_again():
    assert lead_of(page(), text=LEAD + "\n" + "\n".join(CHUNKS)) is None
    article = extract_article(page(header="", body=f"<p>{LEAD}</p>{BODY}"), url="https://example.fr/irak/retour")
    assert article["text"].count(LEAD) == 1


def test_a_description_cut_short_finds_the_whole_lead():
    assert lead_of(page(description=LEAD[:70] + "…"), description=LEAD[:70] + "…") == LEAD


def test_a_lead_spread_over_inline_elements_is_read_whole():
    words = LEAD.split()
    header = f"<p class='chapo'><strong>{' '.join(words[:3])}</strong> {' '.join(words[3:])}</p>"
    assert lead_of(page(header=header)) == LEAD


def test_a_description_that_is_the_title_gives_no_lead():
    assert lead_of(page(description=TITLE, header=f"<p>{TITLE}</p>"), description=TITLE) is None


def test_a_description_shown_only_in_a_teaser_or_a_link_is_not_the_lead():
    teaser = f"<aside class='related'><p>{LEAD}</p></aside>"
    link = f"<div class='share'><a href='/irak/retour'>{LEAD}</a></div>"
    hidden = f"<div aria-hidden='true'>{LEAD}</div>"
    for header in (teaser, link, hidden):
        assert lead_of(page(header=header)) is None


def test_a_long_text_that_starts_the_same_way_is_not_a_lead():
    # A whole article (another copy, a print version) that opens with the description.
    long_text = LEAD + " " + " ".join(CHUNKS * 2)
    assert lead_of(page(header=f"<div class='print'>{long_text}</div>")) is None


def test_a_slogan_above_the_headline_is_not_a_lead():
    # A site whose description is its slogan, shown in its banner on every page.
    slogan = "Toute l'actualité de l'Ardèche et du Vivarais, chaque jour, par la rédaction de la Dépêche."
    html = page(description=slogan, header="").replace("<nav>", f"<div class='banner'><p>{slogan}</p></div><nav>")
    article = extract_article(html, url="https://example.fr/irak/retour")
    assert "Toute l'actualité" not in article["text"]
    # The same text under the headline is the article's lead.
    assert extract_article(page(description=slogan, header=f"<p>{slogan}</p>"), url="https://example.fr/irak/retour")[
        "text"
    ].startswith("Toute l'actualité")
