"""The in-memory catalogue index (startups.catalogue_index) gives exactly what
SQL gives: the same facet counts, the same number of results and the same rows
in the same order, for any selection of the real catalogue; it is used only for
the catalogue version it was read at, and is built in the background without
holding a request."""

from __future__ import annotations

import datetime as dt
import random
import re
import time

import pytest
from django.test import RequestFactory

from startups import catalogue_index
from startups.filters import PAGE_SIZE, SORTS, StartupFilter
from startups.models import Incubator, Organisation, Phase, Startup, Technology, Theme
from tests.helpers import redis_url


@pytest.fixture(autouse=True)
def _fresh_index():
    catalogue_index.forget()
    yield
    catalogue_index.forget()


def outcome(settings, query: dict, mode: str, queryset=None):
    """What a catalogue selection shows, built one way: its facets, its total
    and a few of its pages (first, a middle one, the last)."""
    settings.CATALOGUE_INDEX = mode
    request = RequestFactory().get("/startups/", query)
    startups = StartupFilter(
        request.GET,
        queryset=queryset if queryset is not None else Startup.objects.for_catalogue(),
        request=request,
    )
    counts = startups.facets()
    rows = startups.rows()
    if mode == "sync":
        assert isinstance(rows, catalogue_index.IndexedRows), query
    total = counts.total
    firsts = sorted({0, (total // 2) // PAGE_SIZE * PAGE_SIZE, max(total - 5, 0)})
    pages = [[s.slug for s in rows[first : first + PAGE_SIZE]] for first in firsts]
    facets = [
        (f.name, [(o.value, o.label, o.count, o.selected) for o in f.options])
        for f in counts.facets
    ]
    return facets, total, pages


def random_queries(rng: random.Random, n: int) -> list[dict]:
    words = sorted(
        {
            w
            for title in Startup.objects.values_list("title", flat=True)
            for w in re.findall(r"[^\W\d_]{3,}", title.lower())
        }
    )
    themes = list(Theme.objects.values_list("slug", flat=True))
    incubators = list(Incubator.objects.values_list("slug", flat=True))
    sponsors = list(
        Organisation.objects.filter(sponsored_startups__isnull=False)
        .values_list("slug", flat=True)
        .distinct()
    )
    technologies = list(Technology.objects.values_list("slug", flat=True)[:50])
    years = sorted(
        {d.year for d in Startup.objects.values_list("started_on", flat=True) if d}
    )
    queries = []
    for _ in range(n):
        query: dict = {}
        if rng.random() < 0.5:
            query["q"] = " ".join(rng.sample(words, rng.choice([1, 1, 1, 2])))
        if rng.random() < 0.4:
            query["phase"] = rng.sample([p.value for p in Phase], rng.choice([1, 2]))
        if rng.random() < 0.4:
            query["incubator"] = rng.sample(incubators, rng.choice([1, 2]))
        if rng.random() < 0.4:
            query["thematic"] = rng.sample(themes, 1)
        if sponsors and rng.random() < 0.3:
            query["sponsor"] = rng.sample(sponsors, 1)
        if technologies and rng.random() < 0.1:
            query["technology"] = rng.sample(technologies, 1)
        if rng.random() < 0.2:
            query["hide_stopped"] = "1"
        if years and rng.random() < 0.15:
            query["year"] = str(rng.choice(years))
        if rng.random() < 0.1:
            query["accessibility"] = "non-evalue"
        if rng.random() < 0.15:
            query["budget"] = rng.sample(["figures", "link"], rng.choice([1, 2]))
        if rng.random() < 0.7:
            query["sort"] = rng.choice(list(SORTS))
        queries.append(query)
    return queries


@pytest.mark.django_db
def test_an_index_serves_only_its_own_catalogue_version(settings, make_startup):
    settings.CATALOGUE_INDEX = "sync"
    make_startup(slug="alpha", title="Alpha")
    request = RequestFactory().get("/startups/")
    before = StartupFilter(request.GET, request=request)
    assert [s.slug for s in before.rows()[0:10]] == ["alpha"]

    make_startup(slug="beta", title="Beta")  # a write raises the version
    request = RequestFactory().get("/startups/")
    after = StartupFilter(request.GET, request=request)
    assert isinstance(after.rows(), catalogue_index.IndexedRows)
    assert [s.slug for s in after.rows()[0:10]] == ["alpha", "beta"]
    assert after.facets().total == 2


@pytest.mark.django_db
def test_unpublished_sheets_are_not_in_the_index(settings, make_startup):
    settings.CATALOGUE_INDEX = "sync"
    make_startup(slug="shown", title="Shown")
    make_startup(slug="hidden", title="Hidden", is_published=False)
    request = RequestFactory().get("/startups/", {"q": "hidden shown"})
    startups = StartupFilter(request.GET, request=request)
    assert startups.facets().total == 0
    request = RequestFactory().get("/startups/")
    startups = StartupFilter(request.GET, request=request)
    assert [s.slug for s in startups.rows()[0:10]] == ["shown"]


@pytest.mark.django_db(transaction=True)
def test_the_index_is_built_in_the_background_while_sql_answers(settings, make_startup):
    settings.CATALOGUE_INDEX = "background"
    # (Run after the other tests: other start-ups may be there.)
    make_startup(slug="alpha", title="Zyxwvu Alpha")
    request = RequestFactory().get("/startups/", {"q": "zyxwvu"})
    first = StartupFilter(request.GET, request=request)
    # Not built yet: the SQL way answers this request at once.
    assert not isinstance(first.rows(), catalogue_index.IndexedRows)
    assert [s.slug for s in first.rows()[0:10]] == ["alpha"]
    deadline = time.monotonic() + 30
    while True:
        request = RequestFactory().get("/startups/", {"q": "zyxwvu"})
        later = StartupFilter(request.GET, request=request)
        if isinstance(later.rows(), catalogue_index.IndexedRows):
            break
        assert time.monotonic() < deadline, "the index was never built"
        time.sleep(0.05)
    assert [s.slug for s in later.rows()[0:10]] == ["alpha"]


@pytest.mark.django_db
def test_the_indexed_catalogue_page_reads_no_counts_from_sql(
    settings, client, make_startup, django_assert_num_queries
):
    settings.CATALOGUE_INDEX = "sync"
    for n in range(30):
        make_startup(slug=f"s{n:02}", title=f"Service {n:02}")
    client.get("/startups/")  # builds the index for this version
    from django.core.cache import cache

    cache.clear()
    # The version, then the page's rows (with their incubators): the counts
    # and the order come from the index, whatever the number of start-ups.
    with django_assert_num_queries(2):
        response = client.get("/startups/", {"page": 2, "sort": "name"})
    assert response.status_code == 200
    assert "s24" in response.content.decode()
    assert response.context["page"].paginator.count == 30


@pytest.mark.django_db
def test_the_budget_facet_counts_figures_and_links_as_sql_does(settings, make_startup):
    from startups.models import BudgetCategory, BudgetLine

    category = BudgetCategory.objects.first() or BudgetCategory.objects.create(
        slug="dev", label="Développement"
    )
    for n in range(12):
        startup = make_startup(
            slug=f"s{n:02}",
            title=f"Service {n:02}",
            budget_url="https://pad.example.org/b" if n % 3 == 0 else "",
        )
        if n % 2 == 0:
            BudgetLine.objects.create(
                startup=startup,
                year=2024,
                category=category,
                amount=1000 * n,
                stated_on=dt.date(2024, 12, 31),
                source="incubator",
            )
    make_startup(slug="hidden", title="Hidden", is_published=False)
    for query in (
        {},
        {"budget": ["figures"]},
        {"budget": ["link"]},
        {"budget": ["figures", "link"], "sort": "-updated"},
    ):
        catalogue_index.forget()
        expected = outcome(settings, query, "off")
        assert outcome(settings, query, "sync") == expected, query
    budget = dict(
        (o[0], o[2])
        for name, options in expected[0]
        if name == "budget"
        for o in options
    )
    assert budget == {"figures": 6, "link": 4}


# The real catalogue stays imported until the end of the module: last.
@pytest.mark.django_db
def test_the_index_counts_and_lists_what_sql_does_on_the_real_catalogue(
    real_catalogue, settings
):
    rng = random.Random(15)
    fixed = [
        {},
        {"sort": "phase"},
        {"q": "emploi"},
        {"q": "emploi", "phase": ["acceleration"]},
        {"phase": ["construction"], "incubator": ["dinum"]},
        {"q": "zzzzqqq"},  # nothing found
        {"q": "santé", "sort": "-updated"},
    ]
    compared = 0
    for query in fixed + random_queries(rng, 150):
        expected = outcome(settings, query, "off")
        assert outcome(settings, query, "sync") == expected, query
        compared += expected[1] > 0
    # Most selections find something: the comparison is not of empty pages.
    assert compared >= 50


@pytest.mark.django_db
def test_the_api_list_pages_through_the_same_rows(real_catalogue, settings, client):
    pages = {}
    for mode in ("off", "sync"):
        settings.CATALOGUE_INDEX = mode
        catalogue_index.forget()
        seen = []
        for number in (1, 7, 34):
            response = client.get(
                "/api/v1/startups/", {"page": number, "phase": "construction"}
            )
            if response.status_code == 400:  # past the last page
                break
            body = response.json()
            seen.append((body["count"], [s["id"] for s in body["results"]]))
        pages[mode] = seen
        from django.core.cache import cache

        cache.clear()
    assert pages["sync"] == pages["off"]
    assert pages["off"] and pages["off"][0][1]


@pytest.mark.django_db
def test_incubator_and_sponsor_pages_list_what_sql_does(
    real_catalogue, settings, client
):
    from django.core.cache import cache

    pages = {}
    incubators = list(Incubator.objects.values_list("slug", flat=True))
    sponsors = list(
        Organisation.objects.filter(sponsored_startups__isnull=False)
        .values_list("slug", flat=True)
        .distinct()[:15]
    )
    addresses = [f"/incubators/{s}/" for s in incubators] + [
        f"/sponsors/{s}/" for s in sponsors
    ]
    for mode in ("off", "sync"):
        settings.CATALOGUE_INDEX = mode
        catalogue_index.forget()
        cache.clear()
        seen = {}
        for address in addresses:
            response = client.get(address)
            assert response.status_code == 200, address
            groups = response.context["groups"]
            seen[address] = (
                response.context["startup_count"],
                [(g.phase, g.count, [s.slug for s in g.startups]) for g in groups],
            )
        pages[mode] = seen
    assert pages["sync"] == pages["off"]
    assert sum(count for count, _ in pages["off"].values()) > 600


@pytest.mark.django_db
def test_with_redis_one_worker_builds_the_index_and_the_others_load_it(
    settings, make_startup, monkeypatch
):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url(),
        }
    }
    from django.core.cache import caches

    caches["default"].clear()
    make_startup(slug="alpha", title="Alpha")
    built = []
    real_build = catalogue_index.build
    monkeypatch.setattr(
        catalogue_index, "build", lambda using: built.append(using) or real_build(using)
    )
    first = catalogue_index._shared("default")
    # Another worker (here: the same one, having forgotten it) loads it.
    second = catalogue_index._shared("default")
    assert built == ["default"]
    assert second is not first
    assert second.version == first.version
    assert list(second.orders["name"]) == list(first.orders["name"])
    assert second.values["phase"] == first.values["phase"]
    assert second.remember("k", lambda: 1) == 1  # its own memory, working
    caches["default"].clear()
