"""HTTP behaviour shared by every open-data address (/api/v1/, /api/v2.7/, the
feeds): conditional GET (ETag and Last-Modified, 304), caching, CORS, and a
preflight answered at once."""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe

from startups.caching import cached_response, catalogue_changed_at

MAX_AGE = 300  # seconds
# Request headers a page on another site may send: revalidation (a browser
# application keeping its copy) and the language.
ALLOWED_HEADERS = "If-None-Match, If-Modified-Since, Accept, Accept-Language"
EXPOSED_HEADERS = "ETag, Last-Modified, Content-Disposition, Link"
PREFLIGHT_MAX_AGE = 86400  # seconds a browser may keep a preflight's answer


def add_open_data_headers(response) -> None:
    if response.status_code < 400:  # an error is not worth keeping
        patch_cache_control(response, public=True, max_age=MAX_AGE)
    # Anyone's page may read the data from a browser: GET only, no credentials.
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
    response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    # The data's licence, for every file whatever its format (RFC 4946).
    response["Link"] = f'<{settings.DATA_LICENCE["url"]}>; rel="license"'


def preflight() -> HttpResponse:
    """The answer to OPTIONS (a CORS preflight): headers only, nothing built."""
    response = HttpResponse(status=204)
    response["Allow"] = "GET, HEAD, OPTIONS"
    response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    add_open_data_headers(response)
    return response


def last_modified(request) -> dt.datetime:
    """The catalogue's last change, the same on every worker: the version's
    change time, or today's midnight if later (what depends on the date, as
    the phase feeds, changes then), to the second."""
    midnight = timezone.make_aware(
        dt.datetime.combine(timezone.localdate(), dt.time.min)
    )
    changed = catalogue_changed_at(request)
    moment = max(changed, midnight) if changed else midnight
    return moment.replace(microsecond=0)


def _not_modified_since(request, moment: dt.datetime) -> bool:
    # If-None-Match, when sent, decides alone (RFC 9110, 13.1.3).
    if request.headers.get("If-None-Match"):
        return False
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return since is not None and int(moment.timestamp()) <= since


def open_data(view=None, *, language: str | None = "fr"):
    """Runs `view` in `language` (French by default; None: the request's),
    answers from the cache or with a 304 while the catalogue is unchanged
    (startups.caching.cached_response: ETag from the catalogue version; and
    If-Modified-Since against Last-Modified), answers a preflight at once, and
    marks the answer cacheable by anyone and readable from any origin. DRF
    responses are rendered here, while the language is active."""
    if view is None:
        return lambda view: open_data(view, language=language)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "OPTIONS":
            return preflight()
        with translation.override(language or translation.get_language()):
            if request.method in ("GET", "HEAD"):
                moment = last_modified(request)
                if _not_modified_since(request, moment):
                    response = HttpResponseNotModified()
                    patch_vary_headers(response, ["Accept-Encoding"])
                else:
                    response = cached_response(request, view, *args, **kwargs)
                if response.status_code in (200, 304):
                    response["Last-Modified"] = http_date(moment.timestamp())
            else:
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
            add_open_data_headers(response)
            return response

    return wrapper
