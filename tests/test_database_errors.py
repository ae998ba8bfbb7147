"""A database that does not answer gives a clear 503 page, not a 500."""

import json
from unittest import mock

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError

from portfolio.middleware import database_unavailable, server_error
from startups.models import StartupQuerySet


def refuse(*args, **kwargs):
    raise OperationalError("connection to server failed: Connection refused")


@pytest.mark.django_db
def test_a_public_page_answers_503_with_retry_after_when_the_database_is_down(
    client,
):
    with mock.patch.object(StartupQuerySet, "for_catalogue", refuse):
        response = client.get("/startups/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "Service temporarily unavailable" in html or "indisponible" in html
    assert "30 second" in html or "30 seconde" in html
    assert "Traceback" not in html
    assert "Connection refused" not in html


@pytest.mark.django_db
def test_the_503_page_itself_needs_no_database(rf, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = database_unavailable(rf.get("/admin/"))

    assert response.status_code == 503
    assert "fr-alert" in response.content.decode()


@pytest.mark.django_db
def test_the_admin_answers_503_when_sessions_cannot_be_read(client, admin_user):
    client.force_login(admin_user)

    with mock.patch.object(SessionStore, "load", refuse):
        response = client.get("/admin/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"


@pytest.mark.django_db
def test_the_api_answers_503_in_json(client):
    with mock.patch.object(
        StartupQuerySet, "for_api", side_effect=InterfaceError("closed")
    ):
        response = client.get("/api/v2.7/startups.csv")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "indisponible" in response.json()["detail"]


@pytest.mark.django_db
def test_other_errors_still_give_the_500_page(client):
    with (
        mock.patch.object(StartupQuerySet, "for_catalogue", side_effect=KeyError()),
        pytest.raises(KeyError),
    ):
        client.get("/startups/")


def test_a_database_error_raised_in_a_middleware_answers_503_too(
    client, admin_user, settings
):
    # The session middleware saves the session at the end of the request, after
    # the view has answered: out of reach of process_exception, so Django's 500
    # handler is what meets the error.
    settings.SESSION_SAVE_EVERY_REQUEST = True
    client.force_login(admin_user)
    client.raise_request_exception = False

    with (
        mock.patch.object(SessionStore, "load", refuse),
        mock.patch.object(SessionStore, "save", refuse),
    ):
        response = client.get("/robots.txt")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "fr-alert" in html
    assert "Traceback" not in html
    assert "Connection refused" not in html


def test_other_errors_raised_in_a_middleware_still_give_the_500_page(
    client, admin_user, settings
):
    settings.SESSION_SAVE_EVERY_REQUEST = True
    client.force_login(admin_user)
    client.raise_request_exception = False

    with mock.patch.object(SessionStore, "save", side_effect=KeyError("boom")):
        response = client.get("/robots.txt")

    assert response.status_code == 500
    assert "Retry-After" not in response
    html = response.content.decode()
    assert "Erreur 500" in html or "Error 500" in html
    assert "boom" not in html


def test_the_500_handler_answers_503_in_json_for_the_api(rf):
    try:
        raise InterfaceError("connection already closed")
    except InterfaceError:
        response = server_error(rf.get("/api/v1/startups/"))

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "indisponible" in json.loads(response.content)["detail"]


def test_the_500_handler_outside_a_database_error_gives_the_500_page(rf):
    response = server_error(rf.get("/"))

    assert response.status_code == 500


def test_the_site_uses_the_database_aware_500_handler():
    from portfolio import urls

    assert urls.handler500 == "portfolio.middleware.server_error"


@pytest.mark.django_db(transaction=True)
def test_a_public_page_reconnects_when_its_reused_connection_has_died(
    client, make_startup
):
    """A database restart or failover between two requests kills the worker's
    persistent connection: the first query of the next public request (the
    catalogue version) opens a new one instead of failing."""
    from django.db import connection

    if connection.vendor != "postgresql":
        # Plain skip, in CI too: the PostgreSQL run of the same job runs it.
        pytest.skip("kills a database server's connection: PostgreSQL only")
    import psycopg

    make_startup(slug="reconnected")
    assert client.get("/startups/reconnected/").status_code == 200
    pid = connection.connection.info.backend_pid
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])

    response = client.get("/startups/reconnected/")

    assert response.status_code == 200
    assert connection.connection.info.backend_pid != pid
