"""Alphabetical order as a French reader expects it, the same on both databases:
a stored sort key (Startup.sort_title), kept in step by every write."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from startups.models import Audience, Incubator, Organisation, Phase, Startup, Theme
from startups.search import sort_key
from tests.conftest import BETAGOUV_DATA, require
from tests.test_admin_validation import form_data

LIST = "/en/startups/"


@pytest.mark.parametrize(
    "title, key",
    [
        ("Éoliennes", "eoliennes"),
        ("data.gouv.fr", "data gouv fr"),
        ("  « Œuvre »", "oeuvre"),
        ("écol'lieu", "ecol lieu"),
        ("1 élève, 1 stage", "1 eleve 1 stage"),
        ("uMap", "umap"),
        ("!!!", "!!!"),
    ],
)
def test_the_sort_key_drops_case_accents_ligatures_and_punctuation(title, key):
    assert sort_key(title) == key


def test_the_sort_key_keeps_digits_and_words_apart():
    titles = ["1 Jeune 1 Arbre", "La Poste", "Laboratoire", "1 élève, 1 stage"]

    assert sorted(titles, key=sort_key) == [
        "1 élève, 1 stage",
        "1 Jeune 1 Arbre",
        "La Poste",
        "Laboratoire",
    ]


def names(response) -> list[str]:
    return [s.title for s in response.context["page"].object_list]


@pytest.mark.django_db
def test_the_catalogue_in_name_order_ignores_case_accents_and_punctuation(
    client, make_startup
):
    for title in ["Zèbre", "éolienne", "Abeille", "data.gouv.fr", "Dossier", "Éole"]:
        make_startup(title=title)

    response = client.get(LIST, {"sort": "name"})

    assert names(response) == [
        "Abeille",
        "data.gouv.fr",
        "Dossier",
        "Éole",
        "éolienne",
        "Zèbre",
    ]


@pytest.mark.django_db
def test_incubator_and_sponsor_pages_list_in_the_same_order(
    client, make_startup, make_incubator, make_organisation
):
    lab = make_incubator(slug="lab")
    org = make_organisation(slug="org")
    for title in ["Zèbre", "éolienne", "Abeille"]:
        make_startup(title=title, incubator=lab, sponsors=[org])

    for url in (
        reverse("startups:incubator_detail", kwargs={"slug": "lab"}),
        reverse("startups:sponsor_detail", kwargs={"slug": "org"}),
    ):
        html = client.get(url).content.decode()
        positions = [html.index(t) for t in ("Abeille", "éolienne", "Zèbre")]
        assert positions == sorted(positions), url


@pytest.mark.django_db
def test_an_admin_change_of_title_moves_the_startup(admin_client, make_startup):
    startup = make_startup(
        title="Zèbre", phases=[(Phase.INVESTIGATION, dt.date(2022, 1, 1))]
    )

    response = admin_client.post(
        reverse("admin:startups_startup_change", args=[startup.pk]),
        form_data(startup, title="« Âne »"),
    )

    assert response.status_code == 302
    startup.refresh_from_db()
    assert startup.sort_title == "ane"


@pytest.mark.django_db
def test_an_admin_restore_puts_back_the_sort_key_of_the_title(
    admin_client, make_startup
):
    from reversion.models import Version

    startup = make_startup(title="Zèbre")
    url = reverse("admin:startups_startup_change", args=[startup.pk])
    admin_client.post(url, form_data(startup, title="Zèbre"))
    first = Version.objects.get_for_object(startup).first()
    admin_client.post(url, form_data(startup, title="Âne"))

    response = admin_client.post(
        reverse("admin:startups_startup_revision", args=[startup.pk, first.pk]),
        form_data(startup, title="Zèbre"),
    )

    assert response.status_code == 302
    startup.refresh_from_db()
    assert (startup.title, startup.sort_title) == ("Zèbre", "zebre")


@pytest.mark.django_db
def test_the_name_order_reads_the_sort_index(make_startup):
    for i in range(30):
        make_startup(title=f"Service {i}")
    queryset = Startup.objects.published().order_by("sort_title", "pk").values("pk")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE startups_startup")
            # Thirty rows are cheaper to sort; ask for the plan of a large table.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
        plan = queryset[100:124].explain()

    assert "startup_published_sort_idx" in plan


# The real catalogue


@pytest.fixture(scope="module")
def real_catalogue(django_db_setup, django_db_blocker):
    """The snapshot imported once for these tests, then removed."""
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


@pytest.mark.django_db
@pytest.mark.usefixtures("real_catalogue")
def test_the_real_catalogue_in_name_order_puts_each_title_under_its_letter(client):
    titles = []
    for page in range(1, 40):
        response = client.get(LIST, {"sort": "name", "page": page})
        titles += names(response)
        if not response.context["page"].has_next():
            break

    # The import stored every key, and the database orders them as Python
    # compares strings: both databases give this one order.
    stored = dict(Startup.objects.values_list("title", "sort_title"))
    assert all(stored[t] == sort_key(t) for t in titles)
    keys = [sort_key(t) for t in titles]
    assert keys == sorted(keys)
    assert titles.index("1 élève, 1 stage") < titles.index("1 Jeune 1 Arbre")
    for title, letter in [
        ("data.gouv.fr", "d"),
        ("api.gouv.fr", "a"),
        ("uMap", "u"),
        ("Éoliennes", "e"),
        ("écol'lieu", "e"),
    ]:
        i = titles.index(title)
        assert keys[i - 1][0] <= letter <= keys[i + 1][0], title
    assert titles[0] == "1 élève, 1 stage" and keys[-1] >= "z"
