"""A sheet's budget uploaded as a CSV file in the network's reference model:
parsed and checked line by line (no database write), then written in one
transaction (replace_budget), or refused whole with every line's problems.

Columns (a header line first; French or English names, in any order):
  année / year                  2013 to this year + 5
  catégorie / category          a category's identifier or label (French or English)
  montant / amount              whole euros, not negative ("12 000", "12000,00")
  nature / kind                 réalisé / actual, prévisionnel / forecast
  source                        incubateur / incubator, FAST, autre / other, or a
                                sponsor organisation's identifier, acronym or name
  date / statement_date         the statement's date: 2025-06-30 or 30/06/2025
Separated by semicolons or commas, UTF-8 with or without a byte order mark."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from startups.catalogue_version import bump_catalogue_version
from startups.history import save_sheet_versions
from startups.models import (
    BUDGET_FIRST_YEAR,
    BudgetCategory,
    BudgetKind,
    BudgetLine,
    FundingSource,
    Organisation,
    Startup,
    last_budget_year,
)
from startups.search import normalise_text
from startups.services import refresh_transparency

MAX_BYTES = 512 * 1024
MAX_LINES = 2000
# How many problems a refusal lists (the rest are counted).
MAX_PROBLEMS = 50

# Column -> the header names it goes by (compared without case or accents).
COLUMNS = {
    "year": ("annee", "year", "exercice"),
    "category": ("categorie", "category"),
    "amount": ("montant", "amount", "montant (euros)", "amount (euros)"),
    "kind": ("nature", "kind", "type", "realise ou previsionnel"),
    "source": ("source", "financeur", "funding source", "source de financement"),
    "stated_on": (
        "date",
        "date du releve",
        "date de releve",
        "statement date",
        "statement_date",
    ),
}
KINDS = {
    "realise": BudgetKind.ACTUAL,
    "reel": BudgetKind.ACTUAL,
    "actual": BudgetKind.ACTUAL,
    "previsionnel": BudgetKind.FORECAST,
    "prevision": BudgetKind.FORECAST,
    "forecast": BudgetKind.FORECAST,
}
SOURCES = {
    "incubateur": FundingSource.INCUBATOR,
    "incubator": FundingSource.INCUBATOR,
    "fast": FundingSource.FAST,
    "autre": FundingSource.OTHER,
    "other": FundingSource.OTHER,
}


class BudgetFileRefused(Exception):
    """The file can't be taken as it is; `problems` say why, line by line."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ParsedLine:
    line: int
    year: int
    category: BudgetCategory
    amount: int
    kind: str
    source: str
    sponsor: Organisation | None
    stated_on: dt.date


def _key(text: str) -> str:
    return " ".join(normalise_text(text or "").replace("_", " ").split())


def _text(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise BudgetFileRefused(
            [
                _("The file is too large: %(max)d KB at most.")
                % {"max": MAX_BYTES // 1024}
            ]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BudgetFileRefused(
            [_("The file is not in UTF-8: save it as “CSV UTF-8” and try again.")]
        ) from error
    if "\x00" in text:
        raise BudgetFileRefused([_("The file is not a CSV text file.")])
    return text


def _fragment(error: ValueError) -> str:
    """A sentence as a part of a line's list of problems."""
    text = str(error).rstrip(".")
    return text[:1].lower() + text[1:]


def _delimiter(first_line: str) -> str:
    return ";" if first_line.count(";") >= first_line.count(",") else ","


def _amount(value: str) -> int:
    text = re.sub(r"[\s\u00a0\u202f€]", "", value)
    match = re.fullmatch(r"(-?)(\d+)(?:[.,](\d{1,2}))?", text)
    if not match:
        raise ValueError(_("“%(value)s” is not an amount in euros.") % {"value": value})
    sign, euros, cents = match.groups()
    if sign:
        raise ValueError(_("An amount cannot be negative."))
    if cents and int(cents):
        raise ValueError(_("Give the amount in whole euros."))
    amount = int(euros)
    if amount > 2_000_000_000:
        raise ValueError(_("This amount is too large."))
    return amount


def _date(value: str) -> dt.date:
    value = value.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(
        _("“%(value)s” is not a date (2025-06-30 or 30/06/2025).") % {"value": value}
    )


def parse_budget_csv(data: bytes) -> list[ParsedLine]:
    """The file's lines, checked; raises BudgetFileRefused with every problem
    (by line number, the header being line 1). Reads the categories and
    organisations (two queries), writes nothing."""
    text = _text(data)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise BudgetFileRefused([_("The file is empty.")])
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(lines[0]))
    header = next(reader)
    names = {alias: column for column, aliases in COLUMNS.items() for alias in aliases}
    positions: dict[str, int] = {}
    for i, heading in enumerate(header):
        column = names.get(_key(heading))
        if column and column not in positions:
            positions[column] = i
    missing = [column for column in COLUMNS if column not in positions]
    if missing:
        raise BudgetFileRefused(
            [
                _("Line 1: missing columns: %(columns)s.")
                % {"columns": ", ".join(COLUMNS[c][0] for c in missing)}
            ]
        )

    categories: dict[str, BudgetCategory] = {}
    for known in BudgetCategory.objects.all():
        for name in (known.slug, known.label, known.label_en):
            if name:
                categories.setdefault(_key(name), known)
    organisations: dict[str, Organisation] = {}
    for organisation in Organisation.objects.only("pk", "slug", "name", "acronym"):
        for name in (organisation.slug, organisation.acronym, organisation.name):
            if name:
                organisations.setdefault(_key(name), organisation)

    parsed: list[ParsedLine] = []
    problems: list[str] = []
    actual_lines: dict[tuple, int] = {}
    last_year = last_budget_year()
    for row in reader:
        number = reader.line_num
        if not any(text.strip() for text in row):
            continue
        if len(parsed) + len(problems) >= MAX_LINES:
            raise BudgetFileRefused(
                [_("The file has more than %(max)d lines.") % {"max": MAX_LINES}]
            )
        cell = {
            column: (row[i].strip() if i < len(row) else "")
            for column, i in positions.items()
        }
        errors = []
        year = None
        try:
            year = int(cell["year"])
            if not BUDGET_FIRST_YEAR <= year <= last_year:
                errors.append(
                    _("year %(year)s is not from %(first)s to %(last)s")
                    % {"year": year, "first": BUDGET_FIRST_YEAR, "last": last_year}
                )
                year = None
        except ValueError:
            errors.append(_("“%(value)s” is not a year") % {"value": cell["year"]})
        category = categories.get(_key(cell["category"]))
        if category is None:
            errors.append(
                _("unknown category “%(value)s”") % {"value": cell["category"]}
            )
        amount = None
        try:
            amount = _amount(cell["amount"])
        except ValueError as error:
            errors.append(_fragment(error))
        kind = KINDS.get(_key(cell["kind"]))
        if kind is None:
            errors.append(
                _("“%(value)s” is neither actual (réalisé) nor forecast (prévisionnel)")
                % {"value": cell["kind"]}
            )
        source_key = _key(cell["source"])
        source, sponsor = SOURCES.get(source_key), None
        if source is None:
            sponsor = organisations.get(source_key)
            if sponsor is None:
                errors.append(
                    _(
                        "unknown source “%(value)s” (incubator, FAST, other or a "
                        "sponsor organisation)"
                    )
                    % {"value": cell["source"]}
                )
            source = FundingSource.SPONSOR
        stated_on = None
        try:
            stated_on = _date(cell["stated_on"])
        except ValueError as error:
            errors.append(_fragment(error))
        if kind == BudgetKind.ACTUAL and year and category:
            earlier = actual_lines.setdefault((year, category.pk), number)
            if earlier != number:
                errors.append(
                    _(
                        "a second actual line for %(year)s and “%(category)s” "
                        "(first on line %(line)d)"
                    )
                    % {"year": year, "category": category, "line": earlier}
                )
        if errors:
            problems.append(
                _("Line %(line)d: %(errors)s.")
                % {
                    "line": number,
                    "errors": pgettext("between problems", "; ").join(errors),
                }
            )
            continue
        # No error: every value was read.
        assert year and category and amount is not None and kind and stated_on
        parsed.append(
            ParsedLine(number, year, category, amount, kind, source, sponsor, stated_on)
        )
    if problems:
        if len(problems) > MAX_PROBLEMS:
            more = len(problems) - MAX_PROBLEMS
            problems = problems[:MAX_PROBLEMS] + [
                _("… and %(n)d more lines with problems.") % {"n": more}
            ]
        raise BudgetFileRefused(problems)
    if not parsed:
        raise BudgetFileRefused([_("The file has no budget line.")])
    return parsed


@transaction.atomic
def replace_budget(*, startup: Startup, lines: list[ParsedLine], user) -> int:
    """Put `lines` in place of the sheet's budget lines, as one revision of its
    history. Returns the number of lines written."""
    locked = Startup.objects.select_for_update().get(pk=startup.pk)
    BudgetLine.objects.filter(startup=locked).delete()
    BudgetLine.objects.bulk_create(
        BudgetLine(
            startup=locked,
            year=line.year,
            category=line.category,
            amount=line.amount,
            kind=line.kind,
            source=line.source,
            sponsor=line.sponsor,
            stated_on=line.stated_on,
        )
        for line in lines
    )
    Startup.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
    save_sheet_versions([locked.pk], comment=_("Budget uploaded (CSV file)"), user=user)
    # The budget criterion of its transparency score.
    refresh_transparency([locked.pk])
    bump_catalogue_version()
    return len(lines)


def upload_budget(*, startup: Startup, data: bytes, user) -> int:
    """Check the file, then replace the sheet's budget with it: all or
    nothing. Raises BudgetFileRefused, writing nothing, on any problem."""
    return replace_budget(startup=startup, lines=parse_budget_csv(data), user=user)
