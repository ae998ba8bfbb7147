import datetime as dt
import re
from html import unescape
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from startups import stats
from startups.models import MinisterialDomain, Phase, Startup

pytestmark = pytest.mark.django_db

D = dt.date
TODAY = D(2023, 6, 30)


@pytest.fixture
def portfolio(make_startup, make_incubator, make_organisation):
    """Four published start-ups and one unpublished, whose figures the tests below
    work out by hand."""
    alpha = make_incubator(name="Alpha incubator", slug="alpha")
    beta = make_incubator(name="Beta incubator", slug="beta")
    ecology_1 = make_organisation(ministerial_domain=MinisterialDomain.ENVIRONMENT)
    ecology_2 = make_organisation(ministerial_domain=MinisterialDomain.ENVIRONMENT)
    justice = make_organisation(ministerial_domain=MinisterialDomain.JUSTICE)
    return {
        "s1": make_startup(
            incubator=alpha,
            sponsors=[ecology_1, ecology_2, justice],
            phases=[
                (Phase.INVESTIGATION, D(2020, 1, 1), D(2020, 6, 1)),
                (Phase.CONSTRUCTION, D(2020, 6, 1)),
            ],
        ),
        "s2": make_startup(
            incubator=alpha,
            sponsors=[ecology_1],
            phases=[
                (Phase.INVESTIGATION, D(2017, 3, 1)),
                (Phase.CONSTRUCTION, D(2019, 9, 1)),
                (Phase.ACCELERATION, D(2021, 1, 1), D(2022, 1, 1)),
                (Phase.INTEGRATION, D(2022, 1, 1)),
            ],
        ),
        "s3": make_startup(
            incubator=beta,
            phases=[
                (Phase.INVESTIGATION, D(2021, 2, 1), D(2021, 5, 1)),
                (Phase.INCONCLUSIVE, D(2021, 5, 1)),
            ],
        ),
        # Two phases on one day: the later listed is current from that day.
        "s4": make_startup(
            incubator=alpha,
            phases=[
                (Phase.INVESTIGATION, D(2021, 3, 1)),
                (Phase.CONSTRUCTION, D(2021, 3, 1)),
                (Phase.ACCELERATION, D(2023, 1, 1)),
            ],
        ),
        # Counted nowhere: it would add 1 to beta, justice, 2018, investigation...
        "hidden": make_startup(
            incubator=beta,
            sponsors=[justice],
            is_published=False,
            phases=[
                (Phase.INVESTIGATION, D(2018, 1, 1), D(2018, 6, 1)),
                (Phase.CONSTRUCTION, D(2018, 6, 1), D(2019, 6, 1)),
                (Phase.INTEGRATION, D(2019, 6, 1)),
            ],
        ),
    }


def published():
    return Startup.objects.published()


def values(tallies) -> dict[str, int]:
    return {t.key: t.value for t in tallies}


# The computations


def test_it_counts_published_startups_by_current_phase_in_life_cycle_order(
    portfolio,
):
    result = stats.by_current_phase(published())

    assert [t.key for t in result] == Phase.values
    assert values(result) == {
        "investigation": 0,
        "construction": 1,  # s1
        "acceleration": 1,  # s4
        "consolidation": 0,
        "integration": 1,  # s2 (the unpublished one is left out)
        "operated": 0,
        "abandoned": 0,
        "inconclusive": 1,  # s3
    }
    assert result[1].url == "/startups/?phase=construction"


def test_it_counts_published_startups_by_main_incubator_most_first(portfolio):
    result = stats.by_incubator(published())

    assert [(t.label, t.value) for t in result] == [
        ("Alpha incubator", 3),  # s1, s2, s4
        ("Beta incubator", 1),  # s3, not the unpublished one
    ]
    assert result[0].url == reverse("startups:incubator_detail", args=["alpha"])


def test_a_startup_counts_once_per_ministerial_domain_of_its_sponsors(portfolio):
    result = stats.by_ministerial_domain(published())

    assert [(t.key, t.value) for t in result] == [
        # s1 (two ecology sponsors, counted once) and s2
        (MinisterialDomain.ENVIRONMENT, 2),
        # s1; the unpublished start-up's justice sponsor is not counted
        (MinisterialDomain.JUSTICE, 1),
        # s3 and s4 come last
        ("", 2),
    ]
    with translation.override("en"):
        assert str(result[-1].label) == "No sponsor recorded"


def test_it_counts_startups_by_year_of_their_first_phase_with_empty_years(
    portfolio,
):
    result = stats.started_per_year(published())

    # s2 in 2017, s1 in 2020, s3 and s4 in 2021; 2018 (the unpublished one) and
    # 2019 are empty years.
    assert values(result) == {"2017": 1, "2018": 0, "2019": 0, "2020": 1, "2021": 2}
    assert result[0].url == "/startups/?year=2017"


def test_the_portfolio_counts_each_startup_in_its_phase_at_each_year_end(portfolio):
    years = stats.portfolio_by_year(published(), today=TODAY)

    assert [(y.year, y.date, y.is_today) for y in years] == [
        (2017, D(2017, 12, 31), False),
        (2018, D(2018, 12, 31), False),
        (2019, D(2019, 12, 31), False),
        (2020, D(2020, 12, 31), False),
        (2021, D(2021, 12, 31), False),
        (2022, D(2022, 12, 31), False),
        (2023, TODAY, True),
    ]
    nonzero = [{k: v for k, v in values(y.counts).items() if v} for y in years]
    assert nonzero == [
        {"investigation": 1},  # s2
        {"investigation": 1},  # s2 (the unpublished one is left out)
        {"construction": 1},  # s2 since 1 September
        {"construction": 2},  # s1 since 1 June, s2
        # s1; s2 accelerating; s3 inconclusive; s4 in construction (same day as
        # its investigation, listed later)
        {"construction": 2, "acceleration": 1, "inconclusive": 1},
        # s2 integrated on 1 January (its acceleration's end is not read)
        {"construction": 2, "integration": 1, "inconclusive": 1},
        # s4 accelerating since 1 January: today's counts are the current phases
        {"construction": 1, "acceleration": 1, "integration": 1, "inconclusive": 1},
    ]
    assert nonzero[-1] == {
        k: v for k, v in values(stats.by_current_phase(published())).items() if v
    }
    assert [y.total for y in years] == [1, 1, 1, 2, 4, 4, 4]


def test_median_days_count_closed_phases_and_phases_followed_by_another(portfolio):
    result = {
        d.key: (d.median_days, d.measured)
        for d in stats.median_days_per_phase(published(), today=TODAY)
    }

    # Investigation: s1 ended 2020-06-01 after 152 days (2020 is a leap year);
    # s2 lasted until its construction, 2017-03-01 -> 2019-09-01 = 730 + 184 =
    # 914 days; s3 ended after 28 + 31 + 30 = 89 days; s4's lasted no day (its
    # construction started the same day) and is left out. Median of 89, 152, 914.
    assert result["investigation"] == (152, 3)
    # Construction: s2 2019-09-01 -> 2021-01-01 = 366 + 122 = 488 days; s4
    # 2021-03-01 -> 2023-01-01 = 730 - 59 = 671 days; s1's is still open.
    # The median 579.5 is rounded to the even 580.
    assert result["construction"] == (580, 2)
    # Acceleration: s2 2021 -> 2022 = 365 days; s4's is still open.
    assert result["acceleration"] == (365, 1)
    # Still open (s2's integration, s3's inconclusive) or never seen.
    for phase in ("consolidation", "integration", "operated", "abandoned"):
        assert result[phase] == (None, 0)
    assert result["inconclusive"] == (None, 0)


def test_a_phase_that_ends_after_today_is_not_measured_yet(portfolio):
    result = stats.median_days_per_phase(published(), today=D(2021, 4, 1))

    # On 2021-04-01 s3's investigation (ending 2021-05-01) is still under way,
    # and s2's acceleration has not ended: only s1's and s2's investigations and
    # s2's construction are measured.
    assert {d.key: d.measured for d in result if d.measured} == {
        "investigation": 2,
        "construction": 1,
    }


def test_the_share_of_startups_past_investigation_that_reached_integration(
    portfolio,
):
    result = stats.reach_share(published())

    # Past investigation: s1 (construction), s2, s4; not s3 (inconclusive) nor
    # the unpublished start-up. Reached integration or operation: s2.
    assert (result.past_investigation, result.reached) == (3, 1)
    assert result.not_reached == 2
    assert round(result.percent, 1) == 33.3
    with translation.override("fr"):
        assert result.percent_display == "33,3"


def test_with_no_startup_every_figure_is_empty_or_zero(db):
    assert values(stats.by_current_phase(published())) == dict.fromkeys(Phase.values, 0)
    assert stats.by_incubator(published()) == []
    assert stats.by_ministerial_domain(published()) == []
    assert stats.started_per_year(published()) == []
    assert stats.portfolio_by_year(published(), today=TODAY) == []
    assert stats.reach_share(published()).percent_display == "—"


@pytest.mark.parametrize(
    ("counts", "median"),
    [
        ({}, None),
        ({7: 1}, 7),
        ({1: 1, 3: 1, 10: 1}, 3),
        ({1: 2, 4: 1, 10: 1}, 2),  # 1 1 4 10: (1 + 4) / 2 = 2.5, rounded to even
        ({3: 1, 5: 1}, 4),
        ({2: 5, 100: 1}, 2),
    ],
)
def test_the_median_is_read_from_how_many_phases_lasted_each_duration(counts, median):
    assert stats._median(counts) == median


def test_numbers_are_grouped_by_thousands_in_the_language_of_the_page():
    with translation.override("fr"):
        assert stats.format_number(1234) == "1\xa0234"
    with translation.override("en"):
        assert stats.format_number(1234) == "1,234"


def test_each_chart_has_one_bar_per_value_scaled_to_the_largest():
    tallies = [stats.Tally(str(v), f"Phase number {v}", v) for v in [10, 5, 0]]

    chart = stats.bar_chart("test", "Test", tallies)

    # Long labels go above their bar, which can take the whole width.
    room = stats.CHART_WIDTH - stats.VALUE_SPACE
    assert [(b.x, b.width) for b in chart.bars] == [(0, room), (0, room // 2), (0, 0)]
    assert chart.bars[1].y >= chart.bars[0].y + stats.BAR
    assert chart.bars[0].label_y < chart.bars[0].y
    # Short ones (years) go left of it.
    years = stats.bar_chart("years", "Years", [stats.Tally("2020", "2020", 4)])
    assert (years.bars[0].x, years.label_anchor) == (stats.SHORT_LABEL_WIDTH, "end")
    assert years.bars[0].width == room - stats.SHORT_LABEL_WIDTH


# The page


def table_rows(html: str, table_id: str) -> list[list[str]]:
    """The text of each body row's cells of the table with this id."""
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


def svg(html: str, chart_id: str) -> str:
    start = html.index(f'<svg class="stats-chart" id="chart-{chart_id}"')
    return html[start : html.index("</svg>", start)]


def test_the_page_shows_each_figure_in_a_table_in_french(client, portfolio):
    response = client.get("/stats/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert table_rows(html, "by-phase") == [
        ["Investigation", "0"],
        ["Construction", "1"],
        ["Accélération", "1"],
        ["Consolidation", "0"],
        ["Intégration", "1"],
        ["Opéré", "0"],
        ["Abandonné", "0"],
        ["Investigation non concluante", "1"],
    ]
    assert '<a href="/startups/?phase=construction">Construction</a>' in html
    assert table_rows(html, "by-incubator") == [
        ["Alpha incubator", "3"],
        ["Beta incubator", "1"],
    ]
    assert table_rows(html, "by-domain")[:2] == [
        ["Transition écologique", "2"],
        ["Justice", "1"],
    ]
    assert table_rows(html, "per-year") == [
        ["2017", "1"],
        ["2018", "0"],
        ["2019", "0"],
        ["2020", "1"],
        ["2021", "2"],
    ]
    portfolio_rows = table_rows(html, "portfolio")
    assert portfolio_rows[3] == ["31 décembre 2020", *"02000000", "2"]
    assert portfolio_rows[4] == ["31 décembre 2021", *"02100001", "4"]
    assert table_rows(html, "reach") == [
        ["Intégrées ou opérées", "1"],
        ["Ni intégrées ni opérées (pour l'instant)", "2"],
    ]
    durations = table_rows(html, "durations")
    assert durations[0] == ["Investigation", "152", "3"]
    assert durations[1] == ["Construction", "580", "2"]
    assert durations[3] == ["Consolidation", "—", "0"]


def test_each_chart_is_an_accessible_svg_with_one_bar_per_value(client, portfolio):
    html = client.get("/stats/").content.decode()

    expected_bars = {
        "by-phase": 8,
        "by-incubator": 2,
        "by-domain": 3,
        "per-year": 5,
        "durations": 3,  # the phases measured at least once
        "reach": 2,
        "impact": 5,  # the parts of the impact matrix
    }
    for chart_id, bars in expected_bars.items():
        chart = svg(html, chart_id)
        assert 'role="img"' in chart
        assert f'aria-labelledby="chart-{chart_id}-title"' in chart
        assert f'<title id="chart-{chart_id}-title">' in chart
        assert "style=" not in chart
        assert chart.count('class="stats-chart__bar"') == bars, chart_id
    years = 2023 - 2017 + 1 + (dt.date.today().year - 2023)
    assert svg(html, "portfolio").count("stats-chart__segment") == years * len(Phase)
    # Each chart's table (the impact indicators' included), and the
    # transparency coverage table.
    assert html.count("<caption id=") == 9


def test_the_page_has_a_breadcrumb_a_description_and_an_english_version(
    client, portfolio
):
    response = client.get("/en/stats/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    text = unescape(html)
    assert "<title>Statistics — Start-ups d'État</title>" in text
    assert '<meta name="description" content="The start-ups d\'État in figures' in text
    assert 'aria-current="page">Statistics</a>' in text
    assert "<h1>The start-ups d'État in figures</h1>" in text
    assert table_rows(html, "by-phase")[2] == ["Acceleration", "1"]
    assert "33.3%" in html


def test_the_page_query_count_does_not_grow_with_the_number_of_startups(
    client, make_startup, make_organisation, django_assert_max_num_queries
):
    def add(n):
        for i in range(n):
            make_startup(
                sponsors=[make_organisation()],
                phases=[
                    (Phase.INVESTIGATION, D(2018 + i % 5, 1, 1), D(2018 + i % 5, 6, 1)),
                    (Phase.CONSTRUCTION, D(2018 + i % 5, 6, 1)),
                ],
            )

    # by phase, by incubator, by domain + without a sponsor, per year, the phase
    # history (portfolio and durations), the reach share, the four budget
    # totals (startups.budgets), the impact indicators by part, the
    # transparency coverage, +1: the catalogue version (ETag, startups.caching)
    add(5)
    with django_assert_max_num_queries(14):
        assert client.get("/stats/").status_code == 200
    add(35)
    with django_assert_max_num_queries(14):
        response = client.get("/stats/")
    assert table_rows(response.content.decode(), "by-phase")[1] == [
        "Construction",
        "40",
    ]


def test_the_real_catalogue_page_agrees_with_the_current_phase_counts(
    client, betagouv_data
):
    call_command("import_betagouv", str(betagouv_data), stdout=StringIO())
    counts = Startup.objects.published().count_by_current_phase()

    response = client.get("/en/stats/")

    assert response.status_code == 200
    html = response.content.decode()
    assert table_rows(html, "by-phase") == [
        [phase.label, f"{counts.get(phase.value, 0):,}"] for phase in Phase
    ]
    with_phases = Startup.objects.published().exclude(current_phase="").count()
    per_year = table_rows(html, "per-year")
    assert sum(int(n.replace(",", "")) for _year, n in per_year) == with_phases
