import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, transaction

from startups.betagouv.reader import PhaseRecord
from startups.models import Phase, Startup, StartupPhase, current_phase_entry
from startups.services import set_phase_history

pytestmark = pytest.mark.django_db


def entry(start, position, phase="x"):
    return SimpleNamespace(start=start, position=position, phase=phase)


def test_the_current_phase_is_the_latest_start_and_then_the_later_listed():
    history = [
        entry(dt.date(2022, 1, 1), 0, "investigation"),
        entry(dt.date(2023, 1, 1), 1, "construction"),
        entry(dt.date(2023, 1, 1), 2, "acceleration"),
        entry(dt.date(2021, 1, 1), 3, "abandoned"),
    ]
    assert current_phase_entry(history).phase == "acceleration"
    assert current_phase_entry([]) is None


def test_writing_the_phase_history_stores_the_current_phase(make_startup):
    startup = make_startup(phases=[(Phase.INVESTIGATION, dt.date(2022, 1, 1))])

    set_phase_history(
        startup=startup,
        phases=[
            PhaseRecord(Phase.INVESTIGATION, dt.date(2022, 1, 1), dt.date(2022, 6, 1)),
            PhaseRecord(Phase.CONSTRUCTION, dt.date(2022, 6, 1), None, "", 1),
        ],
    )

    startup.refresh_from_db()
    assert startup.current_phase == Phase.CONSTRUCTION
    assert startup.current_phase_start == dt.date(2022, 6, 1)
    assert startup.phases.count() == 2


@pytest.mark.parametrize(
    "row, constraint",
    [
        (
            {"phase": Phase.INVESTIGATION, "start": dt.date(2022, 1, 1)},
            # PostgreSQL names the constraint, SQLite its columns.
            "startupphase_unique_phase|startups_startupphase.startup_id, "
            "startups_startupphase.phase",
        ),
        (
            {
                "phase": Phase.CONSTRUCTION,
                "start": dt.date(2022, 5, 1),
                "end": dt.date(2022, 4, 1),
            },
            "startupphase_end_not_before_start",
        ),
        (
            {"phase": "hibernation", "start": dt.date(2022, 1, 1)},
            "startupphase_phase_known",
        ),
    ],
)
def test_the_database_refuses_an_impossible_phase_row(make_startup, row, constraint):
    startup = make_startup(phases=[(Phase.INVESTIGATION, dt.date(2022, 1, 1))])

    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        StartupPhase.objects.create(startup=startup, **row)


@pytest.mark.parametrize(
    "fields, constraint",
    [
        ({"fast_promotion": 12}, "startup_fast_promotion_and_amount_together"),
        ({"accessibility_status": "bof"}, "startup_accessibility_status_known"),
        ({"title": ""}, "startup_title_not_empty"),
    ],
)
def test_the_database_refuses_an_impossible_startup(make_startup, fields, constraint):
    startup = make_startup()

    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Startup.objects.filter(pk=startup.pk).update(**fields)


def test_slugs_are_unique(make_startup):
    make_startup(slug="1000.premiers.jours")

    with pytest.raises(IntegrityError), transaction.atomic():
        make_startup(slug="1000.premiers.jours")


def test_counts_by_current_phase_are_one_grouped_query(
    make_startup, django_assert_num_queries
):
    for phase in (Phase.CONSTRUCTION, Phase.CONSTRUCTION, Phase.ACCELERATION):
        make_startup(phases=[(phase, dt.date(2022, 1, 1))])

    with django_assert_num_queries(1):
        counts = Startup.objects.count_by_current_phase()

    assert counts == {Phase.CONSTRUCTION: 2, Phase.ACCELERATION: 1}
