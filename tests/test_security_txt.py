"""/.well-known/security.txt (RFC 9116) and the vulnerability policy it points to."""

import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.test_settings import manage

pytestmark = pytest.mark.django_db

CONTACT = "mailto:security@catalogue.example.org"


def fields(response) -> dict[str, list[str]]:
    """The file's "Name: value" lines, by name (a name may repeat)."""
    found: dict[str, list[str]] = {}
    for line in response.content.decode().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition(": ")
            found.setdefault(name, []).append(value)
    return found


@pytest.fixture
def contact(settings):
    settings.SECURITY_CONTACT = CONTACT
    return CONTACT


def test_it_gives_the_contact_languages_canonical_address_and_policy(
    client, contact, settings
):
    settings.SITE_URL = "https://testserver"
    response = client.get("/.well-known/security.txt", secure=True)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    found = fields(response)
    # Expires has tests of its own below; it must appear once, like the rest.
    assert len(found.pop("Expires")) == 1
    assert found == {
        "Contact": [CONTACT],
        "Preferred-Languages": ["fr, en"],
        "Canonical": ["https://testserver/.well-known/security.txt"],
        "Policy": ["https://testserver/securite/"],
    }


def test_it_expires_in_a_little_under_a_year_at_midnight_utc(client, contact):
    now = dt.datetime(2026, 2, 27, 23, 30, tzinfo=dt.UTC)
    with mock.patch.object(timezone, "now", return_value=now):
        response = client.get("/.well-known/security.txt")

    # RFC 3339, and under a year ahead as the RFC recommends.
    assert fields(response)["Expires"] == ["2027-02-26T00:00:00Z"]


def test_its_expiry_is_always_in_the_future_and_under_a_year_away(client, contact):
    expires = dt.datetime.fromisoformat(
        fields(client.get("/.well-known/security.txt"))["Expires"][0]
    )

    assert dt.timedelta(days=363) < expires - timezone.now() < dt.timedelta(days=365)


def test_an_https_contact_is_published_as_it_is(client, settings):
    settings.SECURITY_CONTACT = "https://catalogue.example.org/report"

    response = client.get("/.well-known/security.txt")

    assert fields(response)["Contact"] == ["https://catalogue.example.org/report"]


def test_behind_the_tls_proxy_its_addresses_are_the_public_https_ones(
    client, contact, settings
):
    settings.SITE_URL = "https://catalogue.example.org"
    settings.SERVED_HOSTS = ["catalogue.example.org"]
    settings.ALLOWED_HOSTS = ["catalogue.example.org"]

    # What the proxy forwards: plain http, the visitor's Host and scheme.
    response = client.get(
        "/.well-known/security.txt",
        HTTP_HOST="catalogue.example.org",
        HTTP_X_FORWARDED_PROTO="https",
    )

    assert fields(response)["Canonical"] == [
        "https://catalogue.example.org/.well-known/security.txt"
    ]
    assert fields(response)["Policy"] == ["https://catalogue.example.org/securite/"]


def test_without_a_configured_contact_it_answers_404_not_a_placeholder(
    client, settings
):
    settings.SECURITY_CONTACT = ""

    response = client.get("/.well-known/security.txt")

    assert response.status_code == 404
    assert "Contact:" not in response.content.decode()


def test_it_lives_at_the_root_in_no_language(client, contact):
    assert reverse("security_txt") == "/.well-known/security.txt"
    assert client.get("/en/.well-known/security.txt").status_code == 404


def test_the_policy_it_points_to_names_the_contact_and_cert_fr(client, contact):
    policy = fields(client.get("/.well-known/security.txt"))["Policy"][0]

    html = client.get(policy.removeprefix("http://testserver")).content.decode()

    assert "<h1>Signaler une vulnérabilité</h1>" in html
    assert f'<a href="{CONTACT}">security@catalogue.example.org</a>' in html
    assert 'href="https://www.cert.ssi.gouv.fr/contact/"' in html
    assert "3 jours ouvrés" in html


def test_the_english_policy_page_says_the_same_in_english(client, contact):
    html = client.get("/en/securite/").content.decode()

    assert "<h1>Reporting a vulnerability</h1>" in html
    assert "coordinated disclosure" in html
    assert f'<a href="{CONTACT}">security@catalogue.example.org</a>' in html


def test_without_a_contact_the_policy_page_sends_reports_to_cert_fr_only(
    client, settings
):
    settings.SECURITY_CONTACT = ""

    html = client.get("/en/securite/").content.decode()

    assert "security contact" not in html
    assert "Report to the ANSSI's CERT-FR" in html
    assert 'href="https://www.cert.ssi.gouv.fr/contact/"' in html


def test_every_page_links_to_the_policy_from_its_footer(client):
    html = client.get("/").content.decode()

    assert 'href="/securite/">Signaler une vulnérabilité</a>' in html


def test_a_contact_that_is_neither_mailto_nor_https_stops_the_site_with_its_name():
    result = manage(
        "check",
        DJANGO_DEBUG="1",
        DJANGO_SECURITY_CONTACT="security@catalogue.example.org",
    )

    assert result.returncode != 0
    assert "DJANGO_SECURITY_CONTACT must be a mailto: or https://" in result.stderr
