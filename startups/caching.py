"""Caching that is never stale: every key holds the catalogue version
(startups.catalogue_version), which every write raises in its own transaction.
Once a write is committed, the next request reads the new number and so new
keys: nothing cached before the write is ever read again, and old entries
simply expire.

Two levels:
- whole responses of public pages and open data (`cached_page`, `open_data` in
  startups.api.http), for visitors who are not logged in, with an ETag drawn
  from the same key: a repeat costs one query, a revalidation a 304;
- values that several responses share (`cached`): the facet counts and panel
  of a catalogue selection, whatever its page and sort.

Reading the version costs one small query per request (memoised on the request).
The cache backend comes from the environment (settings.CACHES): local memory in
each worker by default, Redis with REDIS_URL, shared by every worker and server.
Because the version lives in the database, workers with separate local-memory
caches still agree on what is current."""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseNotModified,
)
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags
from django.utils.translation import get_language

from startups.catalogue_version import (  # noqa: F401 (read by startups.api)
    changed_at as catalogue_changed_at,
)
from startups.catalogue_version import read as catalogue_version

# How long an entry lives (a new version makes it unreachable before that).
TIMEOUT = 10 * 60


ROOT = Path(__file__).resolve().parent.parent


def code_release(root: Path = ROOT) -> str:
    """What the code, templates and translations are: the package's version and
    a hash of their files. Every worker and server running the same code gets
    the same value, with nothing to configure, so that they share cache entries
    and ETags; a deployment that changes a file changes it (pages rendered by
    the previous release are never served)."""
    digest = hashlib.sha256()
    try:
        digest.update(metadata.version("portfolio").encode())
    except metadata.PackageNotFoundError:  # run from a checkout not installed
        pass
    for folder, patterns in (
        ("portfolio", ("*.py",)),
        ("startups", ("*.py",)),
        ("templates", ("*.html", "*.txt", "*.xml")),
        ("locale", ("*.po",)),
    ):
        files = sorted(
            p for pattern in patterns for p in (root / folder).rglob(pattern)
        )
        for path in files:
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


# DJANGO_RELEASE (optional) names a release instead, e.g. the deployed commit.
RELEASE = os.environ.get("DJANGO_RELEASE") or code_release()
# Larger responses (the downloads of a whole catalogue of 100,000 start-ups,
# which startups.downloads streams past this size) are built each time rather
# than fill the cache.
MAX_CACHED_BYTES = 4 * 1024 * 1024


def normalised_query(params, *, leave_out: tuple[str, ...] = ()) -> str:
    """A query string (request.GET) with its parameters sorted (and empty ones
    dropped), so that ?a=1&b=2 and ?b=2&a=1 share an entry; without the
    parameters named in `leave_out`."""
    pairs = sorted(
        (key, value)
        for key, values in params.lists()
        if key not in leave_out
        for value in values
        if value != ""
    )
    return urlencode(pairs)


# Pages that read no query parameter, or only these (by URL name); every other
# cached page or file reads at most the catalogue's vocabulary (below).
_PARAMETERS_READ = {
    "startups:home": (),
    "startups:stats": (),
    "startups:detail": (),
    "startups:incubator_list": (),
    "startups:sponsor_list": (),
    "startups:incubator_detail": ("page",),
    "startups:sponsor_detail": ("page",),
    "sitemap": (),
    "sitemap_section": ("p",),
}


def known_parameters(request) -> frozenset[str]:
    """The query parameters the page at this address may read. Any other is
    dropped before the page is built and from its key (see cached_response):
    ?zz=<random> is answered with the entry of the page without it, instead of
    building (and keeping) a page per value."""
    from startups.filters import StartupFilter  # filters imports this module

    match = request.resolver_match
    name = match.view_name if match else ""
    if name in _PARAMETERS_READ:
        return frozenset(_PARAMETERS_READ[name])
    if name.startswith("api:") and name.endswith("-detail"):
        return frozenset()
    filters = frozenset(StartupFilter.base_filters)
    # The catalogue's facets: one unfolded, and a word to find among its values.
    facets = {"unfold", *(f"find_{name}" for name in filters)}
    return filters | facets | {"page", "page_size"}


def _drop_unknown_parameters(request) -> None:
    known = known_parameters(request)
    if all(key in known for key in request.GET):
        return
    query = request.GET.copy()
    for key in list(query):
        if key not in known:
            del query[key]
    query._mutable = False
    request.GET = query
    # What build_absolute_uri() and get_full_path() read (the API's `next`).
    request.META["QUERY_STRING"] = query.urlencode()


def _key(request, *parts: str) -> str:
    raw = "|".join(
        [
            RELEASE,
            str(catalogue_version(request)),
            get_language() or "",
            # Durations on a start-up's page and the statistics run to today.
            timezone.localdate().isoformat(),
            *parts,
        ]
    )
    # Memcached-safe, bounded length whatever the query string.
    return "catalogue:" + hashlib.sha256(raw.encode()).hexdigest()


def cached(request, name: str, compute: Callable[[], Any], *, query=None) -> Any:
    """compute() once per catalogue version, language and `query` (by default
    the request's normalised query string; "" for a value that depends on none);
    its result must pickle."""
    key = _key(request, name, normalised_query(request.GET) if query is None else query)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TIMEOUT)
    return value


def _personal(request, response) -> bool:
    """A response that used a CSRF token (a form posting back) or sets a
    cookie belongs to one visitor: neither kept nor tagged."""
    return bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or response.cookies)


class Parts:
    """Values cached under the catalogue version and language, as `cached`
    keeps them, read and written several at a time: {name: what tells this
    value from others of its kind}."""

    def __init__(self, request, kind: str):
        self.request = request
        self.kind = kind

    def _keys(self, parts: dict[str, str]) -> dict[str, str]:
        return {
            name: _key(self.request, self.kind, name, part)
            for name, part in parts.items()
        }

    def get_many(self, parts: dict[str, str]) -> dict[str, Any]:
        keys = self._keys(parts)
        found = cache.get_many(keys.values())
        return {name: found[key] for name, key in keys.items() if key in found}

    def set_many(self, parts: dict[str, str], values: dict[str, Any]) -> None:
        keys = self._keys(parts)
        cache.set_many({keys[name]: value for name, value in values.items()}, TIMEOUT)


def _pack(response: HttpResponse) -> tuple | None:
    """What is kept of a response: status, the view's own headers (the
    middleware add theirs to every response, cached or not) and the body,
    gzipped (a catalogue page shrinks about tenfold, so that thousands fit in
    a worker's memory, and most browsers take it as it is). None for a
    streamed or very large one."""
    if response.streaming or len(response.content) > MAX_CACHED_BYTES:
        return None
    return (
        response.status_code,
        list(response.headers.items()),
        gzip.compress(response.content, compresslevel=1, mtime=0),
    )


def _unpack(stored: tuple, request) -> HttpResponse:
    status, headers, body = stored
    # Public pages hold no secret (no CSRF token): compressing them cannot
    # leak one (BREACH).
    gzipped = _accepts_gzip(request)
    response = HttpResponse(body if gzipped else gzip.decompress(body), status=status)
    for name, value in headers:
        response.headers[name] = value
    if gzipped:
        response["Content-Encoding"] = "gzip"
    return response


def _accepts_gzip(request) -> bool:
    """Whether Accept-Encoding names gzip with a weight above 0."""
    for part in request.headers.get("Accept-Encoding", "").split(","):
        coding, *params = (p.strip() for p in part.split(";"))
        if coding.lower() != "gzip":
            continue
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    return float(value) > 0
                except ValueError:
                    return False
        return True
    return False


# No stampede. When an entry is missing (the catalogue changed, it expired),
# one worker builds it (it holds a lock in the cache, shared by every worker
# and server with Redis) while the others answer at once with the latest page
# built at that address: the same version's (expired), or for STALE_SECONDS
# after a change of the catalogue, the previous version's. Without such a page
# they wait for the builder's entry (WAIT_SECONDS at most), then build it
# themselves. The latest page is kept only for the pages that cost
# (COSTLY_SECONDS to build: a catalogue page while the catalogue index is
# being built again, the statistics of 100,000 start-ups, three seconds), and
# only for the public pages (cached_page): an open-data answer is never older
# than the catalogue it announces.
STALE_SECONDS = 30
WAIT_SECONDS = 10
COSTLY_SECONDS = 0.02
BUILD_LOCK_SECONDS = 60


def cache_is_shared() -> bool:
    """Whether the cache is shared by processes (Redis), not each process's
    own memory."""
    return "locmem" not in settings.CACHES["default"]["BACKEND"].lower()


class _NearCache:
    """Pages kept in this process too, in front of a shared cache (Redis): a
    page's key holds the catalogue version, so a copy kept here is never stale,
    and a cached page then costs no round trip to Redis. The most recently used
    pages, MAX_PAGES and MAX_BYTES at most."""

    MAX_PAGES = 1000
    MAX_BYTES = 32 * 1024 * 1024

    def __init__(self):
        self.pages: OrderedDict[str, tuple] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    @staticmethod
    def wanted() -> bool:
        # A cache in this process's memory already is one.
        return cache_is_shared()

    def get(self, key: str) -> tuple | None:
        with self.lock:
            stored = self.pages.get(key)
            if stored is not None:
                self.pages.move_to_end(key)
            return stored

    def put(self, key: str, stored: tuple) -> None:
        if not self.wanted():
            return
        with self.lock:
            if key in self.pages:
                return
            self.pages[key] = stored
            self.size += len(stored[2])
            while self.pages and (
                len(self.pages) > self.MAX_PAGES or self.size > self.MAX_BYTES
            ):
                _old, dropped = self.pages.popitem(last=False)
                self.size -= len(dropped[2])

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()
            self.size = 0


near = _NearCache()


def _shared_get(key: str) -> tuple | None:
    """A page's entry: from this process's copy, else the shared cache."""
    stored = near.get(key)
    if stored is None:
        stored = cache.get(key)
        if stored is not None:
            near.put(key, stored)
    return stored


def _latest_key(request) -> str:
    raw = "|".join(
        [RELEASE, get_language() or "", request.path, normalised_query(request.GET)]
    )
    return "catalogue-latest:" + hashlib.sha256(raw.encode()).hexdigest()


def _latest(request) -> tuple | None:
    """The latest page built at this address, if it may stand in for the
    one being built."""
    found = cache.get(_latest_key(request))
    if found is None:
        return None
    version, stored = found
    if version == catalogue_version(request):
        return stored
    changed = catalogue_changed_at(request)
    if changed is None or (timezone.now() - changed).total_seconds() > STALE_SECONDS:
        return None
    return stored


def _build(request, key, view, args, kwargs, *, keep_latest: bool):
    started = time.monotonic()
    response = view(request, *args, **kwargs)
    if hasattr(response, "render") and callable(response.render):
        response = response.render()
    if response.status_code != 200 or _personal(request, response):
        return response, False
    if (packed := _pack(response)) is not None:
        cache.set(key, packed, TIMEOUT)
        near.put(key, packed)
        if keep_latest and time.monotonic() - started >= COSTLY_SECONDS:
            cache.set(
                _latest_key(request),
                (catalogue_version(request), packed),
                2 * TIMEOUT,
            )
    return response, True


def cached_response(
    request: HttpRequest,
    view: Callable[..., HttpResponse],
    *args,
    stand_in: bool = False,
    **kwargs,
) -> HttpResponse:
    """The response of view(request, …), kept whole under the catalogue
    version, language, path and normalised query, with a matching ETag; a
    request whose If-None-Match holds that ETag gets 304 without anything being
    built. A streamed or very large response is tagged but built each time; a
    personal one (see _personal) is neither kept nor tagged. Parameters the
    page does not read are dropped first (see known_parameters). One worker
    builds a missing entry at a time; with `stand_in`, the others answer with
    the latest page built meanwhile (see STALE_SECONDS)."""
    _drop_unknown_parameters(request)
    key = _key(request, request.path, normalised_query(request.GET))
    # Weak: the same page may go out gzipped or not (see _unpack).
    etag = f'W/"{key[-32:]}"'
    sent = parse_etags(request.headers.get("If-None-Match", ""))
    if etag.removeprefix("W/") in {tag.removeprefix("W/") for tag in sent}:
        response = HttpResponseNotModified()
        response["ETag"] = etag
        patch_vary_headers(response, ["Accept-Encoding"])
        return response
    stored = _shared_get(key)
    lock, holding = key + ":building", False
    if stored is None:
        holding = cache.add(lock, 1, BUILD_LOCK_SECONDS)
        if not holding:
            # Another worker builds it.
            if stand_in and (latest := _latest(request)) is not None:
                response = _unpack(latest, request)
                # Not tagged: a revalidation must reach the page being built.
                response["Cache-Control"] = "no-cache"
                patch_vary_headers(response, ["Accept-Encoding"])
                return response
            # Until its entry is there, or it has given up (its page was not
            # one to keep: an error, a download too large).
            deadline = time.monotonic() + WAIT_SECONDS
            while time.monotonic() < deadline:
                time.sleep(0.02)
                found = cache.get_many([key, lock])
                if (stored := found.get(key)) is not None or lock not in found:
                    break
    if stored is not None:
        response = _unpack(stored, request)
    else:
        try:
            # Building is what rate limits are for (a cached answer is not).
            from portfolio.ratelimit import refuse_build

            if (refused := refuse_build(request)) is not None:
                return refused
            response, kept = _build(
                request, key, view, args, kwargs, keep_latest=stand_in
            )
        finally:
            if holding:
                cache.delete(lock)
        if not kept:
            return response
    response["ETag"] = etag
    patch_vary_headers(response, ["Accept-Encoding"])
    return response


def cached_page(view):
    """A public page answered from the cache for visitors who are not logged in
    (see cached_response); browsers may keep it but revalidate each time, a 304
    being cheap. Staff always get the page built afresh: they see banners and
    unpublished sheets, so their answer is private and never stored. A
    preflight (OPTIONS) or another method builds nothing."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "OPTIONS":
            response = HttpResponse()
            response["Allow"] = "GET, HEAD, OPTIONS"
            return response
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD", "OPTIONS"])
        if request.user.is_authenticated:
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_store=True)
            return response
        response = cached_response(request, view, *args, stand_in=True, **kwargs)
        if response.has_header("ETag"):
            patch_cache_control(response, no_cache=True)
        return response

    return wrapper
