"""Phases that tell the truth: the current phase is the latest phase that has
begun; a later one is planned, and becomes current on its day without anyone
saving the sheet (startups.daily, `manage.py refresh_current_phases`), on every
page, count, filter, feed and file at once."""

import csv
import datetime as dt
import io
import re
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from startups import stats
from startups.models import Phase, Startup, StartupPhase, current_phase_entry
from startups.views.startup import Timeline

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 10)
LATER = dt.date(2026, 4, 1)  # the planned phase's first day


def _at(day: dt.date):
    # Midday in Paris: the same date in UTC and in the site's zone.
    return time_machine.travel(
        dt.datetime(day.year, day.month, day.day, 11, 0), tick=False
    )


class Entry:
    def __init__(self, start, position, phase="x"):
        self.start, self.position, self.phase = start, position, phase


def test_a_phase_that_starts_later_is_not_current():
    entries = [Entry(dt.date(2023, 3, 1), 0), Entry(dt.date(2027, 5, 1), 1)]

    assert current_phase_entry(entries, dt.date(2026, 12, 1)) is entries[0]
    assert current_phase_entry(entries, dt.date(2027, 5, 1)) is entries[1]
    assert current_phase_entry(entries, dt.date(2023, 2, 28)) is None


def test_on_equal_starts_the_later_listed_is_current():
    entries = [Entry(dt.date(2023, 3, 1), 1), Entry(dt.date(2023, 3, 1), 0)]

    assert current_phase_entry(entries, dt.date(2024, 1, 1)) is entries[0]


@pytest.fixture
def planned(make_startup, make_organisation):
    """A start-up in construction whose acceleration starts on LATER, and one
    already in acceleration, stored on TODAY."""
    sponsor = make_organisation(slug="dinum")
    with _at(TODAY):
        startup = make_startup(
            slug="data-demain",
            sponsors=[sponsor],
            title="Data demain",
            phases=[
                (Phase.INVESTIGATION, dt.date(2022, 11, 1)),
                (Phase.CONSTRUCTION, dt.date(2023, 3, 1)),
                (Phase.ACCELERATION, LATER),
            ],
        )
        make_startup(
            slug="deja",
            title="Déjà",
            phases=[(Phase.ACCELERATION, dt.date(2024, 1, 1))],
            incubator=startup.incubator,
            sponsors=[sponsor],
        )
    return startup


def _figures(client) -> dict:
    """Every figure about today that names the phases, as the public sees it."""
    home = client.get("/en/").content.decode()
    acceleration_tile = re.search(
        r'id="phase-acceleration".*?(\d+) start-up', home, re.S
    ).group(1)
    listed = client.get("/en/startups/", {"phase": "acceleration"})
    stats_page = client.get("/en/stats/")
    by_phase = {t.key: t.value for t in stats_page.context["by_phase"]}
    today_row = stats_page.context["portfolio"][-1]
    assert today_row.is_today
    api = client.get("/api/v1/startups/", {"phase": "acceleration"}).json()
    csv_rows = list(
        csv.DictReader(
            io.StringIO(
                client.get("/api/v2.7/startups.csv").content.decode("utf-8-sig")
            ),
            delimiter=";",
        )
    )
    feed = client.get("/feeds/phases.atom").content.decode()
    incubator = Startup.objects.get(slug="data-demain").incubator
    incubator_page = client.get(f"/en/incubators/{incubator.slug}/").content.decode()
    sponsor_page = client.get("/en/sponsors/dinum/").content.decode()
    return {
        "home": int(acceleration_tile),
        "catalogue": [s.slug for s in listed.context["page"]],
        "facet": {
            o.value: o.count
            for f in client.get("/en/startups/").context["facets"]
            if f.name == "phase"
            for o in f.options
        }["acceleration"],
        "stats": by_phase["acceleration"],
        "stats_today_row": {c.key: c.value for c in today_row.counts}["acceleration"],
        "api": sorted(s["id"] for s in api["results"]),
        "v27_csv": {r["id"]: r["status"] for r in csv_rows},
        "feed": "Data demain passe en phase accélération" in feed,
        "incubator": re.search(
            r'id="phase-acceleration-title".*?\((\d+) start-up', incubator_page, re.S
        ).group(1),
        "sponsor": re.search(
            r'id="phase-acceleration-title".*?\((\d+) start-up', sponsor_page, re.S
        ).group(1),
    }


def test_a_planned_phase_is_nowhere_current_before_its_day(client, planned):
    with _at(TODAY):
        figures = _figures(client)

    assert figures["home"] == figures["facet"] == 1
    assert figures["catalogue"] == ["deja"]
    assert figures["stats"] == figures["stats_today_row"] == 1
    assert figures["api"] == ["deja"]
    assert figures["v27_csv"]["data-demain"] == "construction"
    assert figures["feed"] is False
    assert figures["incubator"] == figures["sponsor"] == "1"


def test_a_planned_phase_becomes_current_on_its_day_without_saving(client, planned):
    with _at(TODAY):
        client.get("/en/")  # pages cached the day before
        client.get("/en/startups/", {"phase": "acceleration"})
    with _at(LATER):
        figures = _figures(client)

    assert figures["home"] == figures["facet"] == 2
    assert figures["catalogue"] == ["data-demain", "deja"]
    assert figures["stats"] == figures["stats_today_row"] == 2
    assert figures["api"] == ["data-demain", "deja"]
    assert figures["v27_csv"]["data-demain"] == "acceleration"
    assert figures["feed"] is True
    assert figures["incubator"] == figures["sponsor"] == "2"
    planned.refresh_from_db()
    assert (planned.current_phase, planned.current_phase_start) == (
        Phase.ACCELERATION,
        LATER,
    )


def test_the_daily_command_stores_the_phases_of_the_day(planned):
    with _at(LATER):
        out = StringIO()
        call_command("refresh_current_phases", "--dry-run", stdout=out)
        assert "data-demain" in out.getvalue()
        assert Startup.objects.get(slug="data-demain").current_phase == (
            Phase.CONSTRUCTION
        )

        updated_at = Startup.objects.get(slug="data-demain").updated_at
        out = StringIO()
        call_command("refresh_current_phases", stdout=out)
        assert "1 start-up(s) changed current phase on 2026-04-01" in out.getvalue()
        startup = Startup.objects.get(slug="data-demain")
        assert startup.current_phase == Phase.ACCELERATION
        # A phase beginning is not an edit of the sheet.
        assert startup.updated_at == updated_at

        out = StringIO()
        call_command("refresh_current_phases", stdout=out)
        assert "0 start-up(s) changed" in out.getvalue()


def test_the_page_shows_a_planned_phase_as_planned(client, planned):
    with _at(TODAY):
        html = client.get("/en/startups/data-demain/").content.decode()

    badge = re.search(r'id="current-phase">(.*?)</p>', html, re.S).group(1)
    assert "Construction" in badge
    items = re.findall(r"<li[^>]*>(.*?)</li>", html.split('id="phase-list"')[1], re.S)
    texts = [" ".join(re.sub("<[^>]+>", " ", i).split()) for i in items[:3]]
    assert texts[1] == "Construction — since 1 March 2023 (3 years, ongoing)"
    assert texts[2] == "Acceleration — planned from 1 April 2026"
    assert "startup-timeline__bar--planned" in html


def test_an_abandon_is_a_moment_and_a_last_phase_with_an_end_is_ended():
    def phase(name, start, end=None, position=0):
        return StartupPhase(phase=name, start=start, end=end, position=position)

    stopped = Timeline.of(
        [
            phase(Phase.CONSTRUCTION, dt.date(2021, 1, 1), None, 0),
            phase(Phase.ABANDONED, dt.date(2022, 1, 1), None, 1),
        ],
        today=dt.date(2024, 1, 1),
    )
    assert [r.state for r in stopped.rows] == ["done", "stop"]
    assert stopped.rows[0].end == dt.date(2022, 1, 1)
    # The chart ends with the abandon, not today: nothing grows after it.
    assert stopped.end == dt.date(2022, 1, 1)

    ended = Timeline.of(
        [
            phase(Phase.INVESTIGATION, dt.date(2021, 1, 1), None, 0),
            phase(Phase.CONSTRUCTION, dt.date(2021, 6, 1), dt.date(2023, 6, 1), 1),
        ],
        today=dt.date(2024, 1, 1),
    )
    assert [r.state for r in ended.rows] == ["done", "ended"]
    assert ended.rows[1].end == dt.date(2023, 6, 1)


def test_an_ended_phase_says_when_it_ended(client, make_startup):
    startup = make_startup(
        phases=[
            (Phase.INVESTIGATION, dt.date(2021, 1, 1)),
            (Phase.CONSTRUCTION, dt.date(2021, 6, 1), dt.date(2023, 6, 1)),
        ]
    )
    html = client.get(f"/startups/{startup.slug}/").content.decode()

    assert "du 1 juin 2021, terminée le 1 juin 2023" in html
    assert "en cours" not in html.split('id="phase-list"')[1].split("</ol>")[0]


def test_the_real_data_shows_data_etat_in_construction_until_may_2027(
    client, betagouv_data
):
    call_command("import_betagouv", str(betagouv_data), stdout=StringIO())
    today = timezone.localdate()
    data_etat = Startup.objects.get(slug="data.etat")
    if today < dt.date(2027, 5, 1):
        assert data_etat.current_phase == Phase.CONSTRUCTION
    # Nowhere a stored phase that has not begun.
    assert not Startup.objects.filter(current_phase_start__gt=today).exists()
    html = client.get("/en/startups/data.etat/").content.decode()
    assert "Acceleration — planned from 1 May 2027" in " ".join(
        re.sub("<[^>]+>", " ", html).split()
    )
    # The stats page's "today" row is its by-phase chart.
    startups = Startup.objects.published()
    today_row = stats.portfolio_by_year(startups, today=today)[-1]
    assert {c.key: c.value for c in today_row.counts} == {
        t.key: t.value for t in stats.by_current_phase(startups)
    }

    with _at(dt.date(2027, 5, 1)):
        client.get("/en/")
        data_etat.refresh_from_db()
        assert data_etat.current_phase == Phase.ACCELERATION


def test_the_end_of_the_service_is_a_moment_that_closes_the_current_phase(
    client, make_startup
):
    from startups.models import Event

    startup = make_startup(
        phases=[
            (Phase.INVESTIGATION, dt.date(2021, 1, 1)),
            (Phase.CONSOLIDATION, dt.date(2022, 1, 1)),
        ]
    )
    Event.objects.create(startup=startup, kind=Event.Kind.END, date=dt.date(2023, 3, 1))

    html = client.get(f"/en/startups/{startup.slug}/").content.decode()
    phases = " ".join(
        re.sub(
            "<[^>]+>", " ", html.split('id="phase-list"')[1].split("</ol>")[0]
        ).split()
    )
    assert "Consolidation — from 1 January 2022, ended on 1 March 2023" in phases
    assert "End of the service — on 1 March 2023" in phases
    assert "ongoing" not in phases
    assert "startup-timeline__moment--end" in html
