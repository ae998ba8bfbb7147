import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from startups.filters import StartupFilter
from startups.models import AccessibilityStatus, Audience, Phase, Startup, Theme
from startups.services import refresh_search_text

pytestmark = pytest.mark.django_db

LIST = "/en/startups/"


def titles(response) -> list[str]:
    return [s.title for s in response.context["page"].object_list]


def facet(response, name: str) -> dict[str, tuple[int, bool]]:
    """{value: (count, selected)} as the facet shows it."""
    (found,) = [f for f in response.context["facets"] if f.name == name]
    return {o.value: (o.count, o.selected) for o in found.options}


@pytest.fixture
def theme(db):
    def make(slug: str, label: str) -> Theme:
        return Theme.objects.create(slug=slug, label=label)

    return make


def test_the_catalogue_lists_published_startups_by_name_with_their_card(
    client, make_startup, make_incubator
):
    incubator = make_incubator(name="Incubateur des territoires")
    make_startup(
        title="Beta",
        mission="Aider les communes.",
        incubator=incubator,
        phases=[(Phase.ACCELERATION, dt.date(2023, 1, 1))],
    )
    make_startup(title="Alpha")
    make_startup(title="Hidden", is_published=False)

    response = client.get(LIST)

    assert response.status_code == 200
    assert titles(response) == ["Alpha", "Beta"]
    html = response.content.decode()
    assert "2 start-ups" in html
    assert "Aider les communes." in html
    assert "Acceleration" in html
    assert "Incubator: Incubateur des territoires" in html
    assert "Hidden" not in html


def test_the_catalogue_shows_the_phase_label_in_french_by_default(client, make_startup):
    make_startup(phases=[(Phase.INCONCLUSIVE, dt.date(2023, 1, 1))])

    with translation.override("fr"):
        url = reverse("startups:list")
    response = client.get(url)

    assert url == "/startups/"
    assert response.status_code == 200
    assert "Investigation non concluante" in response.content.decode()


def test_it_filters_by_phase_and_values_of_one_facet_are_alternatives(
    client, make_startup
):
    make_startup(title="Built", phases=[(Phase.CONSTRUCTION, dt.date(2023, 1, 1))])
    make_startup(title="Fast", phases=[(Phase.ACCELERATION, dt.date(2023, 1, 1))])
    make_startup(title="Found", phases=[(Phase.INVESTIGATION, dt.date(2023, 1, 1))])

    one = client.get(LIST, {"phase": "construction"})
    two = client.get(LIST, {"phase": ["construction", "acceleration"]})

    assert titles(one) == ["Built"]
    assert titles(two) == ["Built", "Fast"]


def test_different_facets_must_all_match(client, make_startup, make_organisation):
    dinum = make_organisation(slug="dinum", name="DINUM")
    make_startup(
        title="Both",
        sponsors=[dinum],
        phases=[(Phase.CONSTRUCTION, dt.date(2023, 1, 1))],
    )
    make_startup(title="Phase only", phases=[(Phase.CONSTRUCTION, dt.date(2023, 1, 1))])
    make_startup(title="Sponsor only", sponsors=[dinum])

    response = client.get(LIST, {"phase": "construction", "sponsor": "dinum"})

    assert titles(response) == ["Both"]


def test_the_incubator_filter_matches_the_main_incubator_or_a_co_incubator(
    client, make_startup, make_incubator
):
    lab = make_incubator(slug="lab", name="Lab")
    make_startup(title="Main", incubator=lab)
    co = make_startup(title="Co")
    co.co_incubators.set([lab])
    make_startup(title="Elsewhere")

    response = client.get(LIST, {"incubator": "lab"})

    assert titles(response) == ["Co", "Main"]
    assert facet(response, "incubator")["lab"] == (2, True)


def test_it_filters_by_sponsor_theme_audience_and_accessibility(
    client, make_startup, make_organisation, theme
):
    dinum = make_organisation(slug="dinum", name="DINUM")
    ars = make_organisation(slug="ars", name="ARS")
    health = theme("sante", "Santé")
    young = Audience.objects.create(slug="jeunes", label="Jeunes")
    a = make_startup(
        title="A",
        sponsors=[dinum, ars],
        themes=[health],
        accessibility_status=AccessibilityStatus.FULLY_COMPLIANT,
    )
    a.audiences.set([young])
    make_startup(title="B", sponsors=[ars])

    assert titles(client.get(LIST, {"sponsor": "ars"})) == ["A", "B"]
    assert titles(client.get(LIST, {"sponsor": "dinum"})) == ["A"]
    assert titles(client.get(LIST, {"thematic": "sante"})) == ["A"]
    assert titles(client.get(LIST, {"usertype": "jeunes"})) == ["A"]
    assert titles(client.get(LIST, {"accessibility": "fully"})) == ["A"]
    assert titles(client.get(LIST, {"accessibility": "not_assessed"})) == ["B"]


def test_it_filters_by_the_year_of_the_first_phase(client, make_startup):
    make_startup(
        title="Old",
        phases=[
            (Phase.INVESTIGATION, dt.date(2019, 3, 1), dt.date(2020, 1, 1)),
            (Phase.CONSTRUCTION, dt.date(2020, 1, 1)),
        ],
    )
    make_startup(title="New", phases=[(Phase.INVESTIGATION, dt.date(2020, 6, 1))])

    assert titles(client.get(LIST, {"year": "2019"})) == ["Old"]
    assert titles(client.get(LIST, {"year": "2020"})) == ["New"]


def test_facet_counts_follow_the_other_filters_but_not_their_own(
    client, make_startup, make_organisation, theme
):
    dinum = make_organisation(slug="dinum", name="DINUM")
    health = theme("sante", "Santé")
    make_startup(
        sponsors=[dinum],
        themes=[health],
        phases=[(Phase.CONSTRUCTION, dt.date(2023, 1, 1))],
    )
    make_startup(sponsors=[dinum], phases=[(Phase.CONSTRUCTION, dt.date(2023, 1, 1))])
    make_startup(sponsors=[dinum], phases=[(Phase.ACCELERATION, dt.date(2023, 1, 1))])
    make_startup(phases=[(Phase.ACCELERATION, dt.date(2023, 1, 1))])

    everything = client.get(LIST)
    construction = client.get(LIST, {"phase": "construction"})

    assert facet(everything, "phase") == {
        "construction": (2, False),
        "acceleration": (2, False),
    }
    assert facet(everything, "sponsor") == {"dinum": (3, False)}
    assert facet(everything, "thematic") == {"sante": (1, False)}
    # Its own facet ignores the phase filter, so the visitor can add a phase...
    assert facet(construction, "phase") == {
        "construction": (2, True),
        "acceleration": (2, False),
    }
    # ...while the other facets count within the chosen phase.
    assert facet(construction, "sponsor") == {"dinum": (2, False)}
    assert facet(construction, "accessibility") == {"not_assessed": (2, False)}
    html = construction.content.decode()
    assert 'value="construction" id="phase-1" checked' in html
    assert "DINUM (O" in html  # the organisation's name and acronym


def test_a_selected_value_matching_nothing_stays_in_its_facet(
    client, make_startup, make_organisation
):
    make_organisation(slug="lonely", name="Nobody's sponsor")
    make_startup()

    response = client.get(LIST, {"sponsor": "lonely"})

    assert titles(response) == []
    assert facet(response, "sponsor") == {"lonely": (0, True)}


@pytest.mark.parametrize(
    "params",
    [{}, {"phase": "investigation", "sponsor": "org-facets", "q": "service"}],
    ids=["no filter", "two facets selected and a search"],
)
def test_every_facet_and_the_total_are_counted_in_one_statement(
    make_startup, make_organisation, django_assert_num_queries, params
):
    org = make_organisation(slug="org-facets")
    for _ in range(3):
        make_startup(sponsors=[org])
    refresh_search_text(Startup.objects.all())
    startups = StartupFilter(params)
    startups.errors  # noqa: B018 (validating looks the sponsor's slug up)
    startups.terms  # noqa: B018 (whether the words find anything, one query)

    with django_assert_num_queries(1):
        counts = startups.facets()

    assert counts.total == 3
    (sponsors,) = [f for f in counts.facets if f.name == "sponsor"]
    assert [(o.value, o.count) for o in sponsors.options] == [("org-facets", 3)]


@pytest.fixture
def mixed_catalogue(make_startup, make_organisation, make_incubator, theme):
    """Start-ups spread over phases, themes, sponsors and incubators."""
    health, work = theme("sante", "Santé"), theme("emploi", "Emploi")
    dinum, dgcs = make_organisation(slug="dinum"), make_organisation(slug="dgcs")
    labs = [make_incubator(slug=f"lab-{i}") for i in range(2)]
    phases = [Phase.INVESTIGATION, Phase.CONSTRUCTION, Phase.ACCELERATION]
    for i in range(12):
        s = make_startup(
            title=f"Service {'emploi' if i % 3 else 'santé'} {i}",
            incubator=labs[i % 2],
            phases=[(phases[i % 3], dt.date(2020 + i % 4, 1, 1))],
            themes=[health, work][: 1 + i % 2],
            sponsors=[dinum] if i % 4 else [dinum, dgcs],
        )
        if i % 5 == 0:
            s.co_incubators.add(labs[1 - i % 2])
    refresh_search_text(Startup.objects.all())


SELECTIONS = [
    {},
    {"thematic": "sante"},
    {"thematic": "sante", "phase": "construction"},
    {"phase": ["investigation", "acceleration"], "sponsor": "dgcs"},
    {"incubator": "lab-1", "q": "emploi"},
    {"q": "service", "year": "2021", "usertype": "nobody"},
]


def test_facets_kept_for_shared_filters_give_what_counting_again_gives(
    rf, mixed_catalogue
):
    from django.http import QueryDict

    from startups.caching import Parts

    def as_query(params):
        query = QueryDict(mutable=True)
        for key, value in params.items():
            query.setlist(key, value if isinstance(value, list) else [value])
        return query

    parts = Parts(rf.get("/"), "facet")
    for params in SELECTIONS + SELECTIONS[::-1]:
        fresh = StartupFilter(as_query(params)).facets()
        kept = StartupFilter(as_query(params)).facets(cache=parts)

        assert kept == fresh, params


def test_with_one_theme_chosen_the_theme_facet_is_not_counted_again(
    client, mixed_catalogue, monkeypatch
):
    import startups.facets

    counted = []
    count = startups.facets._count

    def spy(selections, facets):
        counted.append(sorted(facets))
        return count(selections, facets)

    monkeypatch.setattr(startups.facets, "_count", spy)

    client.get(LIST)
    response = client.get(LIST, {"thematic": "emploi"})

    # The whole catalogue counts every facet; with one theme, the theme facet
    # counts within the whole catalogue again: kept from the first request.
    assert counted == [
        sorted(
            [
                "phase",
                "incubator",
                "sponsor",
                "thematic",
                "usertype",
                "technology",
                "accessibility",
                "budget",
                "certification",
                "recognition",
            ]
        ),
        sorted(
            [
                "phase",
                "incubator",
                "sponsor",
                "usertype",
                "technology",
                "accessibility",
                "budget",
                "certification",
                "recognition",
            ]
        ),
    ]
    assert facet(response, "thematic") == {"sante": (12, False), "emploi": (6, True)}
    assert response.context["page"].paginator.count == 6


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Alpha", "Beta", "Gamma"]),
        ("-updated", ["Beta", "Alpha", "Gamma"]),
        ("-started", ["Gamma", "Alpha", "Beta"]),
        ("phase", ["Beta", "Alpha", "Gamma"]),
    ],
)
def test_it_sorts_the_results(client, make_startup, sort, expected):
    gamma = make_startup(title="Gamma", phases=[(Phase.ABANDONED, dt.date(2024, 1, 1))])
    alpha = make_startup(
        title="Alpha", phases=[(Phase.CONSTRUCTION, dt.date(2022, 1, 1))]
    )
    beta = make_startup(
        title="Beta", phases=[(Phase.INVESTIGATION, dt.date(2021, 1, 1))]
    )
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    for startup, days in ((beta, 0), (alpha, 1), (gamma, 2)):
        Startup.objects.filter(pk=startup.pk).update(
            updated_at=now - dt.timedelta(days=days)
        )

    assert titles(client.get(LIST, {"sort": sort})) == expected


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({"year": "abc"}, "Started in: “abc” ignored"),
        ({"sort": "zzz"}, "Sort by: “zzz” ignored"),
        ({"phase": "nope"}, "Phase: unknown value ignored: “nope”"),
        ({"incubator": "nope"}, "Incubator: unknown value ignored: “nope”"),
        ({"sponsor": "nope"}, "Sponsor: unknown value ignored: “nope”"),
        ({"thematic": "nope"}, "Theme: unknown value ignored: “nope”"),
        ({"usertype": "nope"}, "Audience: unknown value ignored: “nope”"),
        ({"accessibility": "nope"}, "Accessibility: unknown value ignored: “nope”"),
    ],
)
def test_a_bad_parameter_is_ignored_and_named_on_the_page(
    client, make_startup, params, shown
):
    make_startup(title="Alpha")
    make_startup(title="Beta")

    response = client.get(LIST, params)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Some search parameters were ignored" in html
    assert shown in html
    assert titles(response) == ["Alpha", "Beta"]


def test_an_unknown_value_leaves_the_known_ones_of_its_facet_in_force(
    client, make_startup
):
    make_startup(title="Built", phases=[(Phase.CONSTRUCTION, dt.date(2023, 1, 1))])
    make_startup(title="Other")

    response = client.get(LIST, {"phase": ["construction", "old-phase"]})

    assert titles(response) == ["Built"]
    assert "Phase: unknown value ignored: “old-phase”" in response.content.decode()


def test_a_clean_address_shows_no_warning(client, make_startup):
    make_startup()

    response = client.get(LIST, {"phase": "investigation", "sort": "name"})

    assert "Some search parameters were ignored" not in response.content.decode()


def test_results_come_24_a_page_and_page_links_keep_the_filters(client, make_startup):
    for i in range(30):
        make_startup(
            title=f"S{i:02}", phases=[(Phase.CONSTRUCTION, dt.date(2023, 1, 1))]
        )
    make_startup(title="Other phase", phases=[(Phase.ABANDONED, dt.date(2023, 1, 1))])

    first = client.get(LIST, {"phase": "construction"})
    second = client.get(LIST, {"phase": "construction", "page": "2"})

    assert len(titles(first)) == 24
    assert "30 start-ups" in first.content.decode()
    assert 'href="?phase=construction&amp;page=2"' in first.content.decode()
    assert titles(second) == [f"S{i:02}" for i in range(24, 30)]


@pytest.mark.parametrize(
    ("page", "first_title"), [("abc", "S00"), ("-1", "S24"), ("999", "S24")]
)
def test_an_impossible_page_number_shows_the_first_or_last_page(
    client, make_startup, page, first_title
):
    for i in range(30):
        make_startup(title=f"S{i:02}")

    response = client.get(LIST, {"page": page})

    assert response.status_code == 200
    assert titles(response)[0] == first_title


def test_no_result_says_so_and_offers_to_clear_the_filters(client, make_startup):
    make_startup(phases=[(Phase.CONSTRUCTION, dt.date(2023, 1, 1))])

    response = client.get(LIST, {"phase": "abandoned"})

    html = response.content.decode()
    assert "0 start-ups" in html
    assert "No start-up matches these filters." in html
    assert 'href="/en/startups/">Clear the filters' in html


def test_the_page_costs_the_same_queries_for_5_or_40_startups(
    client,
    make_startup,
    make_organisation,
    make_incubator,
    theme,
    django_assert_max_num_queries,
):
    sponsors = [make_organisation() for _ in range(3)]
    themes = [theme(f"t{i}", f"Theme {i}") for i in range(3)]
    lab = make_incubator()

    def page_queries(n: int) -> int:
        for _ in range(n):
            s = make_startup(sponsors=sponsors, themes=themes)
            s.co_incubators.set([lab])
        params = {"sponsor": sponsors[0].slug, "q": "service"}
        refresh_search_text(Startup.objects.all())
        # the catalogue version (startups.caching), the sponsor's slug,
        # whether the words find anything (StartupFilter.terms), the facets
        # with the count (one statement), the page's rows with their incubator
        with django_assert_max_num_queries(5) as captured:
            assert client.get(LIST, params).status_code == 200
        return len(captured)

    assert page_queries(5) == page_queries(35)


def test_the_phase_facet_counts_equal_the_real_catalogues_phases(client, betagouv_data):
    call_command("import_betagouv", str(betagouv_data), stdout=None)
    expected = Startup.objects.published().count_by_current_phase()

    response = client.get(LIST)

    counts = {value: count for value, (count, _) in facet(response, "phase").items()}
    assert counts == {k: v for k, v in expected.items() if v}
    assert f"{sum(expected.values())} start-ups" in response.content.decode()
