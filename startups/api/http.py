"""HTTP behaviour shared by every open-data address (/api/v1/, /api/v2.7/,
feeds): French labels, conditional GET, caching and CORS."""

from __future__ import annotations

import hashlib
from functools import wraps

from django.db.models import Count, Max, Subquery
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control
from reversion.models import Revision

from startups.models import Startup

# Bumped when the output's shape changes, so that caches do not keep the old one.
FORMAT_VERSION = "1"
MAX_AGE = 300  # seconds


def catalogue_etag() -> str:
    """A validator for everything the API shows, in one cheap query: the
    start-ups' latest update and number (a deletion or an unpublished sheet
    changes them) and the latest revision, which every admin edit and import
    of an incubator or organisation records (django-reversion)."""
    latest_revision = Revision.objects.order_by("-pk").values("pk")[:1]
    state = Startup.objects.order_by().aggregate(
        latest=Max("updated_at"),
        n=Count("pk"),
        revision=Max(Subquery(latest_revision)),
    )
    key = f"{FORMAT_VERSION}|{state['latest']}|{state['n']}|{state['revision']}"
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def add_open_data_headers(response) -> None:
    if response.status_code < 400:  # an error is not worth keeping
        patch_cache_control(response, public=True, max_age=MAX_AGE)
    # Anyone's page may read the data from a browser: GET only, no credentials.
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response["Access-Control-Expose-Headers"] = "ETag"


def open_data(view):
    """Runs `view` in French, answers 304 when the client's copy is current
    (If-None-Match), and marks the answer cacheable by anyone and readable from
    any origin. DRF responses are rendered here, while French is active."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with translation.override("fr"):
            etag = None
            if request.method in ("GET", "HEAD"):
                etag = catalogue_etag()
                not_modified = get_conditional_response(request, etag=etag)
                if not_modified is not None:
                    add_open_data_headers(not_modified)
                    return not_modified
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            if etag and 200 <= response.status_code < 300:
                response["ETag"] = etag
            add_open_data_headers(response)
            return response

    return wrapper
