import pytest

from pipelines.dedup import ClusterAssigner, cluster_text
from pipelines.article.signature import line_keys, sign
from storage import NewsDatabase


def seed_body() -> list[str]:
    """The seed dispatch's paragraphs (abridged), without the boilerplate the crawler saw around it."""
    return [
        "Les autorités irakiennes ont annoncé le retour de près de 2.000 militaires syriens qui avaient fui vers "
        "l'Irak en raison de l'offensive des jihadistes et des rebelles, ayant conduit à la chute du régime de "
        "Bashar al-Assad. Ce dernier a quitté le pays le 8 décembre.",
        "Selon la Cellule de sécurité des médias d'Irak, liée au ministère de la Défense, 1.905 militaires syriens "
        "ont été rapatriés et remis légalement à une force de protection syrienne au poste frontière d'Al Qaim. Ces "
        "soldats ont exprimé leur désir de revenir et ont signé une promesse écrite pour être inclus dans une "
        "amnistie décrétée par les nouvelles autorités syriennes.",
        "Les forces de sécurité irakiennes ont demandé aux autorités syriennes de garantir la protection des "
        "officiers rapatriés, de les inclure dans l'amnistie et d'assurer leur retour à leurs familles, "
        "conformément aux normes des droits de l'homme.",
        "Par ailleurs, 36 employés syriens travaillant au poste frontière d'Abu Kamal ont également été retournés en "
        "Syrie à leur demande. Ce mouvement souligne la complexité de la situation à la frontière entre les deux pays.",
        "Bagdad a confirmé que les armes détenues par les militaires syriens en fuite sont actuellement sous la "
        "responsabilité du ministère de la Défense irakien et seront remises au nouveau gouvernement syrien une fois "
        "celui-ci constitué.",
        "L'offensive lancée le 27 novembre depuis la province d'Idlib a permis aux forces rebelles de capturer la "
        "capitale, mettant ainsi fin à un régime qui était au pouvoir depuis 1971, d'abord sous Hafez al-Assad puis "
        "son fils, Bashar.",
    ]


OTHER_STORY = (
    "Bagdad a dépêché mardi des renforts au poste frontière d'Al Qaim, où l'armée irakienne dit vouloir empêcher "
    "toute infiltration depuis la Syrie voisine. Des blindés et plusieurs centaines de soldats ont pris position le "
    "long de la frontière, a indiqué un officier sous couvert d'anonymat. Les autorités redoutent que des combattants "
    "profitent du chaos qui a suivi la chute du pouvoir à Damas pour franchir le désert. Le Premier ministre a réuni "
    "le conseil de sécurité nationale et appelé à la vigilance, tout en assurant que la situation restait sous "
    "contrôle. Les échanges commerciaux par le poste, fermés depuis dix jours, ne reprendront pas avant la fin du mois."
)


@pytest.fixture
def assigner(news_db):
    return ClusterAssigner(news_db.dedup_index(), threshold=0.5)


def assign(assigner, article_id, text, published=None):
    signature = sign(text)
    return assigner.assign(article_id, signature.hashvalues, signature.shingles, signature.text_hash, published)


def test_first_article_starts_its_own_cluster(assigner):
    first = assign(assigner, 1, "\n".join(seed_body()))
    assert (first.cluster_id, first.similarity, first.matched_article_id) == (1, None, None)


def test_copy_with_new_headline_dateline_and_cut_last_paragraph_joins(assigner):
    body = seed_body()
    assign(assigner, 1, "\n".join(body))
    copy = ["BAGDAD, 19 déc (AFP) - " + body[0], *body[1:-1], "Notre rédaction suivra l'évolution de la situation."]
    joined = assign(assigner, 2, "Bagdad rend 1 905 soldats à Damas\n" + "\n".join(copy))
    assert joined.cluster_id == 1
    assert joined.matched_article_id == 1
    assert 0.5 <= joined.similarity < 1.0


def test_exact_copy_joins_with_similarity_one(assigner):
    assign(assigner, 1, "\n".join(seed_body()))
    # Only quotes and number grouping differ: the normalized texts are equal.
    exact = assign(assigner, 2, "\n".join(p.replace("2.000", "2 000").replace("'", "’") for p in seed_body()))
    assert (exact.cluster_id, exact.similarity) == (1, 1.0)


def test_different_story_on_the_same_border_does_not_join(assigner):
    assign(assigner, 1, "\n".join(seed_body()))
    other = assign(assigner, 2, OTHER_STORY)
    assert other.cluster_id == 2


def test_copy_crawled_in_a_second_run_joins_the_first_runs_cluster(db_path):
    db = NewsDatabase.open(db_path)
    first = assign(ClusterAssigner(db.dedup_index()), 1, "\n".join(seed_body()))
    db.close()

    db = NewsDatabase.open(db_path)
    body = seed_body()
    later = assign(ClusterAssigner(db.dedup_index()), 2, "\n".join(["PARIS (AFP) - " + body[0], *body[1:]]))
    db.close()
    assert later.cluster_id == first.cluster_id == 1


def words_of(paragraphs):
    return sum(len(p.split()) for p in paragraphs)


def test_excerpt_of_40_percent_joins(assigner):
    body = seed_body()
    assign(assigner, 1, "\n".join(body), "2024-12-19T10:00:00+00:00")
    excerpt = body[:2]  # a site that keeps only the first two paragraphs
    assert 0.3 < words_of(excerpt) / words_of(body) < 0.5
    joined = assign(assigner, 2, "\n".join(excerpt), "2024-12-19T14:00:00+00:00")
    assert joined.cluster_id == 1


def test_update_with_two_new_paragraphs_joins(assigner):
    body = seed_body()
    assign(assigner, 1, "\n".join(body), "2024-12-19T10:00:00+00:00")
    update = [
        "Mise à jour : le ministère irakien de la Défense a précisé jeudi soir que les derniers soldats avaient "
        "franchi le poste d'Al Qaim dans l'après-midi, escortés par des unités de la police des frontières.",
        "Un responsable syrien a confirmé leur arrivée à Boukamal et assuré qu'ils seraient entendus par une "
        "commission chargée d'examiner leur situation avant de pouvoir rejoindre leurs familles.",
        *body,
    ]
    joined = assign(assigner, 2, "\n".join(update), "2024-12-19T18:00:00+00:00")
    assert joined.cluster_id == 1


TAIL = (
    "Abonnez-vous à notre lettre d'information quotidienne pour recevoir chaque matin l'essentiel de l'actualité "
    "régionale, nationale et internationale, nos enquêtes exclusives et les rendez-vous culturels du week-end. "
    "Nous utilisons des cookies pour mesurer l'audience et vous proposer des contenus adaptés à vos centres "
    "d'intérêt ; vous pouvez modifier vos choix à tout moment depuis la page Confidentialité de notre site. "
    "Les plus lus : le marché de Noël bat son record, la rocade fermée pour travaux, le club local qualifié."
)


def test_two_short_articles_sharing_a_long_boilerplate_tail_do_not_join(news_db, assigner):
    # The site's tail has been printed under three earlier stories: the site model knows it,
    # and it is removed before signing, as in a crawl.
    site_lines = news_db.site_lines()
    earlier = [OTHER_STORY, "\n".join(seed_body()[:3]), market_brief(17, "CAC 40", 0.4, "7 390,00", "Safran", "Orange", "3,0")]
    for number, text in enumerate(earlier, start=10):
        cluster_text(assigner, site_lines, number, "vivarais.example", text + "\n" + TAIL, "2024-12-16T07:00:00+00:00")
    first = (
        "La mairie a annoncé lundi la fermeture de la piscine municipale pendant trois semaines pour remplacer "
        "le système de filtration, hors d'usage depuis l'automne. Les clubs seront accueillis à Aubenas."
    )
    second = (
        "Un incendie s'est déclaré dans la nuit de samedi à dimanche dans un entrepôt de la zone artisanale. "
        "Les pompiers ont maîtrisé le feu vers quatre heures du matin ; personne n'a été blessé."
    )
    one = cluster_text(assigner, site_lines, 1, "vivarais.example", first + "\n" + TAIL, "2024-12-16T08:00:00+00:00")
    two = cluster_text(assigner, site_lines, 2, "vivarais.example", second + "\n" + TAIL, "2024-12-16T09:00:00+00:00")
    assert (one.cluster_id, two.cluster_id) == (1, 2)


def test_site_boilerplate_is_learned_from_three_stories_not_from_one_storys_updates(news_db):
    site_lines = news_db.site_lines()
    keys = line_keys("Intro\n" + TAIL)
    site_lines.observe("a.example", keys, cluster_id=1)
    site_lines.observe("a.example", keys, cluster_id=1)  # an update of the same story
    site_lines.observe("a.example", keys, cluster_id=2)
    assert site_lines.known("a.example") == frozenset()
    site_lines.observe("a.example", keys, cluster_id=3)
    assert site_lines.known("a.example") == frozenset(keys)
    assert site_lines.known("b.example") == frozenset()


def market_brief(day, index, change, points, leader, laggard, volume):
    return (
        f"Paris, {day} décembre - La Bourse de Paris a terminé en {'hausse' if change > 0 else 'baisse'} de "
        f"{abs(change)}% à {points} points ce {day} décembre, dans un volume d'échanges de {volume} milliards "
        f"d'euros. {leader} a pris la tête du {index}, tandis que {laggard} a fermé la marche. Les investisseurs "
        f"attendaient les chiffres de l'inflation américaine publiés en fin de semaine."
    )


def test_yesterdays_and_todays_market_brief_do_not_join(assigner):
    assign(assigner, 1, market_brief(18, "CAC 40", 0.8, "7 412,35", "Airbus", "Kering", "3,2"), "2024-12-18T17:45:00+00:00")
    today = assign(
        assigner, 2, market_brief(19, "CAC 40", -1.2, "7 323,10", "TotalEnergies", "Stellantis", "2,9"),
        "2024-12-19T17:45:00+00:00",
    )
    assert today.cluster_id == 2


def test_copy_published_three_days_later_is_another_story(assigner):
    body = seed_body()
    assign(assigner, 1, "\n".join(body), "2024-12-19T10:00:00+00:00")
    late = assign(assigner, 2, "\n".join(body[:-1]), "2024-12-23T10:00:00+00:00")
    assert late.cluster_id == 2
