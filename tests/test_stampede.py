"""No stampede: when a page's entry is missing, one worker builds it; the
others answer with the latest page built at that address (the previous
catalogue version's, for a few seconds after a change) or wait for the
builder's entry, instead of all building it at once."""

from __future__ import annotations

import datetime as dt
import threading
import time

from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from startups import caching
from tests.helpers import redis_url


def request_at(version: int, changed_seconds_ago: float = 1.0, path="/stats/"):
    request = RequestFactory().get(path)
    # What startups.catalogue_version.read() memoises on the request.
    request._catalogue_version = version
    request._catalogue_changed_at = timezone.now() - dt.timedelta(
        seconds=changed_seconds_ago
    )
    return request


class SlowPage:
    """A view that takes `seconds` to build and says which version it saw."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.built = 0
        self.lock = threading.Lock()

    def __call__(self, request):
        with self.lock:
            self.built += 1
        time.sleep(self.seconds)
        return HttpResponse(f"page of version {request._catalogue_version}")


def test_concurrent_misses_build_the_page_once():
    page = SlowPage(0.5)
    answers = []

    def visit():
        response = caching.cached_response(request_at(7), page, stand_in=True)
        answers.append((response.status_code, response.content))

    visitors = [threading.Thread(target=visit) for _ in range(8)]
    for visitor in visitors:
        visitor.start()
    for visitor in visitors:
        visitor.join()
    assert page.built == 1
    assert answers == [(200, b"page of version 7")] * 8


def test_after_a_change_the_previous_page_stands_in_while_one_worker_builds():
    page = SlowPage(0.3)
    caching.cached_response(request_at(1), page, stand_in=True)  # version 1 kept
    assert page.built == 1

    # The catalogue changes: a worker starts building version 2's page...
    builder = threading.Thread(
        target=caching.cached_response,
        args=(request_at(2), page),
        kwargs={"stand_in": True},
    )
    builder.start()
    time.sleep(0.1)
    # ...and meanwhile another visitor gets version 1's page at once, untagged.
    started = time.monotonic()
    response = caching.cached_response(request_at(2), page, stand_in=True)
    assert time.monotonic() - started < 0.2
    assert response.content == b"page of version 1"
    assert not response.has_header("ETag")
    assert response["Cache-Control"] == "no-cache"
    builder.join()
    assert page.built == 2
    # Once built, everyone gets the new page, tagged.
    response = caching.cached_response(request_at(2), page, stand_in=True)
    assert response.content == b"page of version 2"
    assert response.has_header("ETag")
    assert page.built == 2


def test_the_previous_page_never_stands_in_long_after_a_change(monkeypatch):
    monkeypatch.setattr(caching, "WAIT_SECONDS", 0.2)
    page = SlowPage(0.3)
    caching.cached_response(request_at(1), page, stand_in=True)
    # Another worker is building version 2's page, changed long ago (its
    # build failed, say): waiting for it, then building, not the old page.
    key = caching._key(request_at(2), "/stats/", "")
    cache.add(key + ":building", 1, 60)
    late = request_at(2, changed_seconds_ago=caching.STALE_SECONDS + 5)
    response = caching.cached_response(late, page, stand_in=True)
    assert response.content == b"page of version 2"
    assert page.built == 2


def test_open_data_answers_wait_for_the_builder_rather_than_stand_in():
    page = SlowPage(0.3)
    caching.cached_response(request_at(1), page)
    builder = threading.Thread(
        target=caching.cached_response, args=(request_at(2), page)
    )
    builder.start()
    time.sleep(0.1)
    response = caching.cached_response(request_at(2), page)
    builder.join()
    assert response.content == b"page of version 2"
    assert page.built == 2  # waited for the builder's entry


def test_a_page_not_kept_does_not_make_the_others_wait(monkeypatch):
    monkeypatch.setattr(caching, "WAIT_SECONDS", 5)
    calls = []

    def missing(request):
        calls.append(1)
        time.sleep(0.2)
        return HttpResponse("gone", status=404)

    threads = [
        threading.Thread(target=caching.cached_response, args=(request_at(3), missing))
        for _ in range(3)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Each built its own 404 once the first had given up: no 5 s wait.
    assert time.monotonic() - started < 2
    assert len(calls) == 3


def test_only_a_costly_page_keeps_a_stand_in(monkeypatch):
    def stand_ins():
        return [k for k in cache._cache if "catalogue-latest" in str(k)]

    monkeypatch.setattr(caching, "COSTLY_SECONDS", 0.2)
    caching.cached_response(request_at(1, path="/cheap/"), SlowPage(0), stand_in=True)
    assert stand_ins() == []  # its own entry only
    caching.cached_response(
        request_at(1, path="/costly/"), SlowPage(0.25), stand_in=True
    )
    assert len(stand_ins()) == 1


def test_with_a_shared_cache_a_page_is_kept_near_too(settings, monkeypatch):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url(),
        }
    }
    from django.core.cache import caches

    shared = caches["default"]
    shared.clear()
    monkeypatch.setattr(caching, "cache", shared)
    page = SlowPage(0)
    caching.cached_response(request_at(41, path="/near/"), page)
    asked = []
    real_get = shared.get
    monkeypatch.setattr(
        shared, "get", lambda *a, **k: asked.append(a) or real_get(*a, **k)
    )
    for _ in range(3):
        response = caching.cached_response(request_at(41, path="/near/"), page)
        assert response.content == b"page of version 41"
    # Built once; answered from this process's copy, without asking Redis.
    assert page.built == 1
    assert asked == []
    # Another version is another key: never the near copy of an older one.
    response = caching.cached_response(request_at(42, path="/near/"), page)
    assert response.content == b"page of version 42"
    shared.clear()


def test_the_near_copies_are_bounded(monkeypatch):
    near = caching._NearCache()
    monkeypatch.setattr(caching._NearCache, "wanted", staticmethod(lambda: True))
    monkeypatch.setattr(near, "MAX_PAGES", 3)
    for n in range(5):
        near.put(f"k{n}", (200, [], b"x" * 10))
    assert list(near.pages) == ["k2", "k3", "k4"]
    assert near.size == 30
