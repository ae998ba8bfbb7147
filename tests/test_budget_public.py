"""Budgets in public: the start-up page's section and chart, the "budget
published" facet, the API, the budget-lines download and the DCAT catalogue.
No sheet shows a figure it doesn't have."""

import csv
import io
import re
from html import unescape

import pytest
from django.urls import reverse

from startups.models import BudgetLine, Startup

pytestmark = pytest.mark.django_db


def table_rows(html: str, table_id: str) -> list[list[str]]:
    start = html.index(f'id="{table_id}"')
    table = html[start : html.index("</table>", start)]
    body = table[table.index("<tbody>") :]
    return [
        [" ".join(unescape(re.sub(r"<[^>]+>", "", cell)).split()) for cell in cells]
        for cells in (
            re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
        )
    ]


def euros(text: str) -> str:
    # Figures are grouped with no-break spaces: compared with plain ones.
    return text.replace("\u00a0", " ").replace("\u202f", " ")


@pytest.fixture
def budgeted(make_startup, make_organisation, make_budget_line):
    sponsor = make_organisation(slug="dinum", name="DINUM", acronym="")
    startup = make_startup(slug="budgete", title="Budgété", sponsors=[sponsor])
    make_budget_line(startup, year=2024, category="development", amount=120000,
                     source="sponsor", sponsor=sponsor)  # fmt: skip
    make_budget_line(startup, year=2024, category="design", amount=30000)
    make_budget_line(startup, year=2025, category="development", amount=150000,
                     kind="forecast", source="fast")  # fmt: skip
    return startup


# The start-up page


def test_the_page_shows_the_budget_by_year_and_category_with_its_sources(
    client, budgeted
):
    html = client.get(budgeted.get_absolute_url()).content.decode()

    assert '<h2 id="budget-title">Budget</h2>' in html
    assert [euros(" | ".join(r)) for r in table_rows(html, "table-budget-years")] == [
        "2024 | 150 000 € | —",
        "2025 | — | 150 000 €",
    ]
    assert [
        euros(" | ".join(r)) for r in table_rows(html, "table-budget-categories")
    ] == [
        "2024 | Développement | 120 000 € | — | DINUM : 120 000 €",
        "2024 | Design | 30 000 € | — | Incubateur : 30 000 €",
        "2025 | Développement | — | 150 000 € | FAST : 150 000 €",
    ]
    assert "dernier relevé : 31 décembre 2024" in html


def test_the_chart_is_drawn_on_the_server_with_a_title_and_a_description(
    client, budgeted
):
    html = client.get(budgeted.get_absolute_url()).content.decode()
    start = html.index('<svg class="budget-chart" id="chart-budget"')
    svg = html[start : html.index("</svg>", start)]

    assert 'role="img"' in svg
    assert 'aria-labelledby="chart-budget-title chart-budget-desc"' in svg
    assert (
        '<title id="chart-budget-title">Budget de Budgété par année, réalisé et '
        "prévisionnel (euros)</title>"
    ) in svg
    assert "de 2024 à 2025" in svg
    # One actual bar for 2024, one forecast bar for 2025, the largest full width.
    bars = re.findall(r'class="budget-chart__bar--(\w+)" x="48" y="\d+" '
                      r'width="(\d+)"', svg)  # fmt: skip
    assert bars == [("actual", "256"), ("forecast", "256")]


def test_the_english_page_says_it_in_english(client, budgeted):
    html = client.get("/en" + budgeted.get_absolute_url()).content.decode()
    rows = table_rows(html, "table-budget-categories")
    assert rows[0][1] == "Development" and rows[1][4].startswith("Incubator:")
    assert "Actual" in html and "Forecast" in html


def test_a_sheet_with_only_a_budget_link_shows_the_link_and_no_figure(
    client, make_startup
):
    startup = make_startup(budget_url="https://pad.example.org/budget")
    html = client.get(startup.get_absolute_url()).content.decode()

    section = html[
        html.index('id="budget"') : html.index("</section>", html.index('id="budget"'))
    ]
    assert 'href="https://pad.example.org/budget"' in section
    assert "€" not in section and "<table" not in section and "<svg" not in section


def test_a_sheet_without_budget_has_no_budget_section(client, make_startup):
    html = client.get(make_startup().get_absolute_url()).content.decode()
    assert 'id="budget"' not in html
    assert "budget-chart" not in html


def test_the_page_query_count_does_not_grow_with_the_budget_lines(
    client, make_startup, make_budget_line, budget_categories, django_assert_num_queries
):
    small = make_startup()
    make_budget_line(small)
    big = make_startup()
    for year in range(2014, 2026):
        for slug in budget_categories:
            make_budget_line(big, year=year, category=slug)
            make_budget_line(big, year=year, category=slug, kind="forecast")
    assert big.budget_lines.count() == 12 * 7 * 2

    # The catalogue version, the start-up with its main incubator, then
    # co-incubators, sponsors, themes, audiences, technologies, phases, events,
    # budget lines with their categories and sponsors, impact indicators (none
    # here: no query for their values) and published predecessors: one query
    # each.
    for startup in (small, big):
        with django_assert_num_queries(12):
            assert client.get(startup.get_absolute_url()).status_code == 200


# The facet, the filter, the exports that share it


@pytest.fixture
def three_sheets(make_startup, make_budget_line):
    figures = make_startup(slug="chiffres")
    make_budget_line(figures)
    make_budget_line(figures, kind="forecast")
    both = make_startup(slug="les-deux", budget_url="https://pad.example.org/b")
    make_budget_line(both)
    link = make_startup(slug="lien", budget_url="https://pad.example.org/l")
    make_startup(slug="rien")
    hidden = make_startup(slug="cachee", is_published=False)
    make_budget_line(hidden)
    return figures, both, link


def test_the_catalogue_counts_sheets_that_publish_their_budget(client, three_sheets):
    response = client.get(reverse("startups:list"))
    (facet,) = [f for f in response.context["facets"] if f.name == "budget"]
    assert facet.label == "Budget publié"
    assert [(o.value, o.label, o.count) for o in facet.options] == [
        ("figures", "Budget chiffré", 2),
        ("link", "Document de budget (lien)", 2),
    ]
    assert 'name="budget" value="figures"' in response.content.decode()


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["figures"], {"chiffres", "les-deux"}),
        (["link"], {"les-deux", "lien"}),
        (["figures", "link"], {"chiffres", "les-deux", "lien"}),
    ],
)
def test_the_page_csv_and_api_select_the_same_sheets(
    client, three_sheets, values, expected
):
    page = client.get(reverse("startups:list"), {"budget": values})
    assert {s.slug for s in page.context["page"]} == expected
    exported = client.get(reverse("startups:export_csv"), {"budget": values})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert {row[0] for row in rows[1:]} == expected
    api = client.get("/api/v1/startups/", {"budget": values}).json()
    assert {s["id"] for s in api["results"]} == expected


def test_the_api_refuses_an_unknown_budget_value(client, three_sheets):
    response = client.get("/api/v1/startups/", {"budget": "maybe"})
    assert response.status_code == 400
    assert "figures, link" in response.json()["errors"]["budget"][0]


# The API


def test_the_api_detail_holds_the_budget_lines(client, budgeted):
    data = client.get(f"/api/v1/startups/{budgeted.slug}/").json()

    assert data["budget_lines"] == [
        {"year": 2024, "category": "development", "category_label": "Développement",
         "amount": 120000, "kind": "actual", "source": "sponsor", "sponsor": "dinum",
         "stated_on": "2024-12-31"},
        {"year": 2024, "category": "design", "category_label": "Design",
         "amount": 30000, "kind": "actual", "source": "incubator", "sponsor": None,
         "stated_on": "2024-12-31"},
        {"year": 2025, "category": "development", "category_label": "Développement",
         "amount": 150000, "kind": "forecast", "source": "fast", "sponsor": None,
         "stated_on": "2024-12-31"},
    ]  # fmt: skip


def test_a_sheet_without_figures_has_an_empty_list_and_its_link(client, make_startup):
    startup = make_startup(budget_url="https://pad.example.org/b")
    data = client.get(f"/api/v1/startups/{startup.slug}/").json()
    assert data["budget_lines"] == []
    assert data["links"]["budget"] == "https://pad.example.org/b"


def test_the_schema_documents_the_budget_lines_and_the_budget_parameter(client):
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json")
    text = schema.content.decode()
    assert "BudgetLine" in text and "budget_lines" in text
    assert "Date du relevé" in text
    assert "figures (des lignes de budget" in text


# The budget-lines download and the DCAT catalogue


def test_the_budget_download_lists_every_published_line_through_the_csv_writer(
    client, budgeted, make_startup, make_budget_line
):
    formula = make_startup(slug="formule", title="=HYPERLINK(1)")
    make_budget_line(formula, year=2023, amount=5)
    make_budget_line(make_startup(is_published=False), amount=999)

    response = client.get(reverse("startups:export_budget_csv"))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="budgets.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == [
        "identifiant de la start-up", "start-up", "année", "catégorie",
        "montant (euros)", "type", "source", "date du relevé",
    ]  # fmt: skip
    assert rows[1:] == [
        ["budgete", "Budgété", "2024", "Développement", "120000", "Réalisé",
         "dinum", "2024-12-31"],
        ["budgete", "Budgété", "2024", "Design", "30000", "Réalisé", "Incubateur",
         "2024-12-31"],
        ["budgete", "Budgété", "2025", "Développement", "150000", "Prévisionnel",
         "FAST", "2024-12-31"],
        ["formule", "'=HYPERLINK(1)", "2023", "Développement", "5", "Réalisé",
         "Incubateur", "2024-12-31"],
    ]  # fmt: skip


def test_the_budget_download_takes_the_catalogues_parameters(
    client, budgeted, make_startup, make_budget_line
):
    other = make_startup(slug="autre")
    make_budget_line(other)
    response = client.get(
        reverse("startups:export_budget_csv"), {"incubator": other.incubator.slug}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["autre"]


def test_the_downloaded_file_uploads_back_unchanged(
    admin_client, budgeted, make_startup
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.helpers import post_admin_form

    exported = admin_client.get(reverse("startups:export_budget_csv")).content
    before = sorted(
        budgeted.budget_lines.values_list("year", "category", "amount", "kind",
                                          "source", "sponsor", "stated_on")
    )  # fmt: skip
    url = reverse("admin:startups_startup_budget_upload", args=[budgeted.pk])
    response = post_admin_form(
        admin_client, url, form_id="budget-upload-form",
        file=SimpleUploadedFile("budgets.csv", exported),
    )  # fmt: skip
    assert response.status_code == 302
    after = sorted(
        budgeted.budget_lines.values_list("year", "category", "amount", "kind",
                                          "source", "sponsor", "stated_on")
    )  # fmt: skip
    assert after == before


def test_the_budget_file_is_listed_in_the_dcat_catalogue_and_the_documentation(
    client,
):
    catalogue = client.get(reverse("api:dcat")).json()
    (dataset,) = catalogue["dcat:dataset"]
    urls = {d["dcat:downloadURL"]["@id"] for d in dataset["dcat:distribution"]
            if "dcat:downloadURL" in d}  # fmt: skip
    assert "http://testserver/startups/export-budgets.csv" in urls
    documentation = client.get(reverse("api:documentation")).content.decode()
    assert "/startups/export-budgets.csv" in documentation
    catalogue_page = client.get(reverse("startups:list")).content.decode()
    assert "/startups/export-budgets.csv" in catalogue_page


def test_the_cached_page_changes_when_a_line_is_written(client, budgeted):
    url = budgeted.get_absolute_url()
    assert "120 000" in euros(client.get(url).content.decode())
    line = BudgetLine.objects.get(startup=budgeted, amount=120000)
    line.amount = 7
    line.save()
    html = euros(client.get(url).content.decode())
    assert "120 000" not in html and "7 €" in html


def test_no_real_sheet_gets_budget_figures_from_the_import(betagouv_data):
    from io import StringIO

    from django.core.management import call_command

    call_command("import_betagouv", betagouv_data, stdout=StringIO())
    assert Startup.objects.exclude(budget_url="").exists()
    assert not BudgetLine.objects.exists()
