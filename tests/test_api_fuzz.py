"""Random query strings thrown at every list of the API never get a 5xx: unicode,
NUL bytes, huge numbers, repeated and unknown parameters, SQL and HTML bits."""

import datetime as dt
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from startups.filters import StartupFilter
from startups.models import Phase

LISTS = [
    "/api/v1/startups/",
    "/api/v1/incubators/",
    "/api/v1/sponsors/",
    "/api/v1/phases/",
    "/api/v1/themes/",
    "/api/v1/audiences/",
]
NAMES = [*StartupFilter.base_filters, "page", "page_size", "format", "unknown"]
NASTY = [
    "",
    "\x00",
    "a\x00b",
    "' OR 1=1 --",
    "1; DROP TABLE startups_startup",
    "<script>alert(1)</script>",
    "%00",
    "9" * 400,
    "-1",
    "0",
    "1e9",
    "２０２０",
    "construction",
    "dinum",
    "\ud7ff\U0001f600",
    " ",
]

values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)
names = st.one_of(st.sampled_from(NAMES), st.text(min_size=1, max_size=10))
query_strings = st.lists(st.tuples(names, values), max_size=6).map(
    lambda pairs: "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
)


@pytest.fixture
def data(make_startup, make_organisation):
    make_startup(
        slug="dinum-startup",
        sponsors=[make_organisation()],
        phases=[(Phase.CONSTRUCTION, dt.date(2020, 1, 1))],
    )


@settings(
    max_examples=30,  # per list: 180 in all
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(query=query_strings)
@pytest.mark.parametrize("url", LISTS)
def test_no_query_string_gets_a_server_error(client, data, url, query):
    r = client.get(f"{url}?{query}")
    assert r.status_code in (200, 400), (query, r.content[:300])
    assert r["Content-Type"] == "application/json"
