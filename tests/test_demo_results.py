"""The demo's certifications, stop reasons and successors (startups.demo.results):
plausible, on the demo's sheets only; the real data gets none invented."""

import importlib

import pytest
from django.apps import apps
from django.core.management import call_command

from startups.demo import seed_demo
from startups.models import ImpactCertification, Phase, Startup

pytestmark = pytest.mark.django_db
STOPPED = {Phase.ABANDONED, Phase.INCONCLUSIVE}


def test_the_demo_fills_every_results_section_plausibly():
    # The list's defaults, as migrate leaves them (the browser tests flush them).
    importlib.import_module(
        "startups.migrations.0018_certification_stops"
    ).add_stop_reasons(apps, None)

    seed_demo(startups=300, seed=2, history=False)

    startups = list(Startup.objects.all())
    levels = {s.impact_certification for s in startups}
    assert levels == set(ImpactCertification.values)
    for s in startups:
        if s.impact_certification != ImpactCertification.NONE:
            assert s.impact_certification_on is not None
            assert s.current_phase not in STOPPED
        if s.stop_reason_id:
            assert s.current_phase in STOPPED
    with_reason = [s for s in startups if s.stop_reason_id]
    assert with_reason
    successors = [s for s in startups if s.successor_id]
    assert successors
    by_pk = {s.pk: s for s in startups}
    for s in successors:
        # A successor started later: a chain never loops.
        assert by_pk[s.successor_id].started_on > s.started_on
    assert len({s.transparency_score for s in startups}) > 3
    # The same seed gives the same values.
    assert Startup.objects.exclude(impact_certification="none").count() == sum(
        s.impact_certification != "none" for s in startups
    )


def test_the_real_data_gets_no_certification_reason_nor_successor(betagouv_data):
    call_command("import_betagouv", str(betagouv_data), stdout=None)

    assert Startup.objects.exists()
    assert not Startup.objects.exclude(impact_certification="none").exists()
    assert not Startup.objects.filter(stop_reason__isnull=False).exists()
    assert not Startup.objects.filter(successor__isnull=False).exists()
    assert not Startup.objects.filter(certification_set_by__isnull=False).exists()
