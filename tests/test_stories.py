"""pipelines/stories.py: the versions of one dispatch in French, English and Arabic as one story."""

import io

import pytest

from crawler.cli import main
from demo.server import WEB_ROOT
from pipelines.article.extraction import extract_article
from pipelines.dedup import ClusterAssigner, cluster_text
from pipelines.stories import StoryLinker
from storage import NewsDatabase, article_id_for
from storage.story_index import StoryIndex
from tests.test_storage import database_at_version

SEED_FR = "courrier-levant/2024/12/irak-retour-militaires.html"
SEED_AR = "al-manara/ar/news/2024/12/19/58213.html"
SEED_EN = "meridian-post/world/2024/dec/19/iraq-returns-syrian-soldiers-al-qaim.html"

# Written for this test: the same places and people two days later, another event, new figures.
FOLLOW_UP_FR = (
    "Irak : nouvelle vague de 640 réfugiés syriens à Al Qaim, Bagdad ouvre un deuxième camp",
    "BAGDAD, 21 déc (AFP) - Les autorités irakiennes ont ouvert samedi un deuxième camp près du poste frontière "
    "d'Al Qaim pour accueillir 640 réfugiés syriens arrivés depuis jeudi, a annoncé le ministère irakien des "
    "Migrations.\nLe camp, d'une capacité de 3 500 places, est géré avec le Croissant-Rouge irakien, a précisé "
    "le ministère, qui prévoit 12 millions de dinars d'aide d'urgence.\nSelon Bagdad, la plupart des nouveaux "
    "arrivants sont des familles de la province de Deir Ezzor, qui fuient les combats entre factions depuis la "
    "chute de Bachar al-Assad.\nLe ministre irakien des Migrations, Evan Faeq Jabro, s'est rendu sur place et a "
    "promis 48 tentes supplémentaires d'ici lundi.",
    "2024-12-21T09:30:00+00:00",
)


def page(path):
    article = extract_article((WEB_ROOT / path).read_bytes(), url=f"http://127.0.0.1:8701/{path}")
    return article["title"], article["text"], article["language"], article["published"]


class Crawl:
    """The crawl's own steps (cluster, story, store) on one database file, as DedupPipeline and
    StorePipeline run them."""

    def __init__(self, path):
        self.db = NewsDatabase.open(path)
        self.assigner = ClusterAssigner(self.db.dedup_index())
        self.site_lines = self.db.site_lines()
        self.linker = StoryLinker(StoryIndex(self.db.conn, window_hours=24))

    def add(self, url, title, text, language, published):
        article_id = article_id_for(url)
        self.db.begin()
        assignment = cluster_text(self.assigner, self.site_lines, article_id, url.split("/")[2], text, published)
        story = self.linker.story_for(
            assignment.cluster_id, assignment.matched_article_id is None, title, text, language, published
        )
        for absorbed in story.absorbed:
            self.db.absorb_story(absorbed, story.story_id)
        self.db.add_article({
            "id": article_id, "url": url, "title": title, "text": text, "language": language, "published": published,
            "fetched": published, "cluster_id": assignment.cluster_id, "story_id": story.story_id,
        })
        self.db.commit()
        return story.story_id

    def close(self):
        self.db.close()


@pytest.fixture
def crawl(db_path):
    opened = Crawl(db_path)
    yield opened
    opened.close()


# The demo's seven versions of the seed dispatch, in an order of arrival that split them in two
# stories when a story could only be joined at its cluster's creation: the second French
# rewrite shares too little with the first Arabic copy, and founds its own story before the
# English version, which matches both, arrives.
SEED_VERSIONS_LATE_BRIDGE = [
    "rafidain-today/politics/article-20412.html",
    "depeche-vivarais/monde/2024/12/19/l-irak-renvoie-pres-de-2000-soldats-syriens.html",
    "horizon-info/actualites/monde/moyen-orient/irak-1905-militaires-syriens-rapatries-al-qaim-118402.html",
    SEED_FR,
    "northgate-herald/news/world-middle-east-70412285.html",
    SEED_AR,
    SEED_EN,
]


def test_a_version_that_matches_two_stories_of_one_cluster_each_joins_them(crawl):
    stories = [crawl.add(f"http://{path.split('/')[0]}.example/{path}", *page(path)) for path in SEED_VERSIONS_LATE_BRIDGE]
    final = {row[0] for row in crawl.db.conn.execute("SELECT DISTINCT story_id FROM clusters")}
    assert len(final) == 1, "the seed's versions are split across stories"
    assert stories[-1] in final
    rows = crawl.db.conn.execute("SELECT id, clusters, size FROM stories").fetchall()
    assert rows == [(final.pop(), 3, 7)]
    indexed = crawl.db.conn.execute("SELECT count(DISTINCT story_id) FROM story_clusters").fetchone()[0]
    assert indexed == 1


def test_the_seeds_french_and_arabic_versions_join_one_story(crawl):
    french = crawl.add("http://fr.example/1", *page(SEED_FR))
    arabic = crawl.add("http://ar.example/1", *page(SEED_AR))
    assert arabic == french
    row = crawl.db.conn.execute("SELECT clusters, size, languages FROM stories WHERE id = ?", [french]).fetchone()
    assert row == (2, 2, "fr,ar")


def test_a_french_follow_up_with_the_same_places_and_new_figures_two_days_later_does_not(crawl):
    seed = crawl.add("http://fr.example/1", *page(SEED_FR))
    arabic = crawl.add("http://ar.example/1", *page(SEED_AR))
    title, text, published = FOLLOW_UP_FR
    follow_up = crawl.add("http://fr.example/2", title, text, "fr", published)
    assert seed == arabic and follow_up != seed


def test_an_english_version_crawled_in_a_second_run_joins_the_first_runs_story_with_the_same_id(db_path):
    first = Crawl(db_path)
    story = first.add("http://fr.example/1", *page(SEED_FR))
    assert first.add("http://ar.example/1", *page(SEED_AR)) == story
    first.close()

    second = Crawl(db_path)
    try:
        assert second.add("http://en.example/1", *page(SEED_EN)) == story
        assert second.db.conn.execute("SELECT clusters, languages FROM stories WHERE id = ?", [story]).fetchone() == (
            3, "fr,ar,en"
        )
        assert second.db.conn.execute("SELECT count(DISTINCT story_id) FROM clusters").fetchone()[0] == 1
    finally:
        second.close()


def relink(db_path):
    out = io.StringIO()
    assert main(["relink", "--db", str(db_path)], out=out) == 0
    return out.getvalue()


def stories_of(db_path):
    db = NewsDatabase.open(db_path)
    try:
        return dict(db.conn.execute("SELECT id, story_id FROM clusters").fetchall())
    finally:
        db.close()


def test_a_story_id_survives_relink(db_path):
    crawl = Crawl(db_path)
    story = crawl.add("http://fr.example/1", *page(SEED_FR))
    crawl.add("http://en.example/1", *page(SEED_EN))
    crawl.close()
    before = stories_of(db_path)
    assert set(before.values()) == {story}
    assert "0 clusters read" in relink(db_path)
    assert stories_of(db_path) == before


def test_clusters_stored_before_stories_get_stories_of_their_own_then_relink_links_them(db_path):
    old = database_at_version(db_path, 5)
    for number, path in enumerate((SEED_FR, SEED_AR), start=1):
        title, text, language, published = page(path)
        article_id = article_id_for(f"http://old.example/{number}")
        old["clusters"].insert({"id": article_id, "representative_id": article_id, "title": title, "size": 1,
                                "first_published": published, "last_published": published})
        old["articles"].insert({"id": article_id, "url": f"http://old.example/{number}", "title": title, "text": text,
                                "language": language, "published": published, "cluster_id": article_id})
    old.conn.commit()
    old.close()

    before = stories_of(db_path)  # opening migrates: each cluster is a story of its own
    assert all(cluster == story for cluster, story in before.items()) and len(before) == 2
    assert "2 clusters read, 1 linked" in relink(db_path)
    after = stories_of(db_path)
    assert len(set(after.values())) == 1 and set(after.values()) <= set(before.values())
    db = NewsDatabase.open(db_path)
    assert db.conn.execute("SELECT clusters, size, languages FROM stories").fetchall() == [(2, 2, "ar,fr")]
    db.close()
    assert "0 clusters read" in relink(db_path)  # linked once; a second relink changes nothing
    assert stories_of(db_path) == after
