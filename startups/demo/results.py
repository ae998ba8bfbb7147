"""The demo's results: certifications by the national team, reasons for
stopping and successors, for the demo's own sheets only (real imported sheets
get none invented), and their transparency scores. Called once by
demo.seed_demo, before the sheets' first versions are written."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable

from django.utils import timezone

from startups.models import ImpactCertification, Phase, Startup, StopReason
from startups.services import refresh_transparency

STOPPED = (Phase.ABANDONED, Phase.INCONCLUSIVE)
# Where a service has got to before the national team looks at its impact.
ADVANCED = (
    Phase.ACCELERATION,
    Phase.CONSOLIDATION,
    Phase.INTEGRATION,
    Phase.OPERATED,
)
STOP_COMMENTS = (
    "Le besoin n'a pas été confirmé auprès des usagers rencontrés.",
    "L'administration a choisi de reprendre le sujet dans un projet existant.",
    "Faute de sponsor pour la phase suivante, l'équipe a arrêté le service.",
    "Le service a été fusionné avec un produit plus large du même ministère.",
    "",
)
_CHUNK = 1000


def fill_results(startup_ids: Iterable[int], *, seed: int = 1) -> None:
    """Give these sheets plausible certifications, stop reasons and
    successors (the same seed gives the same values), then score them."""
    rng = random.Random(seed * 7919)
    ids = list(startup_ids)
    reasons = list(StopReason.objects.order_by("pk").values_list("pk", flat=True))
    now = timezone.now()
    # Successors are taken among sheets started later, so that a chain of
    # "continued as" never loops.
    rows = list(
        Startup.objects.filter(pk__in=ids)
        .order_by("started_on", "pk")
        .values_list("pk", "current_phase", "started_on")
    )
    later_ongoing = [
        (pk, started) for pk, phase, started in rows if phase not in STOPPED
    ]
    updates: list[Startup] = []
    for pk, phase, started in rows:
        startup = Startup(pk=pk)
        startup.impact_certification = ImpactCertification.NONE
        startup.impact_certification_on = None
        startup.certification_set_at = None
        startup.stop_reason_id = None
        startup.stop_comment = ""
        startup.successor_id = None
        if phase in ADVANCED and started is not None:
            level = rng.choices(
                list(ImpactCertification), weights=[40, 30, 20, 10], k=1
            )[0]
            if level != ImpactCertification.NONE:
                startup.impact_certification = level
                startup.impact_certification_on = min(
                    started + dt.timedelta(days=rng.randint(200, 1200)),
                    timezone.localdate(),
                )
                startup.certification_set_at = now
        if phase in STOPPED:
            if reasons and rng.random() < 0.8:
                startup.stop_reason_id = rng.choice(reasons)
                startup.stop_comment = rng.choice(STOP_COMMENTS)
            if started is not None and rng.random() < 0.25:
                candidates = [p for p, s in later_ongoing if s and s > started]
                if candidates:
                    startup.successor_id = rng.choice(candidates[:50])
        updates.append(startup)
    Startup.objects.bulk_update(
        updates,
        [
            "impact_certification",
            "impact_certification_on",
            "certification_set_at",
            "stop_reason",
            "stop_comment",
            "successor",
        ],
        batch_size=_CHUNK,
    )
    refresh_transparency(ids)
