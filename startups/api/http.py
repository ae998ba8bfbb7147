"""HTTP behaviour shared by every open-data address (/api/v1/, /api/v2.7/,
feeds): French labels, conditional GET, caching and CORS."""

from __future__ import annotations

from functools import wraps

from django.utils import translation
from django.utils.cache import patch_cache_control

from startups.caching import cached_response

MAX_AGE = 300  # seconds


def add_open_data_headers(response) -> None:
    if response.status_code < 400:  # an error is not worth keeping
        patch_cache_control(response, public=True, max_age=MAX_AGE)
    # Anyone's page may read the data from a browser: GET only, no credentials.
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response["Access-Control-Expose-Headers"] = "ETag"


def open_data(view):
    """Runs `view` in French, answers from the cache or with a 304 while the
    catalogue is unchanged (startups.caching.cached_response: ETag from the
    catalogue version), and marks the answer cacheable by anyone and readable
    from any origin. DRF responses are rendered here, while French is active."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with translation.override("fr"):
            if request.method in ("GET", "HEAD"):
                response = cached_response(request, view, *args, **kwargs)
            else:
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
            add_open_data_headers(response)
            return response

    return wrapper
