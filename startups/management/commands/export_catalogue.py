"""Write the whole catalogue (no personal data) to one portable JSON file."""

from pathlib import Path

from django.core.management.base import BaseCommand

from startups.backup import export_catalogue


class Command(BaseCommand):
    help = (
        "Write the catalogue (start-ups, phases, events, former slugs, incubators, "
        "organisations, themes, audiences and their history; no users) to FILE, "
        "which import_catalogue restores."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        counts = export_catalogue(file)
        for label, count in counts.items():
            self.stdout.write(f"{label}: {count}")
        self.stdout.write(self.style.SUCCESS(f"Catalogue written to {file}."))
