"""Import beta.gouv.fr's catalogue files, so the site shows the real network."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from startups.betagouv.reader import read_catalogue
from startups.models import Incubator, Organisation
from startups.services import import_catalogue
from startups.source_dates import git_commit_dates

KINDS = ("organisations", "incubators", "themes", "audiences", "startups")


class Command(BaseCommand):
    help = (
        "Import a folder laid out like beta.gouv.fr's data (startups/, incubators/, "
        "organisations/, phases/, or the _-prefixed folders of a beta.gouv.fr "
        "checkout's content/). Files that cannot be used are listed with their "
        "field; the others are imported unless --strict is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="the folder to import")
        parser.add_argument(
            "--strict",
            action="store_true",
            help="write nothing at all if any file has a problem",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="report what would change, and write nothing",
        )

    def handle(self, *args, path: Path, strict: bool, dry_run: bool, **options):
        catalogue = read_catalogue(
            path,
            known_organisations=Organisation.objects.values_list("slug", flat=True),
            known_incubators=Incubator.objects.values_list("slug", flat=True),
        )
        failed = catalogue.failed_files
        if not any(catalogue.files_read.values()) and not failed:
            raise CommandError(f"{path}: no file to import.")
        if failed and strict:
            self._report_problems(catalogue.problems)
            raise CommandError(
                f"{len(failed)} file(s) could not be imported; --strict: nothing "
                "was written."
            )

        # New sheets date from their file's last commit in a git checkout.
        summary = import_catalogue(
            catalogue, dry_run=dry_run, source_dates=git_commit_dates(path)
        )

        for warning in summary.warnings:
            self.stderr.write(self.style.WARNING(f"warning: {warning}"))
        for kind in KINDS:
            self.stdout.write(
                f"{kind.capitalize()}: {summary.created[kind]} created, "
                f"{summary.updated[kind]} updated, {summary.unchanged[kind]} "
                f"unchanged"
                + (
                    f", {_failed_count(failed, kind)} failed"
                    if kind != "themes" and kind != "audiences"
                    else ""
                )
            )
        for fix, count in sorted(catalogue.fixes.items()):
            self.stdout.write(f"Normalised: {fix}: {count}")
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was written."))
        elif not summary.changed:
            self.stdout.write(self.style.SUCCESS("Nothing changed."))
        else:
            self.stdout.write(self.style.SUCCESS("Import done."))
        if failed:
            self._report_problems(catalogue.problems)
            raise CommandError(
                f"{len(failed)} file(s) could not be imported: {', '.join(failed)}"
            )

    def _report_problems(self, problems):
        for problem in problems:
            self.stderr.write(self.style.ERROR(f"error: {problem}"))


def _failed_count(failed: list[str], kind: str) -> int:
    return sum(1 for path in failed if path.lstrip("_").startswith(kind))
