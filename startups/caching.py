"""Caching that is never stale: every key holds the catalogue version
(models.CatalogueVersion), which every write raises in its own transaction
(services.bump_catalogue_version, startups.signals). Once a write is committed,
the next request reads the new number and so new keys: nothing cached before the
write is ever read again, and old entries simply expire.

Reading the version costs one small query per request (memoised on the request).
The cache backend comes from the environment (settings.CACHES): local memory in
each worker by default, Redis with REDIS_URL, shared by every worker and server.
Because the version lives in the database, workers with separate local-memory
caches still agree on what is current."""

from __future__ import annotations

import functools
import hashlib
import os
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.views.decorators.http import condition

from startups.models import CatalogueVersion

# How long an entry lives (a new version makes it unreachable before that).
TIMEOUT = 10 * 60
# What the code and templates are: a deploy must not serve pages rendered by the
# previous release. Set DJANGO_RELEASE (e.g. the commit) so that servers sharing
# one Redis share entries; without it, each process start is a new release.
RELEASE = os.environ.get("DJANGO_RELEASE") or f"start-{time.time_ns()}"


def catalogue_version(request=None) -> int:
    """The current catalogue version (one query, once per request)."""
    if request is not None and hasattr(request, "_catalogue_version"):
        return request._catalogue_version
    version = (
        CatalogueVersion.objects.filter(pk=1).values_list("version", flat=True).first()
        or 0
    )
    if request is not None:
        request._catalogue_version = version
    return version


def normalised_query(request) -> str:
    """The query string with its parameters sorted (and empty ones dropped), so
    that ?a=1&b=2 and ?b=2&a=1 share an entry."""
    pairs = sorted(
        (key, value)
        for key, values in request.GET.lists()
        for value in values
        if value != ""
    )
    return urlencode(pairs)


def _key(request, name: str, with_query: bool) -> str:
    parts = [
        "catalogue",
        RELEASE,
        str(catalogue_version(request)),
        get_language() or "",
        name,
        normalised_query(request) if with_query else "",
    ]
    raw = "|".join(parts)
    # Memcached-safe, bounded length whatever the query string.
    return "catalogue:" + hashlib.sha256(raw.encode()).hexdigest()


def cached(request, name: str, compute: Callable[[], Any], *, query=True) -> Any:
    """compute() once per catalogue version, language and (normalised) query
    string; its result must pickle."""
    key = _key(request, name, query)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TIMEOUT)
    return value


def _etag(request, *args, **kwargs) -> str | None:
    if request.user.is_authenticated:
        # Staff see banners and unpublished sheets: never answered from a copy.
        return None
    parts = [
        RELEASE,
        str(catalogue_version(request)),
        get_language() or "",
        request.path,
        normalised_query(request),
        # The page holds a CSRF token tied to this cookie (language switcher).
        request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def conditional_page(view):
    """ETag on a public page, from the catalogue version, the language, the
    address and the visitor's CSRF cookie: a browser that sends it back
    (If-None-Match) while nothing changed gets a 304 without the page being
    built. Staff (logged-in visitors) always get the page, uncached."""
    conditional = condition(etag_func=_etag)(view)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        response = conditional(request, *args, **kwargs)
        if response.has_header("ETag"):
            # The browser may keep the page but asks each time: a 304 is cheap.
            patch_cache_control(response, no_cache=True)
        return response

    return wrapper
