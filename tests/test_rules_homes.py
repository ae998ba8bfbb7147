"""The rules that live in one place: an organisation's label, the statistics
address, "main or co-incubator", the identifier pattern. Each is asked of its
home here, and of one of its users (a page, the import, the API)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from startups.models import FormerSlug, Organisation, Startup
from startups.rules import catalogue_slug_validator, is_identifier


def test_an_organisation_is_labelled_with_its_acronym_or_its_name_alone(
    make_organisation,
):
    assert make_organisation(name="Agence du sol", acronym="ADS").label == (
        "Agence du sol (ADS)"
    )
    bare = make_organisation(name="Ville de Morlanges", acronym="")
    assert bare.label == str(bare) == "Ville de Morlanges"


def test_the_sql_label_and_the_python_label_agree(make_organisation):
    make_organisation(slug="a", name="Agence du sol", acronym="ADS")
    make_organisation(slug="b", name="Ville de Morlanges", acronym="")
    in_sql = dict(
        Organisation.objects.annotate(text=Organisation.str_in_sql("")).values_list(
            "slug", "text"
        )
    )
    assert in_sql == {o.slug: o.label for o in Organisation.objects.all()}


def test_the_sponsor_page_and_a_sheet_name_the_sponsor_by_its_label(
    client, make_organisation, make_startup
):
    sponsor = make_organisation(name="Agence du sol", acronym="ADS")
    startup = make_startup(sponsors=[sponsor])
    for address in (
        sponsor.get_absolute_url(),
        reverse("startups:detail", kwargs={"slug": startup.slug}),
    ):
        assert "Agence du sol (ADS)" in client.get(address).content.decode()


@pytest.mark.parametrize(
    ("fields", "address"),
    [
        ({"stats_url": "https://stats.example.org/x"}, "https://stats.example.org/x"),
        (
            {"has_stats_page": True, "website": "https://service.example.org/"},
            "https://service.example.org/stats",
        ),
        ({"has_stats_page": True, "website": ""}, ""),
        ({"has_stats_page": False, "website": "https://service.example.org"}, ""),
    ],
)
def test_the_statistics_address_follows_beta_gouv_fr_s_convention(fields, address):
    assert Startup(**fields).stats_address == address


def test_the_api_gives_the_statistics_address_of_the_convention(client, make_startup):
    make_startup(slug="vu", has_stats_page=True, website="https://vu.example.org")
    body = client.get("/api/v1/startups/vu/").json()
    assert body["links"]["stats"] == "https://vu.example.org/stats"


def test_incubated_by_takes_main_and_co_incubations_once_each(
    make_startup, make_incubator
):
    mine, other = make_incubator(), make_incubator()
    main = make_startup(incubator=mine)
    co = make_startup(incubator=other)
    co.co_incubators.set([mine])
    both = make_startup(incubator=mine)
    both.co_incubators.set([mine, other])
    make_startup(incubator=other)
    found = list(Startup.objects.incubated_by([mine]).order_by("pk"))
    assert found == [main, co, both]
    assert list(Startup.objects.of_incubator(mine).order_by("pk")) == found


@pytest.mark.parametrize(
    "text", ["1000.premiers.jours.blues", "e-inspé", "Mon_Service", "a"]
)
def test_beta_gouv_fr_s_identifiers_are_identifiers(text):
    assert is_identifier(text)
    catalogue_slug_validator(text)


@pytest.mark.parametrize("text", ["", ".cache", "-x", "a/b", "a b", "x" * 201])
def test_other_texts_are_not_identifiers(text):
    assert not is_identifier(text)


def test_a_former_identifier_follows_the_same_pattern(make_startup):
    former = FormerSlug(startup=make_startup(), slug="a/b")
    with pytest.raises(ValidationError) as refused:
        former.full_clean()
    assert "slug" in refused.value.message_dict
