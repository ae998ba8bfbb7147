"""schema.org JSON-LD for the start-up and incubator pages."""

import json
import re

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from startups.models import Audience, Startup, Theme
from startups.structured_data import incubator_json_ld, startup_json_ld


@pytest.fixture(autouse=True)
def _french():
    # Page addresses depend on the active language, which another test may leave.
    with translation.override("fr"):
        yield


def render(template: str, **context) -> str:
    request = RequestFactory().get("/")
    return Template("{% load structured_data %}" + template).render(
        Context({"request": request, **context})
    )


def script_json(html: str) -> dict:
    match = re.fullmatch(
        r'<script type="application/ld\+json">(.*)</script>', html, re.S
    )
    assert match, html
    return json.loads(match.group(1))


def test_a_startup_is_a_government_service_of_its_incubator_and_sponsors(
    make_startup, make_organisation
):
    sponsor = make_organisation(slug="anct", name="ANCT", acronym="ANCT")
    startup = make_startup(
        slug="alpha", title="Alpha", mission="Aider.", website="https://a.fr",
        sponsors=[sponsor],
        themes=[Theme.objects.create(slug="sante", label="Santé")],
    )  # fmt: skip
    startup.audiences.set([Audience.objects.create(slug="etat", label="État")])
    data = startup_json_ld(startup, RequestFactory().get("/"))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "GovernmentService"
    assert data["name"] == "Alpha"
    assert data["description"] == "Aider."
    assert data["url"] == "http://testserver/startups/alpha/"
    assert data["provider"][0]["name"] == startup.incubator.name
    assert data["serviceOperator"][0]["name"] == "ANCT"
    assert data["category"] == ["Santé"]
    assert data["audience"] == [{"@type": "Audience", "audienceType": "État"}]
    assert data["sameAs"] == ["https://a.fr"]


def test_an_incubator_is_a_government_organization_of_its_owner(
    make_incubator, make_organisation
):
    owner = make_organisation(slug="dinum", name="DINUM")
    incubator = make_incubator(
        slug="fab", name="La Fabrique", owner=owner, contact="fab@example.org",
        short_description="<span>Un &quot;lieu&quot;</span>", address="Paris",
    )  # fmt: skip
    data = incubator_json_ld(incubator, RequestFactory().get("/"))
    assert data["@type"] == "GovernmentOrganization"
    assert data["url"] == "http://testserver/incubators/fab/"
    assert data["description"] == 'Un "lieu"'
    assert data["parentOrganization"]["name"] == "DINUM"
    assert data["email"] == "fab@example.org"
    assert data["address"]["streetAddress"] == "Paris"


def test_the_tag_escapes_text_that_could_close_the_script(make_startup):
    startup = make_startup(
        title="</script><script>alert(1)</script> & <!-- \u2028",
        mission="a > b",
    )
    html = render("{% startup_json_ld startup %}", startup=startup)
    inner = html.removeprefix('<script type="application/ld+json">').removesuffix(
        "</script>"
    )
    assert "<" not in inner and ">" not in inner and "&" not in inner
    assert "\u2028" not in inner
    assert script_json(html)["name"] == startup.title
    assert script_json(html)["description"] == "a > b"


def test_the_incubator_tag_prints_one_script(make_incubator):
    incubator = make_incubator(name="Fab & Co")
    data = script_json(render("{% incubator_json_ld incubator %}", incubator=incubator))
    assert data["name"] == "Fab & Co"


def test_the_startup_page_queryset_is_enough_no_more_queries(
    make_startup, make_organisation, django_assert_num_queries
):
    startup = make_startup(sponsors=[make_organisation()])
    startup = Startup.objects.for_startup_page().get(pk=startup.pk)
    with django_assert_num_queries(0):
        startup_json_ld(startup, RequestFactory().get("/"))
