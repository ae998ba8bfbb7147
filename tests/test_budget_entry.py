"""How budgets get in: the rules the database keeps, the sheet form's budget
table, the CSV upload (all or nothing), who may do it, and the sheet's history."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from reversion.models import Version

from startups.budget_upload import MAX_BYTES
from startups.history import save_sheet_versions
from startups.models import (
    BudgetCategory,
    BudgetLine,
    StartupEditor,
)
from startups.services import make_incubator_staff
from tests.helpers import post_admin_form, rendered_form

pytestmark = pytest.mark.django_db


def change_url(startup):
    return reverse("admin:startups_startup_change", args=[startup.pk])


def upload_url(startup):
    return reverse("admin:startups_startup_budget_upload", args=[startup.pk])


def lines_of(startup):
    return sorted(
        startup.budget_lines.values_list(
            "year", "category__slug", "amount", "kind", "source", "sponsor__slug"
        )
    )


# The categories


def test_the_migration_makes_the_reference_models_categories_in_both_languages(
    budget_categories,
):
    assert list(BudgetCategory.objects.values_list("slug", flat=True)) == [
        "product-management",
        "development",
        "design",
        "coaching",
        "deployment-support",
        "hosting-tools",
        "other",
    ]
    category = budget_categories["deployment-support"]
    with translation.override("fr"):
        assert str(category) == "Déploiement et support"
    with translation.override("en"):
        assert str(category) == "Deployment and support"


def test_staff_read_the_categories_and_only_the_national_team_changes_them(
    client, admin_client, make_incubator, budget_categories
):
    category = budget_categories["design"]
    url = reverse("admin:startups_budgetcategory_change", args=[category.pk])
    staff = get_user_model().objects.create_user("agent", password="pw")
    make_incubator_staff(user=staff, incubators=[make_incubator()])
    client.force_login(staff)

    assert client.get(url).status_code == 200
    client.post(url, {"slug": "design", "label": "Graphisme", "position": 2})
    category.refresh_from_db()
    assert category.label == "Design"
    assert client.get(reverse("admin:startups_budgetcategory_add")).status_code == 403
    response = admin_client.post(
        url,
        {"slug": "design", "label": "Graphisme", "label_en": "Design", "position": 2},
    )
    assert response.status_code == 302
    category.refresh_from_db()
    assert category.label == "Graphisme"


# What the database refuses, whatever writes


def refused(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetLine.objects.create(**fields)


def test_the_database_refuses_impossible_lines(
    make_startup, make_organisation, budget_categories
):
    startup = make_startup()
    base = {
        "startup": startup,
        "year": 2024,
        "category": budget_categories["design"],
        "amount": 1000,
        "kind": "actual",
        "source": "incubator",
        "stated_on": dt.date(2024, 12, 31),
    }
    refused(**{**base, "amount": -1})
    refused(**{**base, "year": 2012})
    refused(**{**base, "year": 2101})
    refused(**{**base, "kind": "maybe"})
    refused(**{**base, "source": "lottery"})
    # A sponsor source names its organisation, and no other source does.
    refused(**{**base, "source": "sponsor"})
    refused(**{**base, "source": "fast", "sponsor": make_organisation()})
    assert not BudgetLine.objects.exists()


def test_one_actual_line_per_year_and_category_any_number_of_forecasts(
    make_startup, make_budget_line
):
    startup = make_startup()
    make_budget_line(startup, year=2024, category="design")
    make_budget_line(startup, year=2024, category="design", kind="forecast")
    make_budget_line(startup, year=2024, category="design", kind="forecast")
    make_budget_line(startup, year=2025, category="design")
    make_budget_line(make_startup(), year=2024, category="design")

    with pytest.raises(IntegrityError), transaction.atomic():
        make_budget_line(startup, year=2024, category="design")
    assert startup.budget_lines.count() == 4


def test_a_line_more_than_five_years_ahead_is_refused_with_a_message(
    make_startup, budget_categories
):
    this_year = timezone.localdate().year
    line = BudgetLine(
        startup=make_startup(),
        year=this_year + 6,
        category=budget_categories["design"],
        amount=10,
        kind="forecast",
        source="other",
        stated_on=dt.date(2024, 1, 1),
    )
    with pytest.raises(ValidationError) as error:
        line.full_clean()
    with translation.override("en"):
        assert error.value.message_dict["year"] == [
            f"Enter a year from 2013 to {this_year + 5}."
        ]
    line.year = this_year + 5
    line.full_clean()


# The sheet form's budget table, posted as the browser renders it


def with_rows(data: dict, rows: list[dict]) -> dict:
    """The rendered form's data with `rows` as new budget lines after the
    existing ones."""
    initial = int(data["budget_lines-INITIAL_FORMS"][0])
    data["budget_lines-TOTAL_FORMS"] = [str(initial + len(rows))]
    for i, row in enumerate(rows, start=initial):
        for name, value in row.items():
            data[f"budget_lines-{i}-{name}"] = [str(value)]
    return data


def budget_row(categories, **overrides):
    row = {
        "year": 2024,
        "category": categories["development"].pk,
        "amount": 50000,
        "kind": "actual",
        "source": "incubator",
        "sponsor": "",
        "stated_on": "2024-12-31",
    }
    return {**row, **overrides}


def post_rows(client, startup, rows):
    page = client.get(change_url(startup))
    assert page.status_code == 200
    data = with_rows(rendered_form(page.content.decode()), rows)
    return client.post(change_url(startup), data)


def test_the_sheet_form_saves_budget_lines_into_the_sheets_history(
    admin_client, make_startup, make_organisation, budget_categories
):
    sponsor = make_organisation(slug="dinum", acronym="DINUM")
    startup = make_startup(sponsors=[sponsor])

    response = post_rows(
        admin_client,
        startup,
        [
            budget_row(budget_categories, source="sponsor", sponsor=sponsor.pk),
            budget_row(budget_categories, kind="forecast", year=2025, amount=70000),
        ],
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert lines_of(startup) == [
        (2024, "development", 50000, "actual", "sponsor", "dinum"),
        (2025, "development", 70000, "forecast", "incubator", None),
    ]
    version = Version.objects.get_for_object(startup).first()
    held = version.revision.version_set.filter(content_type__model="budgetline")
    assert held.count() == 2


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [{"amount": -5}],
            "Un montant ne peut pas être négatif.",
        ),
        (
            [{"year": 2010}],
            "Indiquez une année entre 2013 et {last}.",
        ),
        (
            [{"year": "{far}"}],
            "Indiquez une année entre 2013 et {last}.",
        ),
        (
            [{}, {"amount": 10}],
            "Il y a déjà une ligne réalisée pour 2024 et « Développement » : "
            "additionnez les montants sur une seule ligne.",
        ),
        (
            [{"source": "sponsor"}],
            "Indiquez l&#x27;organisation sponsor qui a financé.",
        ),
    ],
)
def test_the_sheet_form_refuses_a_wrong_line_with_a_french_message(
    admin_client, make_startup, budget_categories, rows, message
):
    last = timezone.localdate().year + 5
    startup = make_startup()
    rows = [
        budget_row(
            budget_categories,
            **{k: str(v).format(far=last + 1) for k, v in row.items()},
        )
        for row in rows
    ]

    response = post_rows(admin_client, startup, rows)

    assert response.status_code == 200
    assert message.format(last=last) in response.content.decode()
    assert not startup.budget_lines.exists()


def test_a_second_actual_line_is_refused_against_a_line_already_saved(
    admin_client, make_startup, make_budget_line, budget_categories
):
    startup = make_startup()
    make_budget_line(startup, year=2024, category="development")

    response = post_rows(admin_client, startup, [budget_row(budget_categories)])

    assert response.status_code == 200
    assert "Il y a déjà une ligne réalisée pour 2024" in response.content.decode()
    assert startup.budget_lines.count() == 1


# The CSV upload


GOOD_FILE = (
    "\ufeffannée;catégorie;montant;nature;source;date du relevé\n"
    "2024;Développement;120 000;réalisé;DINUM;31/12/2024\n"
    "2024;design;15000,00;Réalisé;incubateur;2024-12-31\n"
    "2025;Development;150000;prévisionnel;FAST;2024-12-31\n"
)


def upload(client, startup, content: str | bytes, name="budget.csv"):
    data = content.encode() if isinstance(content, str) else content
    return post_admin_form(
        client,
        upload_url(startup),
        form_id="budget-upload-form",
        file=SimpleUploadedFile(name, data, content_type="text/csv"),
    )


@pytest.fixture
def sheet(make_startup, make_organisation, make_budget_line):
    """A sheet with one budget line already, which a good upload replaces."""
    startup = make_startup(sponsors=[make_organisation(slug="dinum", acronym="DINUM")])
    make_budget_line(startup, year=2023, category="coaching", amount=9000)
    return startup


def test_the_sheet_form_links_to_the_upload_page_which_documents_the_columns(
    admin_client, sheet
):
    html = admin_client.get(change_url(sheet)).content.decode()
    assert upload_url(sheet) in html
    page = admin_client.get(upload_url(sheet)).content.decode()
    for column in ("annee", "categorie", "montant", "nature", "source", "date"):
        assert f"<code>{column}</code>" in page
    assert "points-virgules ou des virgules" in page
    assert "avec ou sans BOM" in page


def test_a_good_file_replaces_the_budget_in_one_revision(admin_client, sheet):
    response = upload(admin_client, sheet, GOOD_FILE)

    assert response.status_code == 302
    assert response["Location"] == change_url(sheet)
    assert lines_of(sheet) == [
        (2024, "design", 15000, "actual", "incubator", None),
        (2024, "development", 120000, "actual", "sponsor", "dinum"),
        (2025, "development", 150000, "forecast", "fast", None),
    ]
    version = Version.objects.get_for_object(sheet).first()
    assert version.revision.get_comment() == "Budget importé (fichier CSV)"
    assert version.revision.version_set.filter(content_type__model="budgetline")
    page = admin_client.get(response["Location"]).content.decode()
    assert "Le budget est importé : 3 lignes." in page


def test_a_comma_separated_file_with_english_headers_is_read_too(admin_client, sheet):
    content = (
        "Year,Category,Amount,Kind,Source,Statement date\n"
        '2024,hosting-tools,"1,00",actual,other,2024-06-30\n'
        "2024,Hosting and tools,3000,forecast,DINUM,2024-06-30\n"
    )
    response = upload(admin_client, sheet, content)

    assert response.status_code == 302
    assert lines_of(sheet) == [
        (2024, "hosting-tools", 1, "actual", "other", None),
        (2024, "hosting-tools", 3000, "forecast", "sponsor", "dinum"),
    ]


def test_a_file_with_bad_lines_is_refused_whole_with_their_numbers(admin_client, sheet):
    last = timezone.localdate().year + 5
    content = (
        "annee;categorie;montant;nature;source;date\n"
        "2024;Développement;1000;réalisé;incubateur;2024-12-31\n"  # good
        "2010;Développement;1000;réalisé;incubateur;2024-12-31\n"
        "2024;Cantine;-5;peut-être;Loterie;demain\n"
        "\n"
        "2024;development;2000;actual;FAST;2024-12-31\n"
    )
    before = lines_of(sheet)

    response = upload(admin_client, sheet, content)

    assert response.status_code == 400
    html = response.content.decode()
    assert "Le fichier est refusé ; rien n'a été modifié" in html
    assert (
        f"Ligne 3 : l&#x27;année 2010 n&#x27;est pas comprise entre 2013 et {last}."
    ) in html
    assert (
        "Ligne 4 : catégorie inconnue : « Cantine » ; un montant ne peut pas être "
        "négatif ; « peut-être » n&#x27;est ni réalisé ni prévisionnel ; source "
        "inconnue : « Loterie »"
    ) in html
    assert "« demain » n&#x27;est pas une date" in html
    assert (
        "Ligne 6 : une deuxième ligne réalisée pour 2024 et « Développement » "
        "(la première ligne 2)."
    ) in html
    assert "Ligne 2" not in html
    assert lines_of(sheet) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("année;catégorie;montant\n2024;design;10\n", "Ligne 1 : colonnes manquantes"),
        ("", "Le fichier soumis est vide."),
        (
            "année;catégorie;montant;nature;source;date\n".encode("cp1252")
            + "2024;Développement;1;réalisé;autre;2024-01-01\n".encode("cp1252"),
            "Le fichier n&#x27;est pas en UTF-8",
        ),
        (
            "année;catégorie;montant;nature;source;date\n",
            "Le fichier n&#x27;a aucune ligne de budget.",
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_message(
    admin_client, sheet, content, message
):
    before = lines_of(sheet)
    response = upload(admin_client, sheet, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert lines_of(sheet) == before


def test_an_oversize_file_is_refused_before_it_is_read(admin_client, sheet):
    line = "2024;Développement;1000;prévisionnel;incubateur;2024-12-31\n"
    content = "annee;categorie;montant;nature;source;date\n" + line * (
        MAX_BYTES // len(line) + 10
    )
    before = lines_of(sheet)

    response = upload(admin_client, sheet, content)

    assert response.status_code == 400
    assert "Le fichier est trop volumineux : 512 Ko au plus." in (
        response.content.decode()
    )
    assert lines_of(sheet) == before


def test_a_failure_while_writing_leaves_the_budget_as_it_was(
    admin_client, sheet, monkeypatch
):
    import startups.budget_upload

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(startups.budget_upload, "save_sheet_versions", broken)
    before = lines_of(sheet)
    with pytest.raises(RuntimeError):
        startups.budget_upload.upload_budget(
            startup=sheet, data=GOOD_FILE.encode(), user=None
        )
    assert lines_of(sheet) == before


# Who may upload: whoever may change the sheet


@pytest.fixture
def people(make_incubator, sheet):
    other = make_incubator()
    users = {}
    for name, incubator in (("own", sheet.incubator), ("other", other)):
        user = get_user_model().objects.create_user(name, password="pw")
        make_incubator_staff(user=user, incubators=[incubator])
        users[name] = user
    users["editor"] = get_user_model().objects.create_user("editor", password="pw")
    StartupEditor.objects.create(user=users["editor"], startup=sheet)
    users["editor"].refresh_from_db()
    return users


def test_staff_of_another_incubator_cannot_upload_a_sheets_budget(
    client, sheet, people
):
    before = lines_of(sheet)
    client.force_login(people["other"])

    assert client.get(upload_url(sheet)).status_code == 404
    response = client.post(
        upload_url(sheet),
        {"file": SimpleUploadedFile("b.csv", GOOD_FILE.encode())},
    )

    assert response.status_code == 404
    assert lines_of(sheet) == before


@pytest.mark.parametrize("role", ["own", "editor"])
def test_the_sheets_staff_and_editors_upload_its_budget(client, sheet, people, role):
    client.force_login(people[role])
    assert upload(client, sheet, GOOD_FILE).status_code == 302
    assert len(lines_of(sheet)) == 3


def test_visitors_are_sent_to_the_login_page(client, sheet):
    response = client.get(upload_url(sheet))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_budget_table_is_in_the_form_of_the_sheets_staff_only(
    client, sheet, people
):
    client.force_login(people["own"])
    assert "budget_lines-0-amount" in client.get(change_url(sheet)).content.decode()
    client.force_login(people["other"])
    assert client.get(change_url(sheet)).status_code == 404


# History


def test_restoring_a_version_brings_its_budget_lines_back(admin_client, sheet):
    history = "admin:startups_startup_{}".format
    # A first complete version: the sheet with its coaching line.
    save_sheet_versions([sheet.pk], comment="avant")
    first = Version.objects.get_for_object(sheet).first()
    assert upload(admin_client, sheet, GOOD_FILE).status_code == 302
    assert len(lines_of(sheet)) == 3

    compare = admin_client.get(
        reverse(history("compare"), args=[sheet.pk]) + f"?from={first.pk}&to=current"
    ).content.decode()
    assert "Budget" in compare and "2023 · Coaching · Réalisé · 9000 €" in compare
    restore = reverse(history("revision"), args=[sheet.pk, first.pk])
    page = admin_client.get(restore)
    response = admin_client.post(restore, rendered_form(page.content.decode()))

    assert response.status_code == 302
    assert lines_of(sheet) == [(2023, "coaching", 9000, "actual", "incubator", None)]


def test_the_budget_table_reads_no_more_with_more_lines(
    admin_client, make_startup, make_organisation, make_budget_line
):
    sponsor = make_organisation(name="Ministère des Tests", acronym="MT")
    startup = make_startup(sponsors=[sponsor])
    url = change_url(startup)
    admin_client.get(url)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(url).status_code == 200
        return len(captured.captured_queries)

    make_budget_line(startup, year=2014, source="sponsor", sponsor=sponsor)
    one = queries()
    for year in range(2015, 2030):
        make_budget_line(startup, year=year, source="sponsor", sponsor=sponsor)
    # The categories once for the table, the sponsors with their lines.
    assert queries() == one
    html = admin_client.get(url).content.decode()
    # Each line's sponsor shown by name (and the sheet's own sponsors field).
    assert html.count("selected>Ministère des Tests (MT)</option>") == 16 + 1
