"""The results page (/resultats/, /en/results/) and its CSV: every figure checked
against a computation made here, from the start-ups the test creates."""

import csv
import datetime as dt
import io
import re
import statistics
from collections import Counter, defaultdict
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from startups.models import Event, Phase, Startup, StopReason

pytestmark = pytest.mark.django_db
D = dt.date
LIFE = [
    Phase.INVESTIGATION,
    Phase.CONSTRUCTION,
    Phase.ACCELERATION,
    Phase.CONSOLIDATION,
    Phase.INTEGRATION,
    Phase.OPERATED,
]
STOPS = {Phase.ABANDONED, Phase.INCONCLUSIVE}


def table_rows(html: str, table_id: str) -> list[list[str]]:
    start = html.index(f'id="table-{table_id}"')
    table = html[start : html.index("</table>", start)]
    body = table[table.index("<tbody>") :]
    return [
        [unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]
        for cells in (
            re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
        )
    ]


def fr(n: int) -> str:
    """A whole number as French pages write it: "1 096"."""
    return f"{n:,}".replace(",", "\xa0")


def svg(html: str, chart_id: str) -> str:
    start = html.index(f'<svg class="stats-chart" id="chart-{chart_id}"')
    return html[start : html.index("</svg>", start)]


@pytest.fixture
def portfolio(make_startup):
    """Start-ups whose outcomes are known, with what the test must leave out:
    an unpublished sheet and a phase planned after today."""
    tired = StopReason.objects.create(slug="usure", label="Équipe épuisée")
    need = StopReason.objects.create(slug="besoin", label="Besoin absent")
    later = timezone.localdate() + dt.timedelta(days=40)
    specs = [
        (
            [
                (Phase.INVESTIGATION, D(2019, 1, 1)),
                (Phase.CONSTRUCTION, D(2019, 7, 1)),
                (Phase.ACCELERATION, D(2020, 3, 1)),
                (Phase.INTEGRATION, D(2022, 1, 1)),
            ],
            {},
        ),
        (
            [(Phase.INVESTIGATION, D(2019, 3, 1)), (Phase.ABANDONED, D(2019, 9, 1))],
            {"stop_reason": need},
        ),
        (
            [
                (Phase.INVESTIGATION, D(2020, 2, 1)),
                (Phase.CONSTRUCTION, D(2020, 6, 1)),
                (Phase.ABANDONED, D(2021, 1, 1)),
            ],
            {"stop_reason": tired},
        ),
        (
            [
                (Phase.INVESTIGATION, D(2020, 5, 1)),
                (Phase.CONSTRUCTION, D(2020, 9, 1)),
                (Phase.ACCELERATION, D(2021, 6, 1)),
                (Phase.OPERATED, D(2023, 1, 1)),
            ],
            {},
        ),
        (
            [
                (Phase.INVESTIGATION, D(2020, 4, 1)),
                (Phase.INCONCLUSIVE, D(2020, 10, 1)),
            ],
            {"stop_reason": need},
        ),
        (
            [
                (Phase.INVESTIGATION, D(2022, 1, 1)),
                (Phase.INCONCLUSIVE, D(2022, 5, 1)),
            ],
            {},
        ),
        (
            [(Phase.INVESTIGATION, D(2022, 2, 1)), (Phase.CONSTRUCTION, later)],
            {},
        ),
        (
            [(Phase.INVESTIGATION, D(2019, 6, 1)), (Phase.CONSTRUCTION, D(2019, 9, 1))],
            {"is_published": False},
        ),
    ]
    made = [make_startup(phases=phases, **extra) for phases, extra in specs]
    for startup, day in [
        (made[0], D(2022, 6, 1)),
        (made[3], D(2023, 3, 1)),
        (made[3], D(2023, 9, 1)),  # certified again the same year: counted once
        (made[7], D(2022, 1, 1)),  # unpublished: not counted
    ]:
        Event.objects.create(startup=startup, kind=Event.Kind.NATIONAL_IMPACT, date=day)
    return made


def expected_figures(startups):
    """The page's figures, computed here from the start-ups' own phases."""
    today = timezone.localdate()
    published = [s for s in startups if s.is_published]
    furthest = defaultdict(Counter)
    stopped = Counter()
    days_to = defaultdict(list)
    reasons = Counter()
    for s in published:
        phases = [p for p in s.phases.all() if p.start <= today]
        start = min(p.start for p in s.phases.all())
        reached = [p for p in phases if p.phase in LIFE]
        if reached:
            top = max(reached, key=lambda p: LIFE.index(p.phase))
            furthest[start.year][top.phase] += 1
            stopped[start.year] += s.current_phase in STOPS
        for p in reached:
            if p.phase != Phase.INVESTIGATION:
                days_to[p.phase].append((p.start - start).days)
        if s.current_phase in STOPS:
            reasons[s.stop_reason.label if s.stop_reason else "—"] += 1
    national = defaultdict(set)
    for event in Event.objects.filter(kind=Event.Kind.NATIONAL_IMPACT):
        if event.startup.is_published:
            national[event.date.year].add(event.startup_id)
    return furthest, stopped, days_to, reasons, national


def test_each_figure_agrees_with_a_computation_from_the_startups(client, portfolio):
    furthest, stopped, days_to, reasons, national = expected_figures(portfolio)

    response = client.get("/resultats/")

    assert response.status_code == 200
    html = response.content.decode()
    years = range(min(furthest), max(furthest) + 1)
    assert table_rows(html, "cohorts") == [
        [
            str(year),
            *(str(furthest[year][p]) for p in LIFE),
            str(sum(furthest[year].values())),
            str(stopped[year]),
        ]
        for year in years
    ]
    reach_rows = []
    for year in years:
        total = sum(furthest[year].values())
        got = furthest[year][Phase.INTEGRATION] + furthest[year][Phase.OPERATED]
        share = f"{100 * got / total:.1f}".replace(".", ",") if total else "—"
        reach_rows.append([str(year), str(got), str(total), share])
    assert table_rows(html, "reach") == reach_rows
    assert table_rows(html, "time-to-phase") == [
        [
            p.label,
            fr(round(statistics.median(days_to[p]))) if days_to[p] else "—",
            str(len(days_to[p])),
        ]
        for p in LIFE[1:]
    ]
    assert sorted(table_rows(html, "stop-reasons")) == sorted(
        [
            ["Aucune raison indiquée" if k == "—" else k, str(n)]
            for k, n in reasons.items()
        ]
    )
    national_years = range(min(national), max(national) + 1)
    assert table_rows(html, "national-impact") == [
        [str(y), str(len(national.get(y, ())))] for y in national_years
    ]


def test_the_figures_are_the_known_ones(client, portfolio):
    # The same fixture, read by hand: the computation above is not trusted blindly.
    html = client.get("/en/results/").content.decode()

    assert table_rows(html, "cohorts") == [
        ["2019", "1", "0", "0", "0", "1", "0", "2", "1"],
        ["2020", "1", "1", "0", "0", "0", "1", "3", "2"],
        ["2021", "0", "0", "0", "0", "0", "0", "0", "0"],
        ["2022", "2", "0", "0", "0", "0", "0", "2", "1"],
    ]
    assert table_rows(html, "stop-reasons") == [
        ["Besoin absent", "2"],
        ["Équipe épuisée", "1"],
        ["No reason recorded", "1"],
    ]
    assert table_rows(html, "national-impact") == [["2022", "1"], ["2023", "1"]]
    # Construction: 181 days (2019) and 121, 123 days (2020): median 123.
    assert table_rows(html, "time-to-phase")[0] == ["Construction", "123", "3"]


def test_each_chart_is_an_accessible_svg_followed_by_its_table(client, portfolio):
    html = client.get("/resultats/").content.decode()

    for chart_id, table_id in [
        ("cohorts", "cohorts"),
        ("reach-by-cohort", "reach"),
        ("time-to-phase", "time-to-phase"),
        ("stop-reasons", "stop-reasons"),
        ("national-impact", "national-impact"),
    ]:
        chart = svg(html, chart_id)
        assert 'role="img"' in chart
        assert f'<title id="chart-{chart_id}-title">' in chart
        assert html.index(f'id="chart-{chart_id}"') < html.index(
            f'id="table-{table_id}"'
        )
    assert svg(html, "stop-reasons").count('class="stats-chart__bar"') == 3


def test_the_csv_holds_the_same_numbers(client, portfolio):
    furthest, stopped, days_to, reasons, national = expected_figures(portfolio)

    response = client.get("/resultats/resultats.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["figure", "row", "column", "value"]
    values = {(r[0], r[1], r[2]): r[3] for r in rows[1:]}
    for year in range(min(furthest), max(furthest) + 1):
        for p in LIFE:
            assert values[("cohort_furthest_phase", str(year), p.value)] == str(
                furthest[year][p]
            )
        assert values[("cohort_stopped", str(year), "")] == str(stopped[year])
    for p in LIFE[1:]:
        expected = str(round(statistics.median(days_to[p]))) if days_to[p] else ""
        assert values[("median_days_to_phase", p.value, "")] == expected
    assert values[("stop_reason", "besoin", "Besoin absent")] == "2"
    assert values[("stop_reason", "", "Aucune raison indiquée")] == "1"
    for year, ids in national.items():
        assert values[("national_impact_per_year", str(year), "")] == str(len(ids))
    # The budget helper's figures go in the marked slot.
    assert not any(r[0].startswith("budget") for r in rows)


def test_a_cell_a_spreadsheet_would_run_is_neutralised(client, make_startup):
    reason = StopReason.objects.create(slug="formule", label="=HYPERLINK(1)")
    make_startup(
        phases=[(Phase.INVESTIGATION, D(2021, 1, 1)), (Phase.ABANDONED, D(2021, 6, 1))],
        stop_reason=reason,
    )

    text = client.get("/resultats/resultats.csv").content.decode("utf-8-sig")

    assert "'=HYPERLINK(1)" in text


def test_the_page_is_in_both_languages_at_its_own_addresses(client, portfolio):
    with translation.override("fr"):
        assert reverse("startups:results") == "/resultats/"
    with translation.override("en"):
        assert reverse("startups:results") == "/en/results/"
    french = client.get("/resultats/")
    english = client.get("/en/results/")

    assert '<html lang="fr">' in french.content.decode()
    assert "Les résultats des startups d'État" in french.content.decode()
    assert '<html lang="en">' in english.content.decode()
    assert "Results of the start-ups d'État" in english.content.decode()
    assert client.get("/results/").status_code == 404


def test_the_home_and_stats_pages_link_to_it_and_the_sitemap_lists_it(
    client, portfolio
):
    assert 'href="/resultats/"' in client.get("/").content.decode()
    assert 'href="/resultats/"' in client.get("/stats/").content.decode()
    assert 'href="/en/results/"' in client.get("/en/stats/").content.decode()

    sitemap = client.get("/sitemap-pages.xml")
    if sitemap.status_code == 404:
        sitemap = client.get("/sitemap.xml")
    text = sitemap.content.decode()
    if "<sitemapindex" in text:
        for location in re.findall(r"<loc>([^<]+)</loc>", text):
            text += client.get(
                location.replace("http://testserver", "")
            ).content.decode()
    assert "http://testserver/resultats/" in text
    assert "http://testserver/en/results/" in text


def test_the_budgets_agree_with_a_computation_from_the_lines(
    client, make_startup, make_budget_line, budget_categories
):
    kept = [
        make_startup(phases=[(Phase.CONSTRUCTION, D(2022, 1, 1))]) for _ in range(3)
    ]
    hidden = make_startup(is_published=False)
    amounts = {}
    for n, startup in enumerate(kept):
        for year in (2023, 2024):
            for category in ("development", "design"):
                amount = 1_000 * (n + 1) * (year - 2020)
                make_budget_line(startup, year=year, category=category, amount=amount)
                amounts.setdefault(year, []).append((startup.pk, amount))
        make_budget_line(startup, year=2025, amount=5_000, kind="forecast")
    make_budget_line(hidden, year=2024, amount=9_999_999)  # not published

    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/resultats/resultats.csv").content.decode("utf-8-sig")
            )
        )
    )
    figures = {(r[0], r[1]): r[3] for r in rows[1:]}
    for year, lines in amounts.items():
        actual = sum(amount for _pk, amount in lines)
        services = len({pk for pk, _amount in lines})
        assert figures[("budget_actual_per_year", str(year))] == str(actual)
        assert figures[("cost_per_active_service", str(year))] == str(
            round(actual / services)
        )
    assert figures[("budget_forecast_per_year", "2025")] == str(3 * 5_000)
    incubator = kept[0].incubator.slug
    assert figures[("budget_by_incubator_actual", incubator)] == str(
        sum(
            a
            for lines in amounts.values()
            for pk, a in lines
            if pk in {s.pk for s in kept if s.incubator.slug == incubator}
        )
    )
    html = client.get("/en/results/").content.decode()
    assert 'id="budgets"' in html and "budget-totals-years" in html


def test_the_query_count_does_not_grow_with_the_number_of_startups(
    client, make_startup, django_assert_num_queries
):
    def add(n):
        for i in range(n):
            startup = make_startup(
                phases=[
                    (Phase.INVESTIGATION, D(2018 + i % 5, 1, 1)),
                    (Phase.CONSTRUCTION, D(2018 + i % 5, 6, 1)),
                ]
            )
            Event.objects.create(
                startup=startup, kind=Event.Kind.NATIONAL_IMPACT, date=D(2023, 1, 1)
            )

    # The catalogue version (ETag, startups.caching), then the cohorts, the time
    # to each phase, the reasons for stopping, national impact per year and the
    # four budget totals.
    add(3)
    with django_assert_num_queries(9):
        assert client.get("/resultats/").status_code == 200
    add(30)
    with django_assert_num_queries(9):
        response = client.get("/en/results/")
    assert table_rows(response.content.decode(), "national-impact") == [["2023", "33"]]
    # Cached until the catalogue changes: the version alone.
    with django_assert_num_queries(1):
        assert client.get("/en/results/").status_code == 200
    with django_assert_num_queries(9):
        assert client.get("/resultats/resultats.csv").status_code == 200


def test_a_write_shows_on_the_page_at_once(client, portfolio):
    assert table_rows(client.get("/en/results/").content.decode(), "stop-reasons")

    Startup.objects.filter(pk=portfolio[1].pk).update(stop_reason=None)
    from startups.catalogue_version import bump_catalogue_version

    bump_catalogue_version()
    rows = table_rows(client.get("/en/results/").content.decode(), "stop-reasons")
    assert ["No reason recorded", "2"] in rows
