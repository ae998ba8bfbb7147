"""The catalogue page on a phone and for a shared link: facets that show their
top values, removable tags for the filters in force, a control that hides the
stopped services, a title describing the selection, technologies as a facet,
and a page under 100 KB whatever the size of the vocabularies."""

import csv
import datetime as dt
import io
import re
from io import StringIO

import pytest
import yaml
from django.core.management import call_command

from startups.facets import TOP_VALUES
from startups.models import Organisation, Phase, Startup, Technology, Theme
from startups.services import refresh_technologies

pytestmark = pytest.mark.django_db

LIST = "/en/startups/"
MAX_HTML = 100 * 1024


def meta(html: str, name: str) -> str:
    match = re.search(
        rf'<meta (?:name|property)="{re.escape(name)}" content="([^"]*)"', html
    )
    assert match, f"no <meta {name}>"
    return match.group(1)


def facet_values(html: str, name: str) -> list[str]:
    block = re.search(rf'<fieldset[^>]* id="facet-{name}".*?</fieldset>', html, re.S)
    assert block, f"no facet {name}"
    return re.findall(rf'name="{name}" value="([^"]+)"', block.group(0))


@pytest.fixture
def many_sponsors(make_startup, make_organisation):
    """Ten sponsors, the k-th sponsoring k start-ups (k = 1..10)."""
    sponsors = [
        make_organisation(slug=f"org-{k}", name=f"Org {k}") for k in range(1, 11)
    ]
    for n in range(10):
        make_startup(sponsors=[s for k, s in enumerate(sponsors, 1) if k > n])
    return sponsors


def test_a_facet_shows_its_most_frequent_values_and_see_all(client, many_sponsors):
    html = client.get(LIST).content.decode()

    assert facet_values(html, "sponsor") == [f"org-{k}" for k in range(10, 4, -1)]
    assert TOP_VALUES == 6
    assert 'name="unfold" value="sponsor"' in html
    assert "See all (4 more values)" in html


def test_a_selected_value_stays_in_view_and_see_all_unfolds_the_facet(
    client, many_sponsors
):
    html = client.get(LIST, {"sponsor": "org-1"}).content.decode()
    assert "org-1" in facet_values(html, "sponsor")
    assert len(facet_values(html, "sponsor")) == TOP_VALUES + 1

    unfolded = client.get(LIST, {"sponsor": "org-1", "unfold": "sponsor"})
    html = unfolded.content.decode()
    assert len(facet_values(html, "sponsor")) == 10
    assert 'name="unfold" value="sponsor"' not in html
    # The panel comes open, on the facet.
    assert re.search(
        r'<details class="catalogue-panel" id="catalogue-panel" open>', html
    )
    # The results stay those of the selection.
    assert [s.pk for s in unfolded.context["page"]] == [
        s.pk for s in Startup.objects.filter(sponsors__slug="org-1")
    ]


def test_the_filters_in_force_are_removable_tags_with_clear_all(client, make_startup):
    make_startup(phases=[(Phase.CONSTRUCTION, dt.date(2023, 1, 1))])
    html = client.get(
        LIST, {"phase": ["construction", "acceleration"], "q": "service", "page": 1}
    ).content.decode()

    tags = re.search(r'id="active-filters".*?</ul>', html, re.S).group(0)
    links = re.findall(r'<a class="fr-tag[^"]*" href="([^"]+)"[^>]*>([^<]+)</a>', tags)
    assert [(label, href.replace("&amp;", "&")) for href, label in links] == [
        ("Search: “service”", "?phase=construction&phase=acceleration"),
        ("Phase: Construction", "?phase=acceleration&q=service"),
        ("Phase: Acceleration", "?phase=construction&q=service"),
    ]
    assert 'aria-label="Remove the filter Phase: Construction"' in tags
    assert (
        '<a class="fr-link fr-link--sm catalogue-active__clear" '
        'href="/en/startups/">Clear all</a>'
    ) in tags


def test_without_a_filter_there_is_no_tag(client, make_startup):
    make_startup()
    assert 'id="active-filters"' not in client.get(LIST).content.decode()


def test_the_catalogue_stays_whole_unless_the_stopped_services_are_hidden(
    client, make_startup
):
    make_startup(title="Vivant", phases=[(Phase.CONSTRUCTION, dt.date(2023, 1, 1))])
    make_startup(title="Abandonné", phases=[(Phase.ABANDONED, dt.date(2023, 1, 1))])
    make_startup(title="Sans suite", phases=[(Phase.INCONCLUSIVE, dt.date(2023, 1, 1))])

    whole = client.get(LIST)
    assert len(whole.context["page"].object_list) == 3
    assert 'id="id_hide_stopped"' in whole.content.decode()

    hidden = client.get(LIST, {"hide_stopped": "1"})
    assert [s.title for s in hidden.context["page"]] == ["Vivant"]
    assert "1 start-up" in hidden.content.decode()
    # The download and the API give the same selection.
    export = client.get("/en/startups/export.csv", {"hide_stopped": "1"})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["Vivant"]
    api = client.get("/api/v1/startups/", {"hide_stopped": "1"}).json()
    assert [s["title"] for s in api["results"]] == ["Vivant"]


def test_a_filtered_page_is_titled_after_its_selection_in_french(
    client, make_startup, make_incubator
):
    territoires = make_incubator(slug="anct", name="Incubateur des Territoires")
    make_startup(
        incubator=territoires, phases=[(Phase.CONSTRUCTION, dt.date(2023, 1, 1))]
    )

    html = client.get(
        "/startups/", {"phase": "construction", "incubator": "anct"}
    ).content.decode()

    expected = "Start-ups en construction — Incubateur des Territoires"
    assert re.search(r"<h1>(.*?)</h1>", html).group(1) == expected
    title = re.search(r"<title>(.*?)</title>", html).group(1)
    assert title == f"{expected} — Start-ups d'État"
    assert meta(html, "og:title") == title
    assert meta(html, "description").startswith(f"{expected} : 1 start-up d'État")
    assert meta(html, "og:description") == meta(html, "description")
    assert meta(html, "og:url") == (
        "http://testserver/startups/?incubator=anct&amp;phase=construction"
    )


def test_the_plain_catalogue_keeps_its_title(client, make_startup):
    make_startup()
    html = client.get(LIST).content.decode()
    assert "<h1>Catalogue of start-ups d'État</h1>" in html
    assert "<title>Catalogue of start-ups d'État</title>" in html


def test_its_script_and_style_are_files(client, make_startup):
    make_startup()
    html = client.get(LIST).content.decode()

    assert '<script src="/static/startups/catalogue.js" defer></script>' in html
    assert '<link rel="stylesheet" href="/static/css/catalogue.css">' in html
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html


def test_technologies_are_a_facet_whatever_their_spelling(client, make_startup):
    make_startup(title="A", technologies=["react", "Django"])
    make_startup(title="B", technologies=["React"])
    make_startup(title="C", technologies=["Vue.js"])

    response = client.get(LIST)
    (technology,) = [f for f in response.context["facets"] if f.name == "technology"]
    assert [(o.value, o.label, o.count) for o in technology.options] == [
        ("react", "React", 2),
        ("django", "Django", 1),
        ("vuejs", "Vue.js", 1),
    ]
    chosen = client.get(LIST, {"technology": "react"})
    assert [s.title for s in chosen.context["page"]] == ["A", "B"]


def test_the_home_page_groups_its_figures(client, make_startup):
    for phase in (Phase.CONSTRUCTION, Phase.CONSTRUCTION, Phase.INVESTIGATION,
                  Phase.OPERATED, Phase.ABANDONED):  # fmt: skip
        make_startup(phases=[(phase, dt.date(2023, 1, 1))])

    html = client.get("/").content.decode()

    def group(key):
        return re.search(
            rf'<section[^>]* id="group-{key}".*?</section>', html, re.S
        ).group(0)

    ongoing = group("ongoing")
    assert "En cours : 3 start-ups" in ongoing
    assert (
        'href="/startups/?phase=investigation&amp;phase=construction&amp;'
        'phase=acceleration&amp;phase=consolidation"'
    ) in ongoing
    assert 'id="phase-construction"' in ongoing
    assert "Pérennisées : 1 start-up" in group("lasting")
    assert 'id="phase-integration"' in group("lasting")
    stopped = group("stopped")
    assert "Arrêtées : 1 start-up" in stopped
    assert 'id="phase-inconclusive"' in stopped


@pytest.fixture
def real_catalogue(betagouv_data):
    call_command("import_betagouv", str(betagouv_data), stdout=StringIO())


def test_on_the_real_data_the_page_weighs_under_100_kb(client, real_catalogue):
    for params in ({}, {"phase": "construction"}, {"unfold": "sponsor"}):
        html = client.get(LIST, params).content
        assert len(html) < MAX_HTML, params


def test_on_the_real_data_react_is_one_technology(
    client, real_catalogue, betagouv_data
):
    def technologies(path):
        front = yaml.safe_load(path.read_text().split("\n---", 1)[0][4:])
        return [
            part.strip().lower()
            for item in front.get("techno") or []
            for part in str(item).split(",")
        ]

    spelt = sum(
        1
        for path in (betagouv_data / "startups").glob("*.md")
        if "react" in technologies(path)
    )
    react = Technology.objects.get(slug="react")
    assert react.label == "React"
    assert react.startups.count() == spelt
    assert not Technology.objects.filter(label="react").exists()
    response = client.get(LIST, {"technology": "react"})
    assert response.context["page"].paginator.count == spelt


def test_with_a_big_vocabulary_the_page_stays_under_100_kb(
    client, make_startup, make_incubator, django_assert_max_num_queries
):
    incubator = make_incubator()
    n = 1500
    Organisation.objects.bulk_create(
        Organisation(slug=f"org-{i}", name=f"Organisation publique n°{i} " + "x" * 40)
        for i in range(n)
    )
    Theme.objects.bulk_create(
        Theme(slug=f"theme-{i}", label=f"Thématique n°{i} " + "y" * 30)
        for i in range(n)
    )
    startups = [make_startup(incubator=incubator) for _ in range(30)]
    orgs, themes = list(Organisation.objects.all()), list(Theme.objects.all())
    for i, startup in enumerate(startups):
        startup.sponsors.set(orgs[i * 50 : (i + 1) * 50])
        startup.themes.set(themes[i * 50 : (i + 1) * 50])
        startup.technologies = [f"Techno {j}" for j in range(i * 50, (i + 1) * 50)]
        startup.save()
    refresh_technologies(Startup.objects.all())

    for params in ({}, {"unfold": "sponsor"}, {"unfold": "technology"}):
        html = client.get(LIST, params).content
        assert len(html) < MAX_HTML, (params, len(html))
    # Whatever the vocabularies, the same queries (cached facets aside):
    # the version, the page's rows (count from the facets' statement), the
    # facets' statement.
    client.get(LIST, {"sponsor": "org-3"})
    with django_assert_max_num_queries(4):
        client.get(LIST, {"sponsor": "org-3", "sort": "-updated"})


def test_unfolding_or_finding_in_a_facet_does_not_count_again(client, many_sponsors):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(LIST)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, {"unfold": "sponsor", "find_sponsor": "Org 1"})

    assert not [q for q in queries if "UNION ALL" in q["sql"]]
    html = response.content.decode()
    # "Org 1" and "Org 10": found among all the values.
    assert sorted(facet_values(html, "sponsor")) == ["org-1", "org-10"]
    assert 'value="Org 1"' in html


def test_the_api_refuses_an_unknown_technology_with_a_message(client, make_startup):
    make_startup(technologies=["React"])

    assert client.get("/api/v1/startups/", {"technology": "react"}).status_code == 200
    refused = client.get("/api/v1/startups/", {"technology": "cobol"})
    assert refused.status_code == 400
    assert "technologies des start-ups" in refused.content.decode()


def test_an_unreadable_hide_stopped_is_reported_not_taken_for_on(client, make_startup):
    make_startup(phases=[(Phase.ABANDONED, dt.date(2023, 1, 1))])

    page = client.get(LIST, {"hide_stopped": "null"})
    assert page.context["page"].paginator.count == 1
    assert "Use 1 (on) or 0 (off)." in page.content.decode()
    assert client.get(LIST, {"hide_stopped": "0"}).context["page"].paginator.count == 1
    api = client.get("/api/v1/startups/", {"hide_stopped": "null"})
    assert api.status_code == 400
