"""The ranking rules on the real catalogue (beta.gouv.fr's snapshot), pinned with
the same expectations on SQLite and PostgreSQL: the suite runs on both."""

import pytest
from django.core.management import call_command

from startups.models import Audience, Incubator, Organisation, Startup, Theme
from tests.conftest import BETAGOUV_DATA, require

LIST = "/en/startups/"


@pytest.fixture(scope="module")
def real_catalogue(django_db_setup, django_db_blocker):
    """The snapshot imported once for the module (an import takes seconds),
    committed, and removed at the end so that other modules start empty."""
    require(
        (BETAGOUV_DATA / "startups").is_dir(),
        f"the beta.gouv.fr snapshot is not at {BETAGOUV_DATA} (set BETAGOUV_DATA)",
    )
    with django_db_blocker.unblock():
        call_command("import_betagouv", str(BETAGOUV_DATA), stdout=None)
        yield
        from reversion.models import Revision

        Revision.objects.all().delete()
        Startup.objects.all().delete()
        Incubator.objects.all().delete()
        for model in (Organisation, Theme, Audience):
            model.objects.all().delete()


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_catalogue")]


def found(client, q: str) -> list[str]:
    response = client.get(LIST, {"q": q})
    assert response.status_code == 200
    return [s.title for s in response.context["page"].object_list]


@pytest.mark.parametrize(
    "typed", ["Aidants Connect", "aidants connect", "aidantsconnect", "AIDANTS-CONNECT"]
)
def test_the_exact_name_comes_first(client, typed):
    assert found(client, typed)[0] == "Aidants Connect"


@pytest.mark.parametrize("typed", ["dossier facile", "dossierfacile", "Dossier-Facile"])
def test_glued_or_split_words_find_dossierfacile_first(client, typed):
    assert found(client, typed)[0] == "DossierFacile"


def test_the_words_of_a_name_with_punctuation_find_it_first(client):
    assert found(client, "rdv service public")[0] == "RDV Service Public"
    assert found(client, "data gouv")[:1] == ["data.gouv.fr"]
    assert found(client, "1 jeune")[0] == "1 Jeune 1 Arbre"
    assert found(client, "ecol lieu")[0] == "écol'lieu"


@pytest.mark.parametrize(
    "typed, title",
    [
        # beta.gouv.fr's redirect_from entries (FormerSlug rows)
        ("access4all", "Acceslibre"),
        ("T2B Justice", "Mistral Pénal"),
        ("conseiller numerique", "Mon Inclusion Numérique"),
        # the words of the identifier
        (
            "point d'accès national données accessibilité",
            "PAUDA (accessibilite.data.gouv.fr)",
        ),
    ],
)
def test_former_identifiers_and_the_identifiers_words_find_the_startup_first(
    client, typed, title
):
    assert found(client, typed)[0] == title


def test_a_whole_word_beats_a_shared_stem(client):
    titles = found(client, "école")
    startups = {s.title: s for s in Startup.objects.filter(title__in=titles)}

    def says_ecole(title):
        s = startups[title]
        text = f"{s.search_title}{s.search_text}{s.search_body}"
        return " ecole " in text or " ecoles " in text

    # The first results say "école"; écol'lieu (stem "écol" only) comes after
    # all of them; écologie (stem "écolog") is not found at all.
    assert says_ecole(titles[0]) and titles[0] == "Suivi Stage"
    first_stem_only = titles.index("écol'lieu")
    assert all(says_ecole(t) for t in titles[:first_stem_only])
    assert not any("cologie" in t for t in titles)
    ecology = Startup.objects.filter(search_text__contains=" ecologie ").count()
    assert ecology > 20 and len(titles) < 30


@pytest.mark.parametrize(
    "typed, corrected, first",
    [
        ("mon suivi justise", "mon suivi justice", "Mon Suivi Justice"),  # a title
        ("agricultre", "agriculture", "1 Jeune 1 Arbre"),  # a theme
        ("djangp", "django", "Agreste"),  # a technology
    ],
)
def test_a_typing_mistake_is_corrected_and_said(client, typed, corrected, first):
    response = client.get(LIST, {"q": typed})

    assert response.context["correction"].corrected_text == corrected
    assert response.context["page"].object_list[0].title == first
    count = response.context["page"].paginator.count
    assert count > 0
    assert f"{count} start-up" in response.content.decode()


def test_the_api_returns_the_pages_selection_for_a_typing_mistake(client):
    page = client.get(LIST, {"q": "mon suivi justise"})
    api = client.get("/api/v1/startups/", {"q": "mon suivi justise"}).json()

    titles = [s.title for s in page.context["page"].object_list]
    assert [s["title"] for s in api["results"]][: len(titles)] == titles
