"""The transparency score: each criterion of an up-to-date sheet, the stored score
kept in step by the writes, the catalogue sorted by it, the staff home's least
complete sheets, the API and the statistics' coverage by phase."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from startups import transparency
from startups.models import Event, IncubatorMembership, Phase, Startup
from startups.services import refresh_transparency
from tests.helpers import post_admin_form

pytestmark = pytest.mark.django_db

EMPTY = {
    "website": "",
    "stats_url": "",
    "has_stats_page": False,
    "budget_url": "",
    "impact_url": "",
    "repository": "",
    "accessibility_status": "not_assessed",
    "risk_analysis_done": False,
    "risk_analysis_url": "",
    "mon_service_securise": False,
    "description": "",
    "contact": "",
}
PROBLEM_AND_SOLUTION = (
    "Intro.\n\n## Le problème\n\nTexte.\n\n### Notre solution\n\nTexte."
)


def met(committees=(), **fields):
    startup = SimpleNamespace(**{**EMPTY, **fields})
    score, keys = transparency.evaluate(transparency.Sheet(startup, committees))
    return score, [k for k in keys.split(",") if k]


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"website": "https://a.gouv.fr"}, "website"),
        ({"stats_url": "https://a.gouv.fr/stats"}, "stats"),
        ({"has_stats_page": True}, "stats"),
        ({"budget_url": "https://pad.numerique.gouv.fr/b"}, "budget"),
        ({"impact_url": "https://a.gouv.fr/impact"}, "impact"),
        ({"repository": "https://github.com/betagouv/a"}, "repository"),
        ({"accessibility_status": "partially"}, "accessibility"),
        ({"accessibility_status": "not_compliant"}, "accessibility"),
        ({"risk_analysis_done": True}, "risk_analysis"),
        ({"risk_analysis_url": "https://a.gouv.fr/risques"}, "risk_analysis"),
        ({"mon_service_securise": True}, "security"),
        ({"description": "## Problème\nx"}, "problem"),
        ({"description": "## Problème visé :\nx"}, "problem"),
        ({"description": "### La solution\nx"}, "solution"),
        ({"description": "## Hypothèses de solution\nx"}, "solution"),
        ({"contact": "equipe@a.gouv.fr"}, "contact"),
    ],
)
def test_each_criterion_is_met_by_its_own_field(fields, key):
    assert met() == (0, [])

    score, keys = met(**fields)

    assert keys == [key]
    assert score == round(100 / len(transparency.CRITERIA))


def test_a_word_in_the_text_is_not_a_heading():
    assert met(description="Le problème est connu, la solution aussi.") == (0, [])


def test_the_objectives_are_those_of_the_last_committee():
    d = dt.date
    assert met([(d(2023, 1, 1), "Objectifs : 1000 usagers")])[1] == ["objectives"]
    assert met([(d(2023, 1, 1), "Objectifs"), (d(2024, 1, 1), "")])[1] == []
    assert met([(d(2024, 1, 1), "Poursuite"), (d(2023, 1, 1), "")])[1] == ["objectives"]


def test_a_complete_sheet_scores_100():
    score, keys = met(
        [(dt.date(2024, 1, 1), "Poursuite, objectif 5 000 usagers")],
        website="https://a.gouv.fr",
        has_stats_page=True,
        budget_url="https://b",
        impact_url="https://i",
        repository="https://r",
        accessibility_status="fully",
        risk_analysis_done=True,
        mon_service_securise=True,
        description=PROBLEM_AND_SOLUTION,
        contact="a@b.fr",
    )
    assert score == 100
    assert keys == list(transparency.KEYS)


def test_the_admin_form_stores_the_score_and_shows_what_is_missing(
    admin_client, make_startup
):
    startup = make_startup()
    assert startup.transparency_score == 0
    url = reverse("admin:startups_startup_change", args=[startup.pk])

    response = post_admin_form(
        admin_client,
        url,
        website=["https://service.gouv.fr"],
        contact=["equipe@service.gouv.fr"],
        description=[PROBLEM_AND_SOLUTION],
    )

    assert response.status_code == 302
    startup.refresh_from_db()
    assert startup.transparency_score == round(400 / len(transparency.CRITERIA))
    assert startup.transparency_met == ",website,problem,solution,contact,"
    html = admin_client.get(url).content.decode()
    summary = html[html.index("Score de transparence") :][:1500]
    assert "Code source" in summary  # missing
    assert "Lien vers le produit" not in summary  # met


def test_a_committee_event_added_in_the_admin_counts(admin_client, make_startup):
    startup = make_startup()
    url = reverse("admin:startups_startup_change", args=[startup.pk])

    post_admin_form(
        admin_client,
        url,
        **{
            "events-TOTAL_FORMS": ["1"],
            "events-0-kind": ["committee"],
            "events-0-date": ["2024-03-01"],
            "events-0-comment": ["Objectif : 3 départements"],
        },
    )

    startup.refresh_from_db()
    assert startup.transparency_met == ",objectives,"


def test_the_catalogue_sorts_by_score_most_complete_first(client, make_startup):
    make_startup(title="Alpha")
    make_startup(title="Beta", website="https://b.gouv.fr", contact="b@b.fr")
    make_startup(title="Gamma", website="https://g.gouv.fr")

    response = client.get("/en/startups/", {"sort": "-transparency"})

    titles = [s.title for s in response.context["page"]]
    assert titles == ["Beta", "Gamma", "Alpha"]
    api = client.get("/api/v1/startups/", {"sort": "-transparency"}).json()
    assert [s["title"] for s in api["results"]] == ["Beta", "Gamma", "Alpha"]


def test_the_sorted_catalogue_runs_the_same_queries_for_3_or_30_startups(
    client, make_startup, django_assert_max_num_queries
):
    for i in range(3):
        make_startup(title=f"S{i}", website="https://s.gouv.fr" if i % 2 else "")
    with django_assert_max_num_queries(20) as few:
        client.get("/startups/", {"sort": "-transparency"})
    for i in range(27):
        make_startup(title=f"T{i}")
    with django_assert_max_num_queries(20) as many:
        client.get("/startups/", {"sort": "-transparency", "q": ""})
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_api_gives_the_score_and_each_criterion(client, make_startup):
    startup = make_startup(repository="https://github.com/betagouv/x")

    data = client.get(f"/api/v1/startups/{startup.slug}/").json()

    assert data["transparency"]["score"] == round(100 / len(transparency.CRITERIA))
    criteria = {c["key"]: c["met"] for c in data["transparency"]["criteria"]}
    assert list(criteria) == list(transparency.KEYS)
    assert [k for k, v in criteria.items() if v] == ["repository"]


def test_the_sheet_shows_a_compact_badge_and_the_criteria(client, make_startup):
    startup = make_startup(website="https://s.gouv.fr", contact="s@s.fr")

    html = client.get(startup.get_absolute_url()).content.decode()

    score = round(200 / len(transparency.CRITERIA))
    assert f"Transparence : {score}" in html[html.index('id="transparency-badge"') :]
    section = html[html.index('id="transparency"') :][:3000]
    assert section.count('data-met="1"') == 2
    assert section.count('data-met="0"') == len(transparency.CRITERIA) - 2


def test_staff_see_their_least_complete_sheets_first(
    client, make_incubator, make_startup
):
    mine = make_incubator()
    other = make_incubator()
    make_startup(title="Complète", incubator=mine, website="https://c", contact="c@c")
    make_startup(title="Vide", incubator=mine)
    make_startup(title="Pas la mienne", incubator=other)
    user = get_user_model().objects.create_user("chef", password="pw")
    IncubatorMembership.objects.create(user=user, incubator=mine)
    user.refresh_from_db()
    client.force_login(user)

    html = client.get(reverse("admin:index")).content.decode()

    block = html[html.index('id="least-complete"') :]
    block = block[: block.index("</table>")]
    assert block.index("Vide") < block.index("Complète")
    assert "Pas la mienne" not in block


def test_the_stats_page_shows_each_criterion_by_phase(client, make_startup):
    make_startup(
        website="https://a", phases=[(Phase.CONSTRUCTION, dt.date(2022, 1, 1))]
    )
    make_startup(phases=[(Phase.CONSTRUCTION, dt.date(2022, 1, 1))])
    make_startup(website="https://c", contact="c@c")

    html = client.get("/en/stats/").content.decode()

    table = html[html.index('id="table-transparency"') :]
    table = table[: table.index("</table>")]
    header = table[: table.index("</thead>")]
    assert header.index("Investigation") < header.index("Construction")
    rows = table[table.index("<tbody>") :].split("<tr>")[1:]
    product = next(r for r in rows if "Product link" in r)
    # Investigation 1/1, construction 1/2, all 2/3.
    assert [c for c in product.split('stats-number">')[1:]][0].startswith("100")
    assert product.split('stats-number">')[2].startswith("50")
    assert product.split('stats-number">')[3].startswith("67")


def test_an_import_scores_the_real_sheets(betagouv_data):
    from django.core.management import call_command

    call_command("import_betagouv", str(betagouv_data), stdout=None)

    startups = list(Startup.objects.prefetch_related("events"))
    assert startups
    for startup in startups[:200]:
        committees = [
            (e.date, e.comment) for e in startup.events.all() if e.kind == "committee"
        ]
        expected = sum(
            [
                bool(startup.website),
                bool(startup.stats_url or startup.has_stats_page),
                bool(startup.budget_url),
                bool(startup.impact_url),
                bool(startup.repository),
                startup.accessibility_status != "not_assessed",
                bool(startup.risk_analysis_done or startup.risk_analysis_url),
                startup.mon_service_securise,
                transparency.states_problem(transparency.Sheet(startup)),
                transparency.states_solution(transparency.Sheet(startup)),
                bool(committees)
                and bool(max(committees, key=lambda c: c[0])[1].strip()),
                bool(startup.contact),
            ]
        )
        assert startup.transparency_score == round(100 * expected / 12), startup.slug
    with_problem = sum(",problem," in s.transparency_met for s in startups)
    # The real sheets name their problem under a heading ("## Le problème"…).
    assert with_problem > 200


def test_refreshing_again_writes_nothing(make_startup, django_assert_num_queries):
    startup = make_startup(website="https://a")
    Event.objects.create(startup=startup, kind="committee", date=dt.date(2024, 1, 1))

    # the committees, the sheets with budget lines, the sheets: nothing
    # changed, nothing written
    with django_assert_num_queries(3):
        refresh_transparency([startup])


def test_budget_lines_meet_the_budget_criterion(make_startup, make_budget_line):
    startup = make_startup(budget_url="")
    refresh_transparency([startup])
    startup.refresh_from_db()
    assert "budget" not in startup.transparency_met.split(",")
    make_budget_line(startup)
    refresh_transparency([startup])
    startup.refresh_from_db()
    assert "budget" in startup.transparency_met.split(",")
