"""schemathesis against the API's own OpenAPI schema, through the WSGI
application: every operation, with generated parameters (a bounded number of
examples, so that CI runs it each time), answers as the schema says: no 5xx,
only documented statuses, bodies that match their schema, headers right."""

import datetime as dt
import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis import checks

from startups.models import Phase

EXAMPLES = 40  # per operation: the 12 operations run in about 20 seconds


def _schema():
    # The schema /api/v1/schema/ serves, built without a request (nor a
    # database); schemathesis calls the WSGI application with each case.
    with translation.override("fr"):
        raw = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(json.dumps(raw, default=str)))
    loaded.app = _application
    return loaded


_handler = []


def _application(environ, start_response):
    # The Django application of the running test (see `catalogue`).
    return _handler[-1](environ, start_response)


schema = _schema()


@pytest.fixture(autouse=True)
def catalogue(db, settings, make_startup, make_organisation, make_incubator):
    settings.ALLOWED_HOSTS = ["*"]  # schemathesis' WSGI client says "localhost"
    settings.SERVED_HOSTS = ["localhost:*", "testserver"]
    # Built now: the middleware read the test settings (no HTTPS redirect).
    _handler.append(get_wsgi_application())
    # As Django's test client does: the test's connection (and its transaction)
    # must outlive each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    incubator = make_incubator(slug="dinum")
    make_startup(
        slug="alpha",
        incubator=incubator,
        sponsors=[make_organisation(slug="ademe")],
        phases=[(Phase.CONSTRUCTION, dt.date(2021, 1, 1))],
    )
    make_startup(slug="beta", phases=[(Phase.INTEGRATION, dt.date(2022, 5, 1))])
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    _handler.pop()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_its_schema_says(case):
    # The WSGI test client does not decompress: ask for the body as it is.
    # positive_data_acceptance left out: an identifier nobody has, or a page
    # past the end, fits the schema (any text, any number from 1) and is a
    # documented 400 that names it; the schema cannot list tomorrow's ids.
    case.call_and_validate(
        headers={"Accept-Encoding": "identity"},
        excluded_checks=[checks.positive_data_acceptance],
    )
