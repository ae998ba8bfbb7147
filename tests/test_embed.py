"""/startups/embed/: any catalogue selection, for another site's iframe."""

import datetime as dt

import pytest

from startups.models import Phase


@pytest.fixture
def catalogue(make_startup, make_incubator):
    anct = make_incubator(slug="anct", name="ANCT")
    make_startup(slug="a", title="Alpha", incubator=anct)
    co = make_startup(slug="b", title="Bravo")
    co.co_incubators.add(anct)
    make_startup(
        slug="c", title="Charlie", phases=[(Phase.CONSTRUCTION, dt.date(2021, 1, 1))]
    )
    return anct


def test_it_lists_the_selection_the_catalogues_parameters_make(client, catalogue):
    r = client.get("/startups/embed/", {"incubator": "anct"})
    assert r.status_code == 200
    text = r.content.decode()
    assert "Alpha" in text and "Bravo" in text and "Charlie" not in text
    assert 'target="_blank"' in text
    assert "/startups/?incubator=anct" in text
    assert "<script" not in text and "<form" not in text


def test_only_the_embed_may_be_framed(client, catalogue):
    r = client.get("/startups/embed/")
    assert "X-Frame-Options" not in r
    assert "frame-ancestors *" in r["Content-Security-Policy"]
    for url in ("/startups/", "/", "/api/"):
        other = client.get(url)
        assert other["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in other["Content-Security-Policy"]


def test_the_embed_sets_no_cookie_and_is_cached_framable(client, catalogue):
    first = client.get("/startups/embed/?phase=construction")
    again = client.get("/startups/embed/?phase=construction")  # from the cache
    for r in (first, again):
        assert not r.cookies
        assert "Set-Cookie" not in r
        assert "X-Frame-Options" not in r
        assert "frame-ancestors *" in r["Content-Security-Policy"]
    assert "Charlie" in again.content.decode()


def test_the_embed_costs_the_same_queries_for_few_or_many(
    client, make_startup, make_incubator
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lab = make_incubator(slug="lab")

    def count():
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/startups/embed/?incubator=lab").status_code == 200
        return len(queries)

    make_startup(incubator=lab)
    few = count()
    for _ in range(10):
        make_startup(incubator=lab)
    # version + incubator slugs of the filter + count + rows with incubator
    assert count() == few <= 4
