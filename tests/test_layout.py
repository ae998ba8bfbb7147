"""The DSFR layout every page shares (templates/base.html and its partials)."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_the_home_page_in_french_has_the_state_header(client):
    html = client.get("/").content.decode()

    assert '<html lang="fr">' in html
    assert '<header role="banner" class="fr-header">' in html
    assert '<p class="fr-logo">République<br>Française</p>' in html
    assert '<p class="fr-header__service-title">Start-ups d\'État</p>' in html
    assert 'id="navigation"' in html
    assert 'aria-label="Menu principal"' in html


def test_the_main_menu_links_to_the_sections_in_the_current_language(client):
    fr = client.get("/").content.decode()
    en = client.get("/en/").content.decode()

    for section in ("startups", "incubators", "sponsors", "stats"):
        assert f'<a class="fr-nav__link" href="/{section}/"' in fr
        assert f'<a class="fr-nav__link" href="/en/{section}/"' in en
    assert '<a class="fr-nav__link" href="/" aria-current="page">' in fr


def test_the_search_box_queries_the_catalogue_with_q(client):
    html = client.get("/en/").content.decode()

    form = re.search(r'<form class="fr-search-bar"[^>]*>', html).group(0)
    assert 'id="search"' in form
    assert 'method="get"' in form
    assert 'action="/en/startups/"' in form
    assert 'name="q"' in html


def test_the_skip_links_lead_to_content_menu_search_and_footer(client):
    html = client.get("/").content.decode()

    for target in ("content", "navigation", "search", "footer"):
        assert f'<a class="fr-link" href="#{target}">' in html
        assert f'id="{target}"' in html


def test_the_footer_links_to_the_state_sites_and_the_legal_pages(client):
    html = client.get("/").content.decode()

    for site in (
        "https://legifrance.gouv.fr",
        "https://www.info.gouv.fr",
        "https://service-public.gouv.fr",
        "https://data.gouv.fr",
    ):
        assert f'href="{site}"' in html
    assert 'href="/mentions-legales/">Mentions légales</a>' in html
    assert 'href="/donnees-personnelles/">Données personnelles</a>' in html
    # No RGAA audit yet, and a site without one may only say "non conforme".
    assert 'href="/accessibilite/">Accessibilité\u00a0: non conforme</a>' in html


def test_the_home_page_declares_its_translation_and_a_default(client):
    html = client.get("/").content.decode()

    assert '<link rel="alternate" hreflang="fr" href="http://testserver/">' in html
    assert '<link rel="alternate" hreflang="en" href="http://testserver/en/">' in html
    assert (
        '<link rel="alternate" hreflang="x-default" href="http://testserver/">' in html
    )


def test_the_english_page_points_back_to_the_french_one(client):
    html = client.get("/en/mentions-legales/").content.decode()

    assert (
        '<link rel="alternate" hreflang="fr" '
        'href="http://testserver/mentions-legales/">' in html
    )
    assert (
        '<link rel="alternate" hreflang="en" '
        'href="http://testserver/en/mentions-legales/">' in html
    )


def test_a_missing_page_declares_no_alternates(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert '<link rel="alternate" hreflang=' not in response.content.decode()


def test_the_english_home_page_speaks_english(client):
    html = client.get("/en/").content.decode()

    assert '<html lang="en">' in html
    assert "Main menu" in html
    assert ">Legal notice</a>" in html
    assert ">Accessibility: not compliant</a>" in html
    assert "Browse the catalogue" in html


def test_the_language_switcher_links_to_this_page_in_each_language(client):
    html = client.get("/en/mentions-legales/").content.decode()

    links = re.findall(r'<a class="fr-translate__language[^>]*>[^<]*</a>', html)
    assert links == [
        '<a class="fr-translate__language fr-nav__link" href="/mentions-legales/" '
        'hreflang="fr" lang="fr">FR - Français</a>',
        '<a class="fr-translate__language fr-nav__link" href="/en/mentions-legales/" '
        'hreflang="en" lang="en" aria-current="true">EN - English</a>',
    ]


def test_each_language_link_leads_to_the_page_in_that_language_whatever_the_cookie(
    client,
):
    # A visitor who once chose English (a language cookie) and follows the French
    # link gets French: the address decides.
    client.cookies["django_language"] = "en"

    assert '<html lang="fr">' in client.get("/mentions-legales/").content.decode()
    assert '<html lang="en">' in client.get("/en/mentions-legales/").content.decode()


def test_public_pages_hold_no_csrf_token_so_that_they_can_be_cached_whole(client):
    response = client.get("/")

    assert "csrfmiddlewaretoken" not in response.content.decode()
    assert "csrftoken" not in response.cookies


def test_the_page_has_no_inline_script_or_style(client):
    html = client.get("/").content.decode()

    assert "<style" not in html
    assert " style=" not in html
    for script in re.findall(r"<script[^>]*>", html):
        assert "src=" in script


def test_the_dsfr_stylesheets_and_scripts_are_files_of_the_package(client, settings):
    html = client.get("/").content.decode()

    urls = re.findall(r'<link rel="stylesheet"\s+href="([^"]+)"', html)
    urls += re.findall(r'<script[^>]*\ssrc="([^"]+)"', html)
    assert "/static/dsfr/dist/dsfr/dsfr.min.css" in urls
    assert "/static/dsfr/dist/dsfr/dsfr.module.min.js" in urls
    assert "/static/dsfr/dist/dsfr/dsfr.nomodule.min.js" in urls
    assert "/static/css/nojs.css" in urls
    for url in urls:
        assert url.startswith(settings.STATIC_URL)
        assert finders.find(url.removeprefix("/static/")), url


def test_the_stylesheets_carry_no_integrity_hash(client):
    # Manifest storage rewrites the DSFR's stylesheets: their hashes would not match.
    assert "integrity=" not in client.get("/").content.decode()
