"""What changes with the date alone: a planned phase becomes current on its day.

The stored current phase (Startup.current_phase, what counts, filters, feeds,
the API and the v2.7 files read) is brought up to date by `manage.py
refresh_current_phases`, run from cron just after midnight, and, in case cron
has not run yet, by each process on its first request of the day
(DailyRefreshMiddleware): one small query a day per process, a few writes on
the days a phase begins. Cached pages are keyed on the date and on the
catalogue version, which the refresh raises: none from the day before is
served."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from startups.services import refresh_due_phases

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_refreshed_on = None


def refresh_once_a_day() -> None:
    """Refresh the current phases if this process has not done it today."""
    global _refreshed_on
    today = timezone.localdate()
    if _refreshed_on == today:
        return
    with _lock:
        if _refreshed_on == today:
            return
        try:
            refresh_due_phases(today=today)
        except DatabaseError:
            # The page itself will report an unavailable database; the next
            # request (or cron) tries again.
            logger.exception("current phases not refreshed")
            return
        _refreshed_on = today


def mark_refreshed(day: dt.date) -> None:
    """Record that the phases are current for `day` (after the command ran
    in this process, and in tests)."""
    global _refreshed_on
    _refreshed_on = day


class DailyRefreshMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refresh_once_a_day()
        return self.get_response(request)
