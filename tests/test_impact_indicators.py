"""Impact indicators: the rules of the rows, the staff's forms and CSV upload
(posted as rendered, scoped by role), the sheet's history, and what the public
sees (charts with their tables, the stats, the API, the download)."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from reversion.models import Version

from startups.demo import seed_demo
from startups.demo.impact import fill_demo_indicators
from startups.indicators import Indicator, IndicatorValue
from startups.models import Phase, Startup, StartupEditor
from startups.services import make_incubator_staff
from tests.helpers import post_admin_form, rendered_form

pytestmark = pytest.mark.django_db
D = dt.date


def add_indicator(startup, label="Utilisateurs actifs", values=(), **fields):
    indicator = Indicator.objects.create(
        startup=startup,
        label=label,
        part=fields.pop("part", Indicator.Part.USED),
        **fields,
    )
    IndicatorValue.objects.bulk_create(
        IndicatorValue(indicator=indicator, date=day, value=value)
        for day, value in values
    )
    return indicator


MONTHS = [(D(2024, m, 1), 100 * m) for m in range(1, 7)]


@pytest.fixture
def world(make_incubator, make_startup):
    """Incubators A and B, a sheet of each; staff of each; an editor of A's."""
    a, b = make_incubator(slug="inc-a"), make_incubator(slug="inc-b")
    of_a = make_startup(slug="of-a", title="Service de A", incubator=a)
    of_b = make_startup(slug="of-b", title="Service de B", incubator=b)
    users = {}
    for name, incubator in (("staff_a", a), ("staff_b", b)):
        user = get_user_model().objects.create_user(name, password="pw")
        make_incubator_staff(user=user, incubators=[incubator])
        users[name] = user
    editor = get_user_model().objects.create_user("editor", password="pw")
    StartupEditor.objects.create(user=editor, startup=of_a)
    users["editor"] = editor
    return {"of_a": of_a, "of_b": of_b, "users": users}


def client_for(client, user):
    client.force_login(user)
    return client


# The rows


def test_an_indicator_label_is_unique_on_its_sheet(make_startup):
    startup = make_startup()
    add_indicator(startup, "Visites")
    add_indicator(make_startup(), "Visites")  # another sheet may
    with pytest.raises(IntegrityError), transaction.atomic():
        add_indicator(startup, "Visites")


def test_one_value_per_indicator_and_date(make_startup):
    indicator = add_indicator(make_startup(), values=[(D(2024, 1, 1), 1)])
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorValue.objects.create(indicator=indicator, date=D(2024, 1, 1), value=2)


@pytest.mark.parametrize(
    "change", [{"part": "popular"}, {"periodicity": "hourly"}, {"label": ""}]
)
def test_the_database_refuses_unknown_parts_periodicities_and_empty_labels(
    make_startup, change
):
    indicator = add_indicator(make_startup())
    with pytest.raises(IntegrityError), transaction.atomic():
        Indicator.objects.filter(pk=indicator.pk).update(**change)


def test_values_are_bounded_in_the_database(make_startup):
    indicator = add_indicator(make_startup())
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorValue.objects.create(
            indicator=indicator, date=D(2024, 1, 1), value=Decimal("1e15")
        )


def test_the_parts_of_the_matrix_read_in_french():
    with translation.override("fr"):
        assert [str(label) for label in Indicator.Part.labels] == [
            "utilisable",
            "utilisé",
            "utile",
            "impactant",
            "efficient",
        ]


# Staff: the sheet form and the indicator's page, posted as rendered


def sheet_url(startup):
    return reverse("admin:startups_startup_change", args=[startup.pk])


def test_staff_add_an_indicator_in_the_sheet_form(client, world):
    client_for(client, world["users"]["staff_a"])
    startup = world["of_a"]
    response = post_admin_form(
        client,
        sheet_url(startup),
        **{
            "indicators-TOTAL_FORMS": ["1"],
            "indicators-0-label": ["Démarches réalisées"],
            "indicators-0-part": ["used"],
            "indicators-0-unit": ["démarches"],
            "indicators-0-periodicity": ["month"],
            "indicators-0-source_url": ["stats.service.gouv.fr/api/stats"],
            "indicators-0-position": ["0"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    indicator = startup.indicators.get()
    assert indicator.label == "Démarches réalisées"
    # A link typed without its scheme is https.
    assert indicator.source_url == "https://stats.service.gouv.fr/api/stats"
    # The sheet's version holds the new indicator.
    version = Version.objects.get_for_object(startup).first()
    held = version.revision.version_set.filter(content_type__model="indicator")
    assert [v.field_dict["label"] for v in held] == ["Démarches réalisées"]


def test_the_sheet_form_refuses_a_second_indicator_with_the_same_label(client, world):
    client_for(client, world["users"]["staff_a"])
    add_indicator(world["of_a"], "Visites")
    page = client.get(sheet_url(world["of_a"]))
    data = rendered_form(page.content.decode(), containing="title")
    data.update({
        "indicators-TOTAL_FORMS": ["2"],
        "indicators-1-label": ["Visites"],
        "indicators-1-part": ["useful"],
        "indicators-1-periodicity": ["month"],
        "indicators-1-position": ["1"],
    })  # fmt: skip
    response = client.post(sheet_url(world["of_a"]), data)
    assert response.status_code == 200
    assert world["of_a"].indicators.count() == 1


def indicator_url(indicator):
    return reverse("admin:startups_indicator_change", args=[indicator.pk])


def test_values_are_typed_on_the_indicator_page(client, world):
    indicator = add_indicator(world["of_a"], values=[(D(2024, 1, 1), 10)])
    client_for(client, world["users"]["editor"])
    response = post_admin_form(
        client,
        indicator_url(indicator),
        **{
            # The first empty row, after the indicator's value.
            "values-1-date": ["2024-02-01"],
            "values-1-value": ["12,5"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(indicator.values.values_list("date", "value")) == [
        (D(2024, 1, 1), Decimal("10")),
        (D(2024, 2, 1), Decimal("12.5")),
    ]
    # Kept as a version of the whole sheet, with the values.
    version = Version.objects.get_for_object(world["of_a"]).first()
    assert version.revision.user == world["users"]["editor"]
    kinds = set(
        version.revision.version_set.values_list("content_type__model", flat=True)
    )
    assert {"startup", "indicator", "indicatorvalue"} <= kinds


def test_a_second_value_on_the_same_date_is_refused_with_a_message(client, world):
    indicator = add_indicator(world["of_a"], values=[(D(2024, 1, 1), 10)])
    client_for(client, world["users"]["staff_a"])
    response = post_admin_form(
        client,
        indicator_url(indicator),
        **{"values-1-date": ["2024-01-01"], "values-1-value": ["11"]},
    )
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert indicator.values.get().value == 10


# Role scoping


def test_staff_reach_only_the_indicators_of_the_sheets_they_keep(client, world):
    mine = add_indicator(world["of_a"], "Le mien")
    theirs = add_indicator(world["of_b"], "Le leur")
    client_for(client, world["users"]["staff_a"])
    listing = client.get(reverse("admin:startups_indicator_changelist"))
    assert listing.status_code == 200
    assert "Le mien" in listing.content.decode()
    assert "Le leur" not in listing.content.decode()
    assert client.get(indicator_url(mine)).status_code == 200
    assert client.get(indicator_url(theirs)).status_code == 404
    upload = reverse("admin:startups_indicator_upload", args=[world["of_b"].pk])
    assert client.get(upload).status_code == 404
    other = client.post(
        reverse("admin:startups_indicator_delete", args=[theirs.pk]), {"post": "yes"}
    )
    assert other.status_code == 404
    assert Indicator.objects.filter(pk=theirs.pk).exists()


def test_a_sheet_editor_edits_only_their_sheets_indicators(client, world):
    mine = add_indicator(world["of_a"])
    theirs = add_indicator(world["of_b"])
    client_for(client, world["users"]["editor"])
    assert client.get(indicator_url(mine)).status_code == 200
    assert client.get(indicator_url(theirs)).status_code == 404
    upload = reverse("admin:startups_indicator_upload", args=[world["of_a"].pk])
    assert client.get(upload).status_code == 200


def test_a_new_indicator_can_only_be_put_on_a_kept_sheet(client, world):
    client_for(client, world["users"]["staff_a"])
    response = post_admin_form(
        client,
        reverse("admin:startups_indicator_add"),
        startup=[str(world["of_b"].pk)],
        label=["Intrus"],
        part=["used"],
    )
    assert response.status_code == 200
    assert not Indicator.objects.filter(label="Intrus").exists()


def test_anonymous_visitors_reach_no_indicator_admin(client, world):
    indicator = add_indicator(world["of_a"])
    for url in (
        indicator_url(indicator),
        reverse("admin:startups_indicator_upload", args=[world["of_a"].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


# CSV upload: through the rendered form, line by line, all or nothing


def upload(client, startup, text: str, name="values.csv"):
    url = reverse("admin:startups_indicator_upload", args=[startup.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = rendered_form(page.content.decode(), form_id="indicator-upload")
    data["file"] = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    return client.post(url, data)


def test_an_uploaded_csv_writes_every_value(client, world):
    users = add_indicator(world["of_a"], "Utilisateurs", values=[(D(2024, 1, 1), 1)])
    visits = add_indicator(world["of_a"], "Visites", part="usable")
    client_for(client, world["users"]["staff_a"])
    response = upload(
        client,
        world["of_a"],
        "\ufeffindicator;date;value\n"
        "Utilisateurs;2024-01-01;1 250\n"  # replaces the value of that date
        "utilisateurs;2024-02-01;1300,5\n"  # labels regardless of case
        "Visites;2024-02-01;9000\n",
    )
    assert response.status_code == 302
    assert list(users.values.values_list("date", "value")) == [
        (D(2024, 1, 1), Decimal("1250")),
        (D(2024, 2, 1), Decimal("1300.5")),
    ]
    assert visits.values.get().value == 9000
    version = Version.objects.get_for_object(world["of_a"]).first()
    assert "CSV" in version.revision.get_comment()


def test_a_csv_with_errors_names_each_line_and_writes_nothing(client, world):
    indicator = add_indicator(world["of_a"], "Visites", values=[(D(2024, 1, 1), 5)])
    client_for(client, world["users"]["staff_a"])
    response = upload(
        client,
        world["of_a"],
        "indicator,date,value\n"
        "Visites,2024-02-01,10\n"
        "Inconnu,2024-03-01,10\n"
        "Visites,01/04/2024,10\n"
        "Visites,2024-05-01,beaucoup\n"
        "Visites,2024-02-01,11\n"
        "Visites,2024-06-01\n"
        "Visites,2024-07-01,=1+1\n",
    )
    assert response.status_code == 400
    errors = re.findall(r"<li>(.*?)</li>", response.content.decode().split(
        'id="upload-errors"')[1].split("</ul>")[0])  # fmt: skip
    assert [e.split(" :")[0] for e in errors] == [
        "Ligne 3", "Ligne 4", "Ligne 5", "Ligne 6", "Ligne 7", "Ligne 8",
    ]  # fmt: skip
    assert "Inconnu" in errors[0]
    assert "ligne 2" in errors[3]
    # Nothing written, not even line 2.
    assert list(indicator.values.values_list("value", flat=True)) == [5]
    assert Version.objects.get_for_object(world["of_a"]).count() == 0


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("label,day,number\nVisites,2024-01-01,1\n", "Ligne 1"),
        ("indicator,date,value\n", "aucune valeur"),
        ("indicator,date,value\nVisites,2024-01-01,1\x00\n", "UTF-8"),
    ],
)
def test_a_csv_without_the_columns_or_values_is_refused(client, world, text, fragment):
    add_indicator(world["of_a"], "Visites")
    client_for(client, world["users"]["staff_a"])
    response = upload(client, world["of_a"], text)
    assert response.status_code == 400
    assert fragment in response.content.decode()
    assert IndicatorValue.objects.count() == 0


def test_a_file_that_is_not_utf8_is_refused(client, world):
    add_indicator(world["of_a"], "Visites")
    client_for(client, world["users"]["staff_a"])
    url = reverse("admin:startups_indicator_upload", args=[world["of_a"].pk])
    data = rendered_form(client.get(url).content.decode(), form_id="indicator-upload")
    data["file"] = SimpleUploadedFile(
        "v.csv", "indicator,date,value\né".encode("latin-1")
    )
    response = client.post(url, data)
    assert response.status_code == 400
    assert "UTF-8" in response.content.decode()


def test_the_sheet_form_links_to_the_upload(client, world):
    client_for(client, world["users"]["staff_a"])
    html = client.get(sheet_url(world["of_a"])).content.decode()
    assert reverse("admin:startups_indicator_upload", args=[world["of_a"].pk]) in html


# History: versions hold the indicators, a restore brings them back


def test_restoring_an_earlier_version_brings_back_its_indicators_and_values(
    admin_client, make_startup
):
    startup = make_startup()
    indicator = add_indicator(startup, "Visites", values=MONTHS[:2], unit="visites")
    from startups.history import save_sheet_versions

    save_sheet_versions([startup.pk], comment="first")
    first = Version.objects.get_for_object(startup).first()
    IndicatorValue.objects.filter(indicator=indicator).update(value=0)
    add_indicator(startup, "Ajouté ensuite")
    compare = admin_client.get(
        reverse("admin:startups_startup_compare", args=[startup.pk]),
        {"from": first.pk, "to": "current"},
    ).content.decode()
    assert "Indicateurs d&#x27;impact" in compare
    assert "Ajouté ensuite" in compare

    url = reverse("admin:startups_startup_revision", args=[startup.pk, first.pk])
    page = admin_client.get(url)
    response = admin_client.post(url, rendered_form(page.content.decode()))
    assert response.status_code == 302
    restored = startup.indicators.get()
    assert restored.pk == indicator.pk  # under its own id: links keep working
    assert restored.unit == "visites"
    assert list(restored.values.values_list("date", "value")) == [
        (d, Decimal(v)) for d, v in MONTHS[:2]
    ]


def test_a_bulk_version_holds_each_sheets_indicators_and_values(make_startup):
    from startups.history import save_sheet_versions, state_of_version

    one, two = make_startup(), make_startup()
    add_indicator(one, "A", values=MONTHS[:3])
    add_indicator(two, "B", values=MONTHS[:1])
    save_sheet_versions([one.pk, two.pk], comment="bulk")
    state = state_of_version(Version.objects.get_for_object(one).first())
    assert [r["label"] for r in state.rows["indicators"]] == ["A"]
    assert len(state.rows["indicator_values"]) == 3


# Public: the start-up page


def section(html: str, id: str) -> str:
    start = html.index(f'id="{id}"')
    return html[start : html.index("</section>", start)]


def test_the_page_draws_each_indicator_with_its_table(client, make_startup):
    startup = make_startup()
    monthly = add_indicator(
        startup, "Utilisateurs actifs", values=MONTHS, unit="utilisateurs",
        periodicity="month", description="Comptés chaque mois.",
    )  # fmt: skip
    daily = add_indicator(
        startup,
        "Visites",
        part="usable",
        periodicity="day",
        values=[(D(2024, 1, 1) + dt.timedelta(days=i), i * 3) for i in range(60)],
        source_url="https://stats.example.gouv.fr/stats.json",
    )
    add_indicator(startup, "Vide", part="efficient")
    html = client.get(startup.get_absolute_url()).content.decode()
    indicators = section(html, "indicators")
    # The parts in the matrix's order, in French.
    assert indicators.index("Utilisable") < indicators.index("Utilisé")
    assert indicators.index("Utilisé") < indicators.index("Efficient")
    chart = indicators.split(f'id="indicator-{monthly.pk}"')[1].split("</svg>")[0]
    assert 'role="img"' in chart
    assert f'aria-labelledby="indicator-{monthly.pk}-title indicator-{monthly.pk}-desc"'
    assert (
        f'<title id="indicator-{monthly.pk}-title">Utilisateurs actifs (utilisateurs)'
    )
    assert "6 valeurs de janvier 2024 (100) à juin 2024 (600)" in chart
    assert chart.count("startup-indicator__bar") == 6  # monthly: bars
    assert "style=" not in chart
    table = indicators.split(f'id="indicator-{monthly.pk}-table"')[1]
    assert "<caption" in table.split("</table>")[0]
    assert re.findall(r'<td class="fr-cell--right">([^<]*)</td>', table)[:6] == [
        "100", "200", "300", "400", "500", "600",
    ]  # fmt: skip
    line = indicators.split(f'id="indicator-{daily.pk}"')[1].split("</svg>")[0]
    assert "<polyline" in line and "startup-indicator__bar" not in line
    assert "https://stats.example.gouv.fr/stats.json" in indicators
    assert "Aucune valeur pour l'instant." in indicators  # "Vide"


def test_a_page_without_indicators_has_no_indicator_section(client, make_startup):
    startup = make_startup()
    html = client.get(startup.get_absolute_url()).content.decode()
    assert 'id="indicators"' not in html


def test_a_new_value_shows_at_once_on_the_cached_page(client, admin_client, world):
    indicator = add_indicator(world["of_a"], values=MONTHS[:1])
    url = world["of_a"].get_absolute_url()
    assert "Aucune" not in section(client.get(url).content.decode(), "indicators")
    response = post_admin_form(
        admin_client,
        indicator_url(indicator),
        **{"values-1-date": ["2024-02-01"], "values-1-value": ["4242"]},
    )
    assert response.status_code == 302
    assert "4\xa0242" in section(client.get(url).content.decode(), "indicators")


def test_the_page_query_count_does_not_grow_with_indicators(
    client, make_startup, django_assert_num_queries
):
    small, big = make_startup(), make_startup()
    add_indicator(small, values=MONTHS[:1])
    for i in range(6):
        add_indicator(big, f"Indicateur {i}", values=MONTHS, part="useful")
    # The catalogue version, the start-up with its incubator, co-incubators,
    # sponsors, themes, audiences, technologies, phases, events, budget lines,
    # indicators, their values, and its published predecessors.
    for startup in (small, big):
        with django_assert_num_queries(13):
            assert client.get(startup.get_absolute_url()).status_code == 200


# Public: the stats page


def test_the_stats_count_sheets_with_indicators_by_part_and_phase(client, make_startup):
    building = make_startup(phases=[(Phase.CONSTRUCTION, D(2023, 1, 1))])
    accelerating = make_startup(phases=[(Phase.ACCELERATION, D(2023, 1, 1))])
    hidden = make_startup(is_published=False)
    add_indicator(building, "A", part="used")
    add_indicator(building, "B", part="used")  # the sheet counts once
    add_indicator(building, "C", part="useful")
    add_indicator(accelerating, "A", part="used")
    add_indicator(hidden, "A", part="efficient")
    html = client.get("/stats/").content.decode()
    table = section(html, "impact").split('id="table-impact"')[1]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]:
        label = re.search(r'<th scope="row">([^<]*)</th>', row).group(1)
        rows[label] = re.findall(r'stats-number">([^<]*)</td>', row)
    phases = list(Phase)
    assert rows["Utilisé"][phases.index(Phase.CONSTRUCTION)] == "1"
    assert rows["Utilisé"][phases.index(Phase.ACCELERATION)] == "1"
    assert rows["Utilisé"][-1] == "2"
    assert rows["Utile"][-1] == "1"
    assert rows["Efficient"][-1] == "0"  # unpublished sheets are not counted
    assert 'id="chart-impact"' in html


def test_the_stats_query_count_does_not_grow_with_indicators(
    client, make_startup, django_assert_max_num_queries
):
    def add(n):
        for i in range(n):
            add_indicator(make_startup(), part=["used", "useful", "usable"][i % 3])

    add(3)
    # The catalogue version and the page's 13 figures (views.stats.statistics).
    with django_assert_max_num_queries(14):
        client.get("/stats/")
    add(12)
    with django_assert_max_num_queries(14):
        assert client.get("/stats/").status_code == 200


# Public: the API and the download


def test_the_api_detail_gives_the_indicators_and_their_values(client, make_startup):
    startup = make_startup(slug="simulateur")
    add_indicator(
        startup, "Simulations", values=[(D(2024, 1, 1), Decimal("12.5"))],
        unit="simulations", part="impactful", periodicity="quarter",
    )  # fmt: skip
    data = client.get("/api/v1/startups/simulateur/").json()
    [indicator] = data["indicators"]
    assert indicator["label"] == "Simulations"
    assert indicator["part"] == "impactful"
    assert indicator["part_label"] == "impactant"
    assert indicator["periodicity"] == "quarter"
    assert indicator["values"] == [{"date": "2024-01-01", "value": 12.5}]
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert "IndicatorValue" in schema.content.decode()


def test_the_api_detail_query_count_does_not_grow_with_indicators(
    client, make_startup, django_assert_num_queries
):
    small, big = make_startup(), make_startup()
    add_indicator(small, values=MONTHS[:1])
    for i in range(5):
        add_indicator(big, f"I{i}", values=MONTHS)
    # The catalogue version, the start-up with its incubator, its six lists,
    # its budget lines, the indicators and their values.
    for startup in (small, big):
        with django_assert_num_queries(11):
            assert client.get(f"/api/v1/startups/{startup.slug}/").status_code == 200


def read_csv(response) -> list[list[str]]:
    text = b"".join(
        response.streaming_content if response.streaming else [response.content]
    ).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_indicators_csv_lists_every_value_of_the_selection(client, make_startup):
    one = make_startup(
        slug="un", title="Un", phases=[(Phase.CONSTRUCTION, D(2023, 1, 1))]
    )
    two = make_startup(slug="deux", title="Deux")
    hidden = make_startup(slug="cache", is_published=False)
    add_indicator(one, "=Formule", values=MONTHS[:2], unit="%")
    add_indicator(two, "Visites", values=[(D(2024, 1, 1), Decimal("3.25"))])
    add_indicator(hidden, "Secret", values=MONTHS[:1])
    response = client.get(reverse("startups:indicators_csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = read_csv(response)
    assert rows[0][:4] == ["identifiant", "titre", "identifiant de l'indicateur",
                           "indicateur"]  # fmt: skip
    assert [(r[0], r[3], r[8], r[9]) for r in rows[1:]] == [
        ("deux", "Visites", "2024-01-01", "3.25"),
        ("un", "'=Formule", "2024-01-01", "100"),  # formulas neutralised
        ("un", "'=Formule", "2024-02-01", "200"),
    ]
    assert rows[1][5] == "utilisé"
    selected = read_csv(
        client.get(reverse("startups:indicators_csv"), {"phase": "construction"})
    )
    assert {r[0] for r in selected[1:]} == {"un"}


def test_the_indicators_csv_is_listed_beside_the_other_files(client, make_startup):
    make_startup()
    html = client.get(reverse("startups:list")).content.decode()
    assert reverse("startups:indicators_csv") in html
    assert reverse("startups:indicators_csv") in client.get("/api/").content.decode()


def test_the_indicators_csv_query_count_does_not_grow(
    client, make_startup, django_assert_num_queries
):
    add_indicator(make_startup(), values=MONTHS[:1])
    # The catalogue version, the values with their indicator and start-up.
    with django_assert_num_queries(2):
        client.get(reverse("startups:indicators_csv"))
    for i in range(5):
        add_indicator(make_startup(), f"I{i}", values=MONTHS)
    with django_assert_num_queries(2):
        assert len(read_csv(client.get(reverse("startups:indicators_csv")))) == 32


# Demo and real data


def test_the_demo_fills_indicators_for_a_share_of_its_sheets():
    seed_demo(startups=60, seed=3)
    with_indicators = Startup.objects.filter(indicators__isnull=False).distinct()
    assert 0 < with_indicators.count() < 60
    assert not with_indicators.filter(current_phase=Phase.INVESTIGATION).exists()
    assert IndicatorValue.objects.exists()
    assert not IndicatorValue.objects.filter(date__gt=dt.date.today()).exists()
    # In the sheets' first version too.
    startup = with_indicators.first()
    version = Version.objects.get_for_object(startup).first()
    assert version.revision.version_set.filter(content_type__model="indicator").exists()


def test_the_demo_filler_leaves_other_sheets_alone(make_startup):
    real = make_startup(phases=[(Phase.ACCELERATION, D(2020, 1, 1))])
    assert fill_demo_indicators([], seed=1) == 0
    assert not real.indicators.exists()


def test_imported_real_sheets_have_no_invented_figures(real_catalogue):
    assert Startup.objects.exclude(stats_url="").exists()
    assert not Indicator.objects.exists()
