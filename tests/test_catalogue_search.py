import pytest
from django.core.management import call_command

from startups.models import Startup, Theme
from startups.services import refresh_search_text

pytestmark = pytest.mark.django_db

LIST = "/en/startups/"


@pytest.fixture
def startup(make_startup):
    """make_startup, with the search text written as the import writes it."""

    def make(**kwargs) -> Startup:
        s = make_startup(**kwargs)
        refresh_search_text([s])
        return s

    return make


def titles(response) -> list[str]:
    return sorted(s.title for s in response.context["page"].object_list)


def test_search_ignores_case_and_accents_both_ways(client, startup):
    startup(title="Santé publique", mission="Prévenir.")
    startup(title="Transition", mission="Accompagner l'ÉCOLOGIE des communes.")
    startup(title="Autre", mission="Rien à voir.")

    assert titles(client.get(LIST, {"q": "sante"})) == ["Santé publique"]
    assert titles(client.get(LIST, {"q": "SANTÉ"})) == ["Santé publique"]
    assert titles(client.get(LIST, {"q": "ecologie"})) == ["Transition"]
    assert titles(client.get(LIST, {"q": "Écologie"})) == ["Transition"]


def test_search_reads_title_mission_description_themes_and_sponsors(
    client, startup, make_organisation
):
    health = Theme.objects.create(slug="sante", label="Santé")
    dinum = make_organisation(name="Direction interministérielle", acronym="DINUM")
    startup(title="By title Logement")
    startup(title="By mission", mission="Trouver un logement.")
    startup(title="By description", description="Le logement social.")
    startup(title="By theme", themes=[health])
    startup(title="By sponsor", sponsors=[dinum])
    startup(title="Nothing")

    assert titles(client.get(LIST, {"q": "logement"})) == [
        "By description",
        "By mission",
        "By title Logement",
    ]
    assert titles(client.get(LIST, {"q": "sante"})) == ["By theme"]
    assert titles(client.get(LIST, {"q": "dinum"})) == ["By sponsor"]
    assert titles(client.get(LIST, {"q": "interministerielle"})) == ["By sponsor"]


def test_every_word_of_the_search_must_match(client, startup):
    startup(title="Emploi des jeunes")
    startup(title="Emploi des seniors")

    assert titles(client.get(LIST, {"q": "emploi jeunes"})) == ["Emploi des jeunes"]


def test_search_combines_with_filters_and_facets(client, startup, make_incubator):
    lab = make_incubator(slug="lab")
    startup(title="Logement A", incubator=lab)
    startup(title="Logement B")
    startup(title="Transport", incubator=lab)

    response = client.get(LIST, {"q": "logement", "incubator": "lab"})

    assert titles(response) == ["Logement A"]
    (incubators,) = [f for f in response.context["facets"] if f.name == "incubator"]
    assert {o.value: o.count for o in incubators.options}["lab"] == 1


def test_an_empty_search_lists_everything(client, startup):
    startup(title="A")
    startup(title="B")

    assert titles(client.get(LIST, {"q": "   "})) == ["A", "B"]


def test_search_text_follows_a_changed_theme_label(startup):
    theme = Theme.objects.create(slug="env", label="Environnement")
    s = startup(themes=[theme])
    Theme.objects.filter(pk=theme.pk).update(label="Écologie")

    refresh_search_text([s])

    s.refresh_from_db()
    assert "ecologie" in s.search_text
    assert "environnement" not in s.search_text


def test_the_text_is_stored_without_accents_or_capitals_title_on_its_own_line(
    startup,
):
    s = startup(title="Œuvre Été", mission="À l'ÉCOLE.")

    assert s.__class__.objects.get(pk=s.pk).search_text.startswith(
        "œuvre ete\na l'ecole."
    )


def test_with_the_real_catalogue_sante_finds_the_health_themed_startups(
    client, betagouv_data
):
    call_command("import_betagouv", str(betagouv_data), stdout=None)
    health = Theme.objects.get(label="Santé")
    themed = set(
        health.startups.filter(is_published=True).values_list("title", flat=True)
    )
    assert themed

    response = client.get(LIST, {"q": "sante", "page": "1"})

    count = response.context["page"].paginator.count
    found = set(response.context["filter"].qs.values_list("title", flat=True))
    assert themed <= found
    assert f"{count} start-ups" in response.content.decode()


def test_on_postgresql_search_understands_french_word_forms(
    postgres_only, client, startup
):
    startup(title="Aide à l'emploi")
    startup(title="Garde d'enfants")

    response = client.get(LIST, {"q": "emplois"})

    assert titles(response) == ["Aide à l'emploi"]


def test_on_postgresql_search_results_come_by_relevance(postgres_only, client, startup):
    startup(title="Annuaire", mission="Un annuaire qui parle aussi de vélo.")
    startup(title="Vélo partout", mission="Louer un vélo, réparer un vélo.")

    response = client.get(LIST, {"q": "velo"})

    assert [s.title for s in response.context["page"].object_list] == [
        "Vélo partout",
        "Annuaire",
    ]


def test_on_postgresql_when_no_startup_has_the_words_titles_resembling_them_are_shown(
    postgres_only, client, startup
):
    startup(title="Mon suivi justice")
    startup(title="Registre", mission="Le suivi des dossiers de justice.")
    startup(title="Jardins partagés")

    response = client.get("/startups/", {"q": "justise"})

    assert [s.title for s in response.context["page"].object_list] == [
        "Mon suivi justice"
    ]
    assert response.context["resembling"]
    assert (
        "Aucune start-up ne contient les mots « justise » : voici celles dont le "
        "nom s'en approche." in response.content.decode()
    )
    (phase,) = [f for f in response.context["facets"] if f.name == "phase"]
    assert sum(o.count for o in phase.options) == 1  # counted over those titles


def test_on_postgresql_titles_are_not_looked_for_by_resemblance_when_the_words_match(
    postgres_only, client, startup
):
    startup(title="Mon suivi justice")
    startup(title="Registre", mission="Le suivi des dossiers de justice.")
    startup(title="Suivi justise")

    response = client.get(LIST, {"q": "suivi justice"})

    assert not response.context["resembling"]
    assert titles(response) == ["Mon suivi justice", "Registre"]
    assert "resembles" not in response.content.decode()


def test_on_postgresql_short_words_are_not_looked_for_by_resemblance(
    postgres_only, client, startup
):
    startup(title="Capital")
    startup(title="Ma cantine")

    response = client.get(LIST, {"q": "cnt"})

    assert titles(response) == []
    assert not response.context["resembling"]


def test_on_postgresql_resembling_titles_are_found_through_the_trigram_index(
    postgres_only, startup
):
    from django.db import connection

    from startups.search import search

    for i in range(200):
        startup(title=f"Service {i}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE startups_startup")
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = search(Startup.objects.all(), "justise", resembling=True).explain()

    assert "startup_title_trigram_idx" in plan
