"""Fetch the impact indicators' values from their statistics addresses, because
the figures a service publishes should reach its sheet without anyone typing
them. Meant to run daily (cron): what fails keeps its last good values, and the
sheet's staff get an e-mail once per new error."""

from django.core.management.base import BaseCommand, CommandError

from startups.impact import fetch_indicators
from startups.indicators import Indicator
from startups.models import Startup


class Command(BaseCommand):
    help = (
        "Fetch every impact indicator that has a statistics address (JSON "
        "{description, stats: [{date, value}], periodicity, since}), https only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--startup",
            action="append",
            default=[],
            help="Only this start-up's indicators (its identifier; repeatable).",
        )
        parser.add_argument(
            "--no-email",
            action="store_true",
            help="Record errors on the indicators without e-mailing the staff.",
        )

    def handle(self, *args, startup, no_email, **options):
        indicators = Indicator.objects.all()
        if startup:
            found = set(
                Startup.objects.filter(slug__in=startup).values_list("slug", flat=True)
            )
            unknown = sorted(set(startup) - found)
            if unknown:
                raise CommandError(f"Unknown start-up: {', '.join(unknown)}")
            indicators = indicators.filter(startup__slug__in=startup)
        summary = fetch_indicators(indicators, notify=not no_email)
        for indicator, error in summary.failed:
            self.stderr.write(f"{indicator.startup.slug} / {indicator.label}: {error}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{summary.fetched} indicators fetched, {len(summary.failed)} failed, "
                f"{summary.notified} e-mails sent."
            )
        )
