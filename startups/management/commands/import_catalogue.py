"""Restore a file written by export_catalogue into an empty database."""

from pathlib import Path

from django.core.management.base import BaseCommand

from startups.backup import import_catalogue


class Command(BaseCommand):
    help = (
        "Restore FILE (written by export_catalogue) into a database that holds no "
        "catalogue yet, in one transaction: all of it or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        counts = import_catalogue(file)
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count}")
        self.stdout.write(self.style.SUCCESS(f"Catalogue restored from {file}."))
