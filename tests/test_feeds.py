"""Atom and RSS feeds of new start-ups and of phase changes."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from startups.models import Phase

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def startups(make_startup, make_incubator):
    dinum = make_incubator(slug="dinum", name="DINUM")
    old = make_startup(
        slug="old",
        title='Ancien "service"',
        incubator=dinum,
        phases=[
            (Phase.INVESTIGATION, dt.date(2019, 1, 1)),
            (Phase.CONSTRUCTION, dt.date(2019, 9, 1)),
        ],
    )
    recent = make_startup(
        slug="recent",
        title="Récent",
        phases=[(Phase.INVESTIGATION, dt.date(2024, 5, 1))],
    )
    make_startup(slug="hidden", title="Caché", is_published=False)
    make_startup(
        slug="future",
        title="Futur",
        phases=[
            (Phase.INVESTIGATION, dt.date(2020, 1, 1)),
            (Phase.CONSTRUCTION, dt.date.today() + dt.timedelta(days=30)),
        ],
    )
    return {"old": old, "recent": recent, "dinum": dinum}


def atom_entries(response):
    root = ET.fromstring(response.content)
    return [e.find(f"{ATOM}title").text for e in root.iter(f"{ATOM}entry")]


def rss_items(response):
    root = ET.fromstring(response.content)
    return [i.find("title").text for i in root.iter("item")]


def test_the_new_startups_feed_lists_published_ones_latest_started_first(
    client, startups
):
    r = client.get("/feeds/startups.atom")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/atom+xml")
    assert atom_entries(r) == ["Récent", "Futur", 'Ancien "service"']


def test_the_new_startups_feed_exists_in_rss(client, startups):
    r = client.get("/feeds/startups.rss")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/rss+xml")
    assert rss_items(r) == ["Récent", "Futur", 'Ancien "service"']


def test_the_phase_feed_lists_phase_changes_up_to_today(client, startups):
    r = client.get("/feeds/phases.atom")
    assert r.status_code == 200
    titles = atom_entries(r)
    assert len(titles) == 4  # not the future phase, not the hidden start-up
    assert titles[0].startswith("Récent")
    assert not any(t.startswith("Caché") for t in titles)
    root = ET.fromstring(r.content)
    ids = [e.find(f"{ATOM}id").text for e in root.iter(f"{ATOM}entry")]
    assert len(set(ids)) == len(ids)
    assert rss_items(client.get("/feeds/phases.rss"))[0].startswith("Récent")


def test_an_incubators_feeds_have_only_its_startups(client, startups):
    r = client.get("/incubators/dinum/feeds/startups.atom")
    assert r.status_code == 200
    assert atom_entries(r) == ['Ancien "service"']
    assert "DINUM" in ET.fromstring(r.content).find(f"{ATOM}title").text
    r = client.get("/incubators/dinum/feeds/phases.rss")
    assert len(rss_items(r)) == 2
    for suffix in ("startups.rss", "phases.atom"):
        assert client.get(f"/incubators/dinum/feeds/{suffix}").status_code == 200


def test_an_unknown_incubators_feed_is_a_404(client, db):
    assert client.get("/incubators/nobody/feeds/startups.atom").status_code == 404


def test_feeds_exist_in_english_too(client, startups):
    r = client.get("/en/feeds/startups.atom")
    assert r.status_code == 200
    assert "New start-ups" in ET.fromstring(r.content).find(f"{ATOM}title").text


@pytest.mark.parametrize(
    "url",
    ["/feeds/startups.atom", "/feeds/phases.rss", "/incubators/x/feeds/phases.atom"],
)
def test_feeds_run_the_same_queries_for_few_or_many_startups(
    client, make_startup, make_incubator, url
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    incubator = make_incubator(slug="x")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    make_startup(incubator=incubator)
    few = count()
    for _ in range(8):
        make_startup(incubator=incubator)
    assert count() == few <= 3
