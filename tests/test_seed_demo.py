from collections import defaultdict
from datetime import date
from io import StringIO
from itertools import pairwise

import pytest
from django.core.management import CommandError, call_command

from startups import demo
from startups.models import (
    Audience,
    Event,
    Incubator,
    Organisation,
    Phase,
    Startup,
    StartupPhase,
    Theme,
    current_phase_entry,
)
from startups.search import search, search_fields_of

pytestmark = pytest.mark.django_db

# The life cycle: where each phase may lead. Integration, operation, abandon and
# an inconclusive investigation end a history.
LIFE_CYCLE = {
    Phase.INVESTIGATION: {Phase.CONSTRUCTION, Phase.INCONCLUSIVE},
    Phase.CONSTRUCTION: {Phase.ACCELERATION, Phase.ABANDONED},
    Phase.ACCELERATION: {Phase.CONSOLIDATION, Phase.ABANDONED},
    Phase.CONSOLIDATION: {Phase.INTEGRATION, Phase.OPERATED, Phase.ABANDONED},
}


def seed(startups: int, seed: int = 1) -> str:
    out = StringIO()
    call_command(
        "seed_demo", "--startups", str(startups), "--seed", str(seed), stdout=out
    )
    return out.getvalue()


def histories() -> dict[int, list[StartupPhase]]:
    by_startup = defaultdict(list)
    for phase in StartupPhase.objects.order_by("startup_id", "position"):
        by_startup[phase.startup_id].append(phase)
    return by_startup


def catalogue() -> list[tuple]:
    """What a seed decides, without the database's ids."""
    return [
        (
            s.slug,
            s.title,
            s.mission,
            s.incubator.slug,
            sorted(t.slug for t in s.themes.all()),
            [(p.phase, p.start, p.end) for p in s.phases.all()],
            [(e.kind, e.date) for e in s.events.all()],
        )
        for s in Startup.objects.order_by("pk")
        .select_related("incubator")
        .prefetch_related("themes", "phases", "events")
    ]


def delete_catalogue() -> None:
    Startup.objects.all().delete()
    for model in (Incubator, Organisation, Theme, Audience):
        model.objects.all().delete()


def test_it_creates_the_startups_asked_for_with_the_current_phase_of_their_history():
    out = seed(50)

    assert "50 start-ups" in out
    assert Startup.objects.count() == 50
    by_startup = histories()
    for startup in Startup.objects.all():
        entry = current_phase_entry(by_startup[startup.pk])
        assert entry is not None, startup.slug
        assert (startup.current_phase, startup.current_phase_start) == (
            entry.phase,
            entry.start,
        ), startup.slug


def test_phases_are_chronological_do_not_overlap_and_follow_the_life_cycle():
    seed(200)

    for history in histories().values():
        assert [p.position for p in history] == list(range(len(history)))
        assert history[0].phase == Phase.INVESTIGATION
        assert date(2015, 1, 1) <= history[0].start
        for before, after in pairwise(history):
            assert before.start < after.start
            assert before.end is not None and before.end <= after.start
            assert after.phase in LIFE_CYCLE.get(before.phase, set())
        last = history[-1]
        assert last.start <= demo.REFERENCE_DATE
        assert last.end is None or last.start <= last.end <= demo.REFERENCE_DATE


def test_events_fall_inside_their_startups_history():
    seed(200)

    by_startup = histories()
    assert Event.objects.exists()
    for event in Event.objects.all():
        history = by_startup[event.startup_id]
        last = history[-1]
        # A stopped start-up has no event after it stopped.
        stopped = last.phase in (Phase.ABANDONED, Phase.INCONCLUSIVE)
        end = last.end or (last.start if stopped else demo.REFERENCE_DATE)
        assert history[0].start <= event.date <= end


def test_the_same_seed_gives_the_same_catalogue_on_a_fresh_database():
    seed(60, seed=7)
    first = catalogue()
    delete_catalogue()

    seed(60, seed=7)

    assert catalogue() == first
    delete_catalogue()
    seed(60, seed=8)
    assert [row[0] for row in catalogue()] != [row[0] for row in first]


def test_a_second_run_adds_startups_after_the_existing_ones_and_reuses_the_rest():
    seed(50)
    before = set(Startup.objects.values_list("slug", flat=True))
    last_pk = Startup.objects.order_by("pk").last().pk
    vocabulary = [m.objects.count() for m in (Incubator, Organisation, Theme, Audience)]

    out = seed(50)  # the same seed draws the same names: they must not clash

    assert "created 0 incubators, 0 organisations, 0 themes, 0 audiences" in out
    slugs = list(Startup.objects.values_list("slug", flat=True))
    assert len(slugs) == len(set(slugs)) == 100
    assert before < set(slugs)
    assert Startup.objects.filter(pk__gt=last_pk).count() == 50
    assert [
        m.objects.count() for m in (Incubator, Organisation, Theme, Audience)
    ] == vocabulary
    # The id sequence follows the explicit keys (PostgreSQL).
    later = Startup.objects.create(
        slug="apres-la-demo",
        title="Après la démo",
        mission="Vérifier la séquence.",
        incubator=Incubator.objects.first(),
    )
    assert later.pk > Startup.objects.exclude(pk=later.pk).order_by("pk").last().pk


def test_it_reuses_a_theme_that_already_exists_with_its_label():
    Theme.objects.create(slug="logement", label="Logement (déjà là)")

    seed(50)

    assert Theme.objects.get(slug="logement").label == "Logement (déjà là)"
    assert Theme.objects.count() == len(demo.SECTORS)


def test_every_startup_has_an_incubator_themes_and_audiences():
    seed(100)

    assert Incubator.objects.count() == len(demo.INCUBATORS)
    assert not Startup.objects.filter(themes=None).exists()
    assert not Startup.objects.filter(audiences=None).exists()
    for startup in Startup.objects.prefetch_related(
        "themes", "audiences", "sponsors", "co_incubators"
    ):
        assert startup.incubator_id is not None
        assert 1 <= len(startup.themes.all()) <= 3
        assert 1 <= len(startup.audiences.all()) <= 2
        assert len(startup.sponsors.all()) <= 3
        assert startup.incubator not in startup.co_incubators.all()


def test_startups_carry_the_search_text_of_their_rows_and_are_found_by_title():
    seed(30)

    for startup in Startup.objects.prefetch_related(
        "themes", "sponsors", "former_slugs"
    ):
        # As sets: the database may order accented labels differently.
        for column, text in search_fields_of(startup).items():
            assert set(getattr(startup, column).split()) == set(text.split())
    startup = Startup.objects.order_by("pk").first()
    assert startup in search(Startup.objects.all(), startup.title)


def test_a_negative_number_of_startups_is_refused():
    with pytest.raises(CommandError, match="--startups must be 0 or more"):
        call_command("seed_demo", "--startups", "-1", stdout=StringIO())
    assert not Startup.objects.exists()


def test_a_dry_run_writes_nothing():
    out = StringIO()
    call_command("seed_demo", "--startups", "20", "--dry-run", stdout=out)

    assert "nothing was written" in out.getvalue()
    assert not Startup.objects.exists()
    assert not Incubator.objects.exists()
