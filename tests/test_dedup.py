import pytest

from pipelines.dedup import ClusterAssigner
from pipelines.signature import sign
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
