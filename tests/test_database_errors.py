"""A database that does not answer gives a clear 503 page, not a 500."""

from unittest import mock

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError

from portfolio.middleware import database_unavailable
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
