"""Random query strings thrown at every public page never get a 5xx, and nothing
they carry comes back unescaped: unicode, NUL bytes, huge values, repeated and
unknown parameters, SQL and HTML fragments."""

import datetime as dt
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from startups.filters import StartupFilter
from startups.models import Phase

PAYLOAD = "'\"><script>alert(1)</script>"
PAGES = [
    "/",
    "/startups/",
    "/en/startups/",
    "/startups/export.csv",
    "/startups/fuzz-startup/",
    "/incubators/",
    "/incubators/fuzz-incubator/",
    "/sponsors/",
    "/stats/",
    "/feeds/startups.atom",
    "/feeds/phases.rss",
    "/sitemap.xml",
]
NAMES = [*StartupFilter.base_filters, "q", "page", "sort", "lang", "unknown"]
NASTY = [
    "",
    "\x00",
    "a\x00b",
    PAYLOAD,
    "<img src=x onerror=alert(1)>",
    "' OR 1=1 --",
    "1; DROP TABLE startups_startup",
    "%00",
    "%",
    "9" * 2000,
    "-1",
    "1e400",
    "２０２０",
    "construction",
    "\ud7ff\U0001f600",
    "../../etc/passwd",
    " ",
]

values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
)
names = st.one_of(st.sampled_from(NAMES), st.text(min_size=1, max_size=10))
query_strings = st.lists(st.tuples(names, values), max_size=6).map(
    lambda pairs: "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
)


@pytest.fixture
def data(make_startup, make_incubator, make_organisation, settings):
    settings.RATELIMIT_ENABLED = False
    incubator = make_incubator(slug="fuzz-incubator")
    make_startup(
        slug="fuzz-startup",
        incubator=incubator,
        sponsors=[make_organisation()],
        phases=[(Phase.CONSTRUCTION, dt.date(2020, 1, 1))],
    )


@settings(
    max_examples=15,  # per page: 180 in all
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(query=query_strings)
@pytest.mark.parametrize("url", PAGES)
def test_no_query_string_gets_a_server_error_or_comes_back_unescaped(
    client, data, url, query
):
    response = client.get(f"{url}?{query}")

    assert response.status_code in (200, 301, 302, 400, 404), (query, response)
    body = response.content.decode(errors="replace")
    assert "<script>alert(" not in body, query
    assert "<img src=x" not in body, query


@pytest.mark.parametrize("url", PAGES)
def test_the_html_payload_in_every_parameter_comes_back_escaped(client, data, url):
    query = "&".join(f"{name}={quote(PAYLOAD)}" for name in NAMES)

    response = client.get(f"{url}?{query}")

    assert response.status_code < 500
    assert "<script>alert(" not in response.content.decode()
