"""Accounts: passwords of 12 characters at least, sessions of a working day, the
site's own page when a form's CSRF check fails."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_password_of_eleven_characters_is_refused_and_twelve_accepted():
    with pytest.raises(ValidationError, match="12"):
        validate_password("Tq8#vLz!p2W")

    validate_password("Tq8#vLz!p2Wm")


def test_a_staff_session_lasts_a_working_day(client):
    get_user_model().objects.create_superuser(
        "chief", "chief@example.gouv.fr", "Tq8#vLz!p2Wm-long"
    )

    client.post(
        "/admin/login/?next=/admin/",
        {"username": "chief", "password": "Tq8#vLz!p2Wm-long"},
    )

    cookie = client.cookies["sessionid"]
    assert cookie["max-age"] == 10 * 60 * 60


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/admin/login/", "Le formulaire a expiré"),
        ("/en/admin/login/", "The form has expired"),
    ],
)
def test_a_failed_csrf_check_gets_the_sites_own_page_in_the_visitors_language(
    path, title
):
    client = Client(enforce_csrf_checks=True)

    response = client.post(path, {"username": "chief", "password": "x"})

    assert response.status_code == 403
    body = response.content.decode()
    assert f"<h1>{title}</h1>" in body
    assert "CSRF verification failed" not in body
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response
