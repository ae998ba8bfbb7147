"""Fill a database with a fictitious catalogue, for demos and load tests."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from startups.demo import seed_demo


class Command(BaseCommand):
    help = (
        "Add N fictitious start-ups, with phase histories, events and the demo "
        "incubators, organisations, themes and audiences they use, after those the "
        "database already holds. The same seed on the same database gives the same "
        "catalogue."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--startups",
            type=int,
            default=300,
            metavar="N",
            help="how many start-ups to add (default: 300)",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=1,
            metavar="S",
            help="seed of the random generator (default: 1)",
        )
        parser.add_argument(
            "--without-history",
            action="store_true",
            help="write no version of the new sheets in their history (for the "
            "benchmark's throwaway databases; a later migrate gives each one)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="generate and write everything, then roll it back (to time it)",
        )

    def handle(
        self,
        *args,
        startups: int,
        seed: int,
        dry_run: bool,
        without_history: bool,
        **options,
    ):
        if startups < 0:
            raise CommandError(f"--startups must be 0 or more, not {startups}.")
        started = time.perf_counter()
        with transaction.atomic():
            summary = seed_demo(
                startups=startups, seed=seed, history=not without_history
            )
            if dry_run:
                transaction.set_rollback(True)
        elapsed = time.perf_counter() - started
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was written."))
        self.stdout.write(
            self.style.SUCCESS(f"Demo data: {summary} ({elapsed:.1f} s).")
        )
