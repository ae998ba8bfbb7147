"""Writes of impact indicators' values: a CSV uploaded by staff, and the
values fetched from a service's statistics address (`manage.py
fetch_indicators`). Reading and checking come first, with no database write;
each write is then one transaction, all or nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from startups import safe_fetch
from startups.catalogue_version import bump_catalogue_version
from startups.indicators import (
    MAX_ABS_VALUE,
    MAX_VALUES_PER_INDICATOR,
    Indicator,
    IndicatorValue,
    Periodicity,
)
from startups.models import Startup

logger = logging.getLogger(__name__)

EARLIEST_DATE = dt.date(1990, 1, 1)
# An uploaded CSV: at most this many bytes and lines.
CSV_MAX_BYTES = 2_000_000
CSV_MAX_LINES = 50_000
# A fetched statistics file: at most this many bytes, in this many seconds
# (connecting in CONNECT_TIMEOUT at most).
STATS_MAX_BYTES = 1_000_000
FETCH_TIMEOUT = 15.0
CONNECT_TIMEOUT = 5.0


@dataclass
class Point:
    date: dt.date
    value: Decimal


# Values are read as decimals: six places, |value| < 10^15 (the column's bounds).
_QUANTUM = Decimal("0.000001")


def parse_value(text) -> Decimal | None:
    """A value as a decimal, or None when it is not a finite number within
    bounds. Accepts a decimal comma ("12,5") and spaces between thousands."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        if isinstance(text, float) and not math.isfinite(text):
            return None
        text = repr(text) if isinstance(text, float) else str(text)
    if not isinstance(text, str):
        return None
    cleaned = text.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite() or abs(value) >= MAX_ABS_VALUE:
        return None
    return value.quantize(_QUANTUM)


def parse_date(text, *, today: dt.date) -> dt.date | None:
    """An ISO date (YYYY-MM-DD) from 1990 to tomorrow, else None."""
    if not isinstance(text, str) or len(text.strip()) != 10:
        return None
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        return None
    if not EARLIEST_DATE <= day <= today + dt.timedelta(days=1):
        return None
    return day


# --- CSV upload --------------------------------------------------------------


class CsvRefused(Exception):
    """The upload's problems, each "line N: what is wrong"; nothing written."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


CSV_COLUMNS = ("indicator", "date", "value")


def read_values_csv(
    data: bytes, *, indicators: Iterable[Indicator], today: dt.date
) -> list[tuple[Indicator, Point]]:
    """The rows of an uploaded CSV (columns indicator, date, value; the
    indicator named by its label; a comma or semicolon between columns), or
    CsvRefused listing every line that is wrong."""
    if len(data) > CSV_MAX_BYTES:
        raise CsvRefused(
            [_("The file is larger than %(n)s bytes.") % {"n": CSV_MAX_BYTES}]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CsvRefused([_("The file is not UTF-8 text.")]) from error
    if "\x00" in text:
        raise CsvRefused([_("The file is not UTF-8 text.")])
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    by_label = {i.label.casefold(): i for i in indicators}
    errors: list[str] = []
    rows: list[tuple[Indicator, Point]] = []
    seen: dict[tuple[int, dt.date], int] = {}
    try:
        header = [cell.strip().casefold() for cell in next(reader, [])]
        if header != list(CSV_COLUMNS):
            raise CsvRefused(
                [
                    _("Line 1: the columns must be %(columns)s.")
                    % {"columns": ", ".join(CSV_COLUMNS)}
                ]
            )
        for line_number, cells in enumerate(reader, start=2):
            if line_number > CSV_MAX_LINES + 1:
                errors.append(
                    _("More than %(n)s lines: refused.") % {"n": CSV_MAX_LINES}
                )
                break
            if not any(cell.strip() for cell in cells):
                continue
            problem = None
            if len(cells) != 3:
                problem = _("3 columns expected, %(n)s found.") % {"n": len(cells)}
            else:
                label, day_text, value_text = cells
                indicator = by_label.get(label.strip().casefold())
                day = parse_date(day_text, today=today)
                value = parse_value(value_text)
                if indicator is None:
                    problem = _("this sheet has no indicator “%(label)s”.") % {
                        "label": label.strip()[:100]
                    }
                elif day is None:
                    problem = _(
                        "“%(date)s” is not a date (YYYY-MM-DD, from 1990 to today)."
                    ) % {"date": day_text.strip()[:30]}
                elif value is None:
                    problem = _("“%(value)s” is not a number.") % {
                        "value": value_text.strip()[:30]
                    }
                elif (indicator.pk, day) in seen:
                    problem = _("the same indicator and date as line %(n)s.") % {
                        "n": seen[(indicator.pk, day)]
                    }
                else:
                    seen[(indicator.pk, day)] = line_number
                    rows.append((indicator, Point(day, value)))
            if problem:
                errors.append(
                    _("Line %(n)s: %(problem)s")
                    % {"n": line_number, "problem": problem}
                )
    except csv.Error as error:
        errors.append(_("The file is not valid CSV: %(error)s") % {"error": error})
    if errors:
        raise CsvRefused(errors[:50])
    if not rows:
        raise CsvRefused([_("The file holds no value.")])
    return rows


def import_indicator_values(
    *, startup: Startup, data: bytes, today: dt.date | None = None
) -> int:
    """Write the values of an uploaded CSV to the sheet's indicators: all of
    them, or none (CsvRefused). A value on a date that already has one replaces
    it. Returns the number of values written."""
    today = today or timezone.localdate()
    with transaction.atomic():
        indicators = list(Indicator.objects.filter(startup=startup))
        rows = read_values_csv(data, indicators=indicators, today=today)
        _check_room(rows)
        _upsert(rows)
        bump_catalogue_version()
    return len(rows)


def _check_room(rows: list[tuple[Indicator, Point]]) -> None:
    by_indicator: dict[int, set[dt.date]] = {}
    for indicator, point in rows:
        by_indicator.setdefault(indicator.pk, set()).add(point.date)
    existing: dict[int, set[dt.date]] = {}
    for indicator_id, day in IndicatorValue.objects.filter(
        indicator_id__in=by_indicator
    ).values_list("indicator_id", "date"):
        existing.setdefault(indicator_id, set()).add(day)
    for indicator_id, days in by_indicator.items():
        if len(days | existing.get(indicator_id, set())) > MAX_VALUES_PER_INDICATOR:
            raise CsvRefused(
                [
                    _("An indicator keeps %(n)s values at most.")
                    % {"n": MAX_VALUES_PER_INDICATOR}
                ]
            )


def _upsert(rows: list[tuple[Indicator, Point]]) -> None:
    IndicatorValue.objects.bulk_create(
        [IndicatorValue(indicator=i, date=p.date, value=p.value) for i, p in rows],
        update_conflicts=True,
        unique_fields=["indicator", "date"],
        update_fields=["value"],
        batch_size=500,
    )


# --- Fetching ----------------------------------------------------------------


@dataclass
class Stats:
    """A statistics file as the network publishes it: {description, stats:
    [{date, value}], periodicity, since}."""

    points: list[Point]
    description: str = ""
    periodicity: str = ""


def _refuse_constant(name):
    raise ValueError(name)


def parse_stats(body: bytes, *, today: dt.date) -> Stats:
    """The checked content of a statistics file, or FetchError saying what is
    wrong: a JSON object whose "stats" is a list of at most
    MAX_VALUES_PER_INDICATOR {date: "YYYY-MM-DD", value: number} with distinct
    dates; "description", "periodicity" and "since" optional."""
    refused = safe_fetch.FetchError
    try:
        data = json.loads(body.decode("utf-8-sig"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise refused(_("The answer is not valid JSON.")) from error
    if not isinstance(data, dict):
        raise refused(_("The answer is not a JSON object."))
    stats = data.get("stats")
    if not isinstance(stats, list):
        raise refused(_("The answer has no “stats” list."))
    if len(stats) > MAX_VALUES_PER_INDICATOR:
        raise refused(
            _("More than %(n)s values: refused.") % {"n": MAX_VALUES_PER_INDICATOR}
        )
    points, seen = [], set()
    for position, item in enumerate(stats, start=1):
        if not isinstance(item, dict):
            raise refused(
                _("Value %(n)s is not an object {date, value}.") % {"n": position}
            )
        day = parse_date(item.get("date"), today=today)
        raw = item.get("value")
        value = parse_value(raw) if isinstance(raw, int | float) else None
        if day is None:
            raise refused(
                _("Value %(n)s has no valid date (YYYY-MM-DD).") % {"n": position}
            )
        if value is None:
            raise refused(_("Value %(n)s is not a number.") % {"n": position})
        if day in seen:
            raise refused(_("Two values on %(date)s.") % {"date": day.isoformat()})
        seen.add(day)
        points.append(Point(day, value))
    description = data.get("description", "")
    periodicity = data.get("periodicity", "")
    if not isinstance(description, str):
        raise refused(_("“description” is not a text."))
    if periodicity and periodicity not in Periodicity.values:
        raise refused(
            _("Unknown periodicity “%(value)s”.") % {"value": str(periodicity)[:30]}
        )
    since = data.get("since")
    if since is not None and parse_date(since, today=today) is None:
        raise refused(_("“since” is not a date (YYYY-MM-DD)."))
    return Stats(points, description[:2000], periodicity or "")


@dataclass
class FetchSummary:
    fetched: int = 0
    failed: list[tuple[Indicator, str]] = field(default_factory=list)
    notified: int = 0


def fetch_indicator(
    indicator: Indicator, *, today: dt.date, limits: safe_fetch.Limits | None = None
) -> str | None:
    """Fetch one indicator's statistics address and write its values (added,
    or replacing those on the same dates; earlier ones are kept). Returns the
    error, None on success; on an error the values stay as they were and the
    error is recorded on the indicator."""
    limits = limits or safe_fetch.Limits(
        connect_timeout=min(CONNECT_TIMEOUT, FETCH_TIMEOUT),
        total_timeout=FETCH_TIMEOUT,
        max_bytes=STATS_MAX_BYTES,
    )
    try:
        body = safe_fetch.fetch(indicator.source_url, limits=limits)
        stats = parse_stats(body, today=today)
        _write_stats(indicator, stats)
    except safe_fetch.FetchError as error:
        message = str(error)
        Indicator.objects.filter(pk=indicator.pk).update(
            last_error=message, last_error_at=timezone.now()
        )
        return message
    return None


def _write_stats(indicator: Indicator, stats: Stats) -> None:
    with transaction.atomic():
        rows = [(indicator, p) for p in stats.points]
        known = set(
            IndicatorValue.objects.filter(indicator=indicator).values_list(
                "date", flat=True
            )
        )
        if len(known | {p.date for p in stats.points}) > MAX_VALUES_PER_INDICATOR:
            raise safe_fetch.FetchError(
                _("An indicator keeps %(n)s values at most.")
                % {"n": MAX_VALUES_PER_INDICATOR}
            )
        if rows:
            _upsert(rows)
        changes = {"last_fetched_at": timezone.now(), "last_error": ""}
        if stats.periodicity:
            changes["periodicity"] = stats.periodicity
        Indicator.objects.filter(pk=indicator.pk).update(last_error_at=None, **changes)
        bump_catalogue_version()


def fetch_indicators(
    indicators, *, today: dt.date | None = None, notify: bool = True
) -> FetchSummary:
    """Fetch every indicator of `indicators` that has a statistics address;
    e-mail each failing sheet's staff once per new error (an error already
    recorded and unchanged is not sent again)."""
    today = today or timezone.localdate()
    summary = FetchSummary()
    failures: dict[int, list[tuple[Indicator, str]]] = {}
    for indicator in indicators.with_source().order_by("startup_id", "pk"):
        previous = indicator.last_error
        error = fetch_indicator(indicator, today=today)
        if error is None:
            summary.fetched += 1
            continue
        summary.failed.append((indicator, error))
        if error != previous:
            failures.setdefault(indicator.startup_id, []).append((indicator, error))
    if notify:
        for failed in failures.values():
            summary.notified += notify_fetch_failures(failed)
    return summary


def sheet_staff(startup: Startup):
    """Who keeps a sheet: its incubators' staff and its editors (active
    accounts with an address)."""
    incubators = [
        startup.incubator_id,
        *startup.co_incubators.values_list("pk", flat=True),
    ]
    return (
        get_user_model()
        ._default_manager.filter(is_active=True)
        .exclude(email="")
        .filter(
            Q(incubator_memberships__incubator_id__in=incubators)
            | Q(edited_startups__startup=startup)
        )
        .distinct()
        .order_by("pk")
    )


def notify_fetch_failures(failed: list[tuple[Indicator, str]]) -> int:
    """One e-mail to each of the sheet's staff listing what failed; returns the
    number of e-mails sent."""
    startup = failed[0][0].startup
    people = list(sheet_staff(startup))
    if not people:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "startup": startup,
            "failed": failed,
            "site_url": settings.SITE_URL.rstrip("/"),
        }
        subject = ngettext(
            "%(title)s: an indicator could not be fetched",
            "%(title)s: %(n)s indicators could not be fetched",
            len(failed),
        ) % {"title": startup.title, "n": len(failed)}
        body = render_to_string("startups/email/indicator_fetch_failed.txt", context)
    sent = 0
    for person in people:
        try:
            sent += send_mail(
                subject, body, settings.DEFAULT_FROM_EMAIL, [person.email]
            )
        except OSError:
            logger.exception("Could not send the fetch failure e-mail")
    return sent
