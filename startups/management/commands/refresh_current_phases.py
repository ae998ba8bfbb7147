"""Make planned phases current on their day, so that counts, filters, feeds and
the open-data files change on that day without anyone saving the sheet. Meant
to run daily from cron, just after midnight (see the README)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from startups import daily
from startups.services import refresh_due_phases


class Command(BaseCommand):
    help = (
        "Store the current phase of every start-up whose planned phase has "
        "begun (a phase is current from its start date). Run it daily."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List the start-ups whose current phase would change; write nothing.",
        )

    def handle(self, *, dry_run, **options):
        today = timezone.localdate()
        due = refresh_due_phases(today=today, dry_run=dry_run)
        for startup in due:
            self.stdout.write(startup.slug)
        if dry_run:
            self.stdout.write(
                self.style.WARNING(f"Dry run: {len(due)} start-up(s) would change.")
            )
            return
        daily.mark_refreshed(today)
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(due)} start-up(s) changed current phase on {today.isoformat()}."
            )
        )
