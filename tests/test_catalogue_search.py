import pytest
from django.core.management import call_command

from startups.models import Startup, Theme
from startups.search import search
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


def test_the_words_are_stored_without_accents_or_capitals_with_their_stems(
    startup,
):
    s = startup(title="Œuvre Été", mission="À l'ÉCOLE.", description="Des vélos.")

    stored = Startup.objects.get(pk=s.pk)
    assert stored.search_title.startswith("œuvreete|")
    assert " œuvre ete " in stored.search_title
    assert " ecole " in stored.search_text
    assert " ecol " in stored.search_text  # its stem
    assert " velos " in stored.search_body


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


def test_search_understands_french_word_forms(client, startup):
    startup(title="Aide à l'emploi")
    startup(title="Garde d'enfants")
    startup(title="Sécurité", mission="Sécuriser les réseaux.")

    assert titles(client.get(LIST, {"q": "emplois"})) == ["Aide à l'emploi"]
    assert titles(client.get(LIST, {"q": "sécuriser"})) == ["Sécurité"]


def test_search_results_come_by_relevance(client, startup):
    startup(title="Annuaire", mission="Un annuaire qui parle aussi de vélo.")
    startup(title="Vélo partout", mission="Louer un vélo, réparer un vélo.")

    response = client.get(LIST, {"q": "velo"})

    assert in_order(response) == ["Vélo partout", "Annuaire"]


def in_order(response) -> list[str]:
    return [s.title for s in response.context["page"].object_list]


def test_an_exact_title_comes_first_then_titles_starting_with_the_words(
    client, startup
):
    startup(title="Connect", mission="Aidants Connect, pour les aidants.")
    startup(title="Les aidants connectés")
    startup(title="Aidants Connect Pro")
    startup(title="Aidants Connect")
    startup(title="Guichet", description="Pour les aidants : connect.")

    response = client.get(LIST, {"q": "aidants connect"})

    assert in_order(response) == [
        "Aidants Connect",
        "Aidants Connect Pro",
        "Les aidants connectés",
        "Connect",
        "Guichet",
    ]


@pytest.mark.parametrize(
    "typed", ["rdv solidarites", "RDV-Solidarités", "rdvsolidarites", "Rdv Solidarité"]
)
def test_glued_or_split_words_punctuation_accents_and_case_do_not_matter(
    client, startup, typed
):
    startup(title="Solidarités", mission="Prendre un RDV en ligne.")
    startup(title="RDV-Solidarités")
    startup(title="Rendez-vous", mission="Des rdv pour les solidarités.")

    assert in_order(client.get(LIST, {"q": typed}))[0] == "RDV-Solidarités"


def test_words_split_at_capitals_find_a_glued_title(client, startup):
    startup(title="Dossier", mission="Un dossier facile à remplir.")
    startup(title="DossierFacile")

    assert in_order(client.get(LIST, {"q": "dossier facile"})) == [
        "DossierFacile",
        "Dossier",
    ]
    assert in_order(client.get(LIST, {"q": "facile"})) == ["DossierFacile", "Dossier"]


def test_former_identifiers_and_the_identifiers_words_are_searched(client, startup):
    from startups.models import FormerSlug

    renamed = startup(title="Acceslibre", slug="acceslibre")
    FormerSlug.objects.create(startup=renamed, slug="access4all")
    refresh_search_text([renamed])
    startup(title="Other", slug="prelevement-a-la-source")

    assert in_order(client.get(LIST, {"q": "access4all"})) == ["Acceslibre"]
    assert in_order(client.get(LIST, {"q": "prelevement source"})) == ["Other"]


def test_a_whole_word_beats_a_shared_stem_and_a_longer_stem_is_not_found(
    client, startup
):
    startup(title="Écologie", mission="La transition écologique.")
    startup(title="Écol'lieu", mission="Un tiers-lieu.")
    startup(title="Cantine", mission="Les repas à l'école.")

    # "école" and "écol'lieu" share the stem "ecol"; "écologie" has "ecolog".
    assert in_order(client.get(LIST, {"q": "école"})) == ["Cantine", "Écol'lieu"]


def test_a_typing_mistake_in_a_title_word_is_corrected_and_said(client, startup):
    startup(title="Mon suivi justice")
    startup(title="Registre", mission="Le suivi des dossiers de justice.")
    startup(title="Jardins partagés")

    response = client.get("/startups/", {"q": "justise"})

    assert in_order(response) == ["Mon suivi justice", "Registre"]
    assert response.context["correction"].corrected_text == "justice"
    html = response.content.decode()
    assert (
        "Aucune start-up ne contient les mots « justise » : résultats pour "
        "« justice »." in html
    )
    assert "2 start-ups" in html
    (phase,) = [f for f in response.context["facets"] if f.name == "phase"]
    assert sum(o.count for o in phase.options) == 2  # counted over those


def test_typing_mistakes_are_corrected_on_themes_sponsors_and_technologies(
    client, startup, make_organisation
):
    startup(title="A", themes=[Theme.objects.create(slug="agri", label="Agriculture")])
    startup(title="B", sponsors=[make_organisation(name="Gendarmerie nationale")])
    startup(title="C", technologies=["Django", "PostgreSQL"])
    startup(title="D")

    assert in_order(client.get(LIST, {"q": "agricultre"})) == ["A"]
    assert in_order(client.get(LIST, {"q": "gendarmrie"})) == ["B"]
    assert in_order(client.get(LIST, {"q": "djangp"})) == ["C"]


def test_the_csv_and_the_api_return_the_corrected_selection_too(client, startup):
    startup(title="Mon suivi justice")
    startup(title="Registre", mission="Le suivi des dossiers de justice.")
    startup(title="Jardins partagés")

    page = in_order(client.get(LIST, {"q": "justise"}))
    csv = client.get("/en/startups/export.csv", {"q": "justise"})
    lines = b"".join(csv.streaming_content if csv.streaming else [csv.content])
    rows = lines.decode("utf-8-sig").splitlines()[1:]
    api = client.get("/api/v1/startups/", {"q": "justise"}).json()

    assert page == ["Mon suivi justice", "Registre"]
    assert [r.split(",")[1] for r in rows] == page
    assert [s["title"] for s in api["results"]] == page


def test_a_search_that_finds_nothing_says_so_without_a_correction(client, startup):
    startup(title="Mon suivi justice")

    response = client.get(LIST, {"q": "zzzzqqq"})

    assert in_order(response) == []
    assert response.context["correction"] is None
    assert 'id="correction"' not in response.content.decode()


def test_words_found_are_not_corrected(client, startup):
    startup(title="Mon suivi justice")
    startup(title="Registre", mission="Le suivi des dossiers de justice.")
    startup(title="Suivi justise")

    response = client.get(LIST, {"q": "suivi justice"})

    assert response.context["correction"] is None
    assert titles(response) == ["Mon suivi justice", "Registre"]


def test_short_words_are_not_corrected(client, startup):
    startup(title="Capital")
    startup(title="Ma cantine")

    response = client.get(LIST, {"q": "cnt"})

    assert titles(response) == []
    assert response.context["correction"] is None


def test_the_search_reads_the_database_index(postgres_only, startup):
    from django.db import connection

    from startups.search import search

    for i in range(200):
        startup(title=f"Service {i}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE startups_startup")
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = search(Startup.objects.all(), "justice").explain()

    assert "startup_search_vector_idx" in plan


def test_the_full_text_index_follows_every_write(startup):
    # SQLite: the FTS5 table's triggers; PostgreSQL: the generated vector.
    s = startup(title="Premier nom")
    Startup.objects.filter(pk=s.pk).update(search_title="autre| autre ")
    assert list(Startup.objects.filter(pk=s.pk)) == list(
        Startup.objects.filter(pk__in=search(Startup.objects.all(), "autre"))
    )
    Startup.objects.filter(pk=s.pk).delete()
    assert not search(Startup.objects.all(), "autre").exists()
