"""The network's budget totals (startups.budgets.network_totals), checked
against a plain Python computation of the same lines; the stats page's budget
section; the demo's budgets."""

import datetime as dt
import random
import re
from collections import defaultdict
from html import unescape

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from startups.budgets import network_totals
from startups.models import BudgetLine, Phase, Startup

pytestmark = pytest.mark.django_db

PHASES = [Phase.INVESTIGATION, Phase.CONSTRUCTION, Phase.ACCELERATION, Phase.ABANDONED]


@pytest.fixture
def network(make_startup, make_incubator, make_organisation, budget_categories):
    """Start-ups of three incubators in four phases, each with random lines
    (some without any), and an unpublished sheet whose lines never count."""
    rng = random.Random(16)
    incubators = [make_incubator(name=f"Incubateur {c}") for c in "ABC"]
    sponsors = [make_organisation(name=f"Ministère {c}") for c in "XYZ"]
    startups = []
    for i in range(12):
        phase = PHASES[i % 4]
        history = [(Phase.INVESTIGATION, dt.date(2019, 1, 1))]
        if phase != Phase.INVESTIGATION:
            history = [(Phase.INVESTIGATION, dt.date(2019, 1, 1), dt.date(2019, 6, 1)),
                       (phase, dt.date(2019, 6, 1))]  # fmt: skip
        startups.append(
            make_startup(
                incubator=incubators[i % 3],
                phases=history,
                sponsors=sponsors[: 1 + i % 3],
            )  # fmt: skip
        )
    hidden = make_startup(is_published=False)
    categories = list(budget_categories.values())
    for startup in [*startups[:10], hidden]:
        for year in range(2021, 2026):
            for category in rng.sample(categories, 3):
                for kind in ("actual", "forecast"):
                    if rng.random() < 0.35:
                        continue
                    source = rng.choice(["sponsor", "incubator", "fast", "other"])
                    BudgetLine.objects.create(
                        startup=startup,
                        year=year,
                        category=category,
                        amount=rng.randrange(0, 200_000),
                        kind=kind,
                        source=source,
                        sponsor=rng.choice(sponsors) if source == "sponsor" else None,
                        stated_on=dt.date(year, 12, 31),
                    )
    return startups


def expected_totals():
    """The same totals, added up in Python from every line read one by one."""
    lines = [
        line
        for line in BudgetLine.objects.select_related("startup__incubator", "sponsor")
        if line.startup.is_published
    ]

    def add(groups, key, line):
        group = groups.setdefault(key, {"actual": None, "forecast": None})
        group[line.kind] = (group[line.kind] or 0) + line.amount

    by_year, by_incubator, by_phase, by_source = {}, {}, {}, {}
    services = defaultdict(set)
    for line in lines:
        add(by_year, line.year, line)
        add(by_incubator, line.startup.incubator.name, line)
        add(by_phase, line.startup.current_phase, line)
        add(by_source, str(line.sponsor) if line.sponsor else line.source, line)
        if line.kind == "actual":
            services[line.year].add(line.startup_id)
    return by_year, by_incubator, by_phase, by_source, services


def test_the_totals_agree_with_an_independent_computation(network):
    by_year, by_incubator, by_phase, by_source, services = expected_totals()
    assert len(by_year) == 5 and len(by_incubator) == 3

    totals = network_totals()

    assert {y.year: {"actual": y.actual, "forecast": y.forecast}
            for y in totals.by_year} == by_year  # fmt: skip
    assert [y.year for y in totals.by_year] == sorted(by_year)
    for year in totals.by_year:
        assert year.services == len(services[year.year])
        assert year.cost_per_service == round(
            by_year[year.year]["actual"] / len(services[year.year])
        )
    assert {g.label: {"actual": g.actual, "forecast": g.forecast}
            for g in totals.by_incubator} == by_incubator  # fmt: skip
    assert {g.key: {"actual": g.actual, "forecast": g.forecast}
            for g in totals.by_phase} == by_phase  # fmt: skip
    assert [g.key for g in totals.by_phase] == [
        p for p in Phase.values if p in by_phase
    ]
    assert {
        (g.label if g.url.startswith("/sponsors/") else g.key): {
            "actual": g.actual, "forecast": g.forecast}
        for g in totals.by_source
    } == by_source  # fmt: skip


def test_the_totals_take_four_queries_whatever_the_number_of_lines(
    network, django_assert_num_queries, make_startup, make_budget_line
):
    # By year, by main incubator, by current phase, by funding source.
    with django_assert_num_queries(4):
        network_totals()
    for _i in range(20):
        startup = make_startup()
        for year in range(2014, 2024):
            make_budget_line(startup, year=year)
    with django_assert_num_queries(4):
        network_totals()


def test_a_year_without_actual_lines_has_no_cost_per_service(
    make_startup, make_budget_line
):
    startup = make_startup()
    make_budget_line(startup, year=2030, kind="forecast", amount=10)
    (year,) = network_totals().by_year
    assert (year.actual, year.forecast, year.services) == (None, 10, 0)
    assert year.cost_per_service is None and year.cost_per_service_display == "—"


def rows_of(html, table_id):
    start = html.index(f'id="{table_id}"')
    table = html[start : html.index("</table>", start)]
    return [
        [" ".join(unescape(re.sub(r"<[^>]+>", "", c)).split()) for c in cells]
        for cells in (
            re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            for row in re.findall(r"<tr>(.*?)</tr>", table[table.index("<tbody>") :],
                                  re.S)
        )
    ]  # fmt: skip


def test_the_stats_page_shows_the_totals_and_their_chart(client, network):
    html = client.get(reverse("startups:stats")).content.decode()
    totals = network_totals()

    assert 'href="#budgets"' in html
    assert '<svg class="budget-chart" id="chart-budget-totals"' in html
    years = rows_of(html, "budget-totals-years")
    assert [r[0] for r in years] == [str(y.year) for y in totals.by_year]
    assert [r[1] for r in years] == [
        y.actual_display.replace("\u00a0", " ").replace("\u202f", " ")
        for y in totals.by_year
    ]
    assert len(rows_of(html, "budget-totals-incubators")) == 3
    assert rows_of(html, "budget-totals-phases")[0][0] == "Investigation"
    assert "Incubateur" in [r[0] for r in rows_of(html, "budget-totals-sources")]


def test_the_stats_page_says_when_no_figure_is_published(client, make_startup):
    make_startup(budget_url="https://pad.example.org/b")
    html = client.get(reverse("startups:stats")).content.decode()
    assert "Aucune start-up n'a encore publié de budget chiffré." in html
    assert "budget-chart" not in html


def test_the_totals_include_renders_on_its_own(network):
    # What another page (the results page) includes, with the totals only.
    html = render_to_string(
        "startups/_budget_totals.html", {"budget_totals": network_totals()}
    )
    assert 'id="budget-totals"' in html and "budget.css" in html
    assert len(rows_of(html, "budget-totals-years")) == 5


def test_the_stats_page_query_count_does_not_grow_with_start_ups_or_lines(
    client, network, make_startup, make_budget_line, django_assert_num_queries
):
    # The catalogue version (ETag), by phase, by incubator, by domain and
    # without a sponsor, per year, the phase history, the reach share, and the
    # four budget totals, the impact indicators by part and the transparency
    # coverage.
    with django_assert_num_queries(14):
        assert client.get(reverse("startups:stats")).status_code == 200
    for _i in range(15):
        startup = make_startup()
        for year in range(2015, 2025):
            make_budget_line(startup, year=year)
    with django_assert_num_queries(14):
        assert client.get(reverse("startups:stats")).status_code == 200


# The demo


def test_the_demo_gives_budgets_to_a_share_of_its_start_ups():
    from startups.demo import seed_demo
    from startups.models import BudgetCategory

    # Even on a database emptied since migrate: the categories come back.
    BudgetCategory.objects.all().delete()
    seed_demo(startups=60, seed=3, history=False)
    assert BudgetCategory.objects.count() == 7
    with_lines = set(BudgetLine.objects.values_list("startup_id", flat=True))
    assert 10 <= len(with_lines) <= 40
    lines = list(BudgetLine.objects.all())
    assert {line.kind for line in lines} == {"actual", "forecast"}
    assert all(line.amount >= 0 for line in lines)
    assert {line.source for line in lines} >= {"sponsor", "incubator"}
    stopped = Startup.objects.filter(
        pk__in=with_lines, current_phase__in=[Phase.ABANDONED, Phase.INCONCLUSIVE]
    )
    assert not BudgetLine.objects.filter(startup__in=stopped, kind="forecast")
    # A sponsor that pays is one of the sheet's sponsors.
    for line in BudgetLine.objects.filter(source="sponsor").select_related("startup"):
        assert line.sponsor_id in {s.pk for s in line.startup.sponsors.all()}
