"""The legal pages and the vulnerability policy, linked from the footer of every
page."""

import pytest

pytestmark = pytest.mark.django_db

PAGES = [
    "/mentions-legales/",
    "/accessibilite/",
    "/donnees-personnelles/",
    "/securite/",
]


@pytest.mark.parametrize("path", PAGES)
def test_each_legal_page_answers_in_french(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert '<html lang="fr">' in response.content.decode()


@pytest.mark.parametrize("path", PAGES)
def test_each_legal_page_answers_in_english(client, path):
    response = client.get(f"/en{path}")

    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()


def test_the_legal_notice_names_the_publisher_and_flags_the_missing_host(client):
    html = client.get("/en/mentions-legales/").content.decode()

    assert "<h1>Legal notice</h1>" in html
    assert "Direction interministérielle du numérique (DINUM)" in html
    assert "To be completed" in html


def test_the_accessibility_statement_follows_the_rgaa_model(client):
    html = client.get("/en/accessibilite/").content.decode()

    for heading in (
        "Compliance status",
        "Test results",
        "Non-accessible content",
        "Feedback and contact",
        "Remedies",
    ):
        assert f"<h2>{heading}</h2>" in html
    assert "<strong>not compliant</strong>" in html
    assert "article 47" in html
    assert "Défenseur des droits" in html


def test_the_personal_data_page_promises_no_tracking_and_one_year_of_logs(client):
    html = client.get("/en/donnees-personnelles/").content.decode()

    assert "no tracking or advertising cookie" in html
    assert "kept for one year" in html
    assert 'href="mailto:contact@beta.gouv.fr"' in html


def test_a_legal_page_has_a_breadcrumb_back_to_the_home_page(client):
    html = client.get("/en/donnees-personnelles/").content.decode()

    assert '<a class="fr-breadcrumb__link" href="/en/">Home page</a>' in html
    assert (
        '<a class="fr-breadcrumb__link" aria-current="page">Personal data</a>' in html
    )
