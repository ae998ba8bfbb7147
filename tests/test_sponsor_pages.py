import datetime as dt
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation

from startups.models import MinisterialDomain, Organisation, Phase
from startups.search import normalise_text

pytestmark = pytest.mark.django_db

LIST = "/en/sponsors/"


def domain_headings(html: str) -> list[str]:
    return re.findall(r'<h2 id="domain-[^"]+-title">(.*?)</h2>', html)


def phase_headings(html: str) -> list[str]:
    headings = re.findall(r'<h3 id="phase-[^"]+-title">(.*?)</h3>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", h).split()) for h in headings]


def section(html: str, domain: MinisterialDomain) -> str:
    start = html.index(f'id="domain-{domain.value}"')
    end = html.find("<section", start + 1)
    return html[start : end if end != -1 else None]


def test_the_sponsors_page_groups_sponsors_by_ministerial_domain_in_label_order(
    client, make_startup, make_organisation
):
    D = MinisterialDomain
    justice = make_organisation(
        slug="dap",
        name="Direction de l'administration pénitentiaire",
        acronym="DAP",
        kind=Organisation.Kind.CENTRAL_ADMINISTRATION,
        ministerial_domain=D.JUSTICE,
    )
    culture = make_organisation(name="Bibliothèque", ministerial_domain=D.CULTURE)
    agriculture = make_organisation(name="Forêts", ministerial_domain=D.AGRICULTURE)
    make_startup(sponsors=[justice])
    make_startup(sponsors=[justice, culture])
    make_startup(sponsors=[agriculture])

    response = client.get(LIST)

    assert response.status_code == 200
    html = response.content.decode()
    assert domain_headings(html) == ["Agriculture", "Culture", "Justice"]
    justice_section = section(html, D.JUSTICE)
    assert (
        '<a href="/en/sponsors/dap/">'
        "Direction de l&#x27;administration pénitentiaire (DAP)</a>"
    ) in justice_section
    assert "2 published start-ups" in justice_section
    assert "Central administration" in justice_section
    assert "1 published start-up<" in section(html, D.CULTURE)
    assert "<title>Sponsors — Start-ups d'État</title>" in html
    assert 'aria-current="page">Sponsors</a>' in html


def test_the_sponsors_page_orders_domains_by_their_label_in_the_visitor_language(
    client, make_startup, make_organisation
):
    domains = [MinisterialDomain.ECONOMY, MinisterialDomain.HEALTH_SOLIDARITY]
    for domain in domains:
        make_startup(sponsors=[make_organisation(ministerial_domain=domain)])

    for language, prefix in (("en", "/en"), ("fr", "")):
        html = client.get(f"{prefix}/sponsors/").content.decode()
        with translation.override(language):
            labels = sorted((str(d.label) for d in domains), key=normalise_text)
        assert domain_headings(html) == labels


def test_the_sponsors_page_leaves_out_organisations_without_published_startups(
    client, make_startup, make_organisation, make_incubator
):
    sponsor = make_organisation(name="Sponsor actif")
    only_draft = make_organisation(name="Sponsor d'un brouillon")
    owner = make_organisation(name="Propriétaire d'incubateur")
    make_incubator(owner=owner)
    make_startup(sponsors=[sponsor])
    make_startup(sponsors=[only_draft, sponsor], is_published=False)

    html = client.get(LIST).content.decode()

    assert "Sponsor actif" in html
    assert "1 published start-up<" in html
    assert "brouillon" not in html
    assert "Propriétaire" not in html


def test_the_sponsors_page_query_count_does_not_grow(
    client, make_startup, make_organisation, django_assert_max_num_queries
):
    def page_queries(budget: int) -> None:
        # organisations with their number of published start-ups
        with django_assert_max_num_queries(budget):
            assert client.get(LIST).status_code == 200

    make_startup(sponsors=[make_organisation()])
    page_queries(2)  # +1: the catalogue version (ETag, startups.caching)
    domains = list(MinisterialDomain)
    sponsors = [make_organisation(ministerial_domain=d) for d in domains]
    for i in range(20):
        make_startup(sponsors=sponsors[i % 7 : i % 7 + 3])
    page_queries(2)  # +1: the catalogue version (ETag, startups.caching)


def test_a_sponsor_page_shows_the_organisation_and_its_startups_by_phase(
    client, make_startup, make_organisation, make_incubator
):
    organisation = make_organisation(
        slug="dgcs",
        name="Direction générale de la cohésion sociale",
        acronym="DGCS",
        kind=Organisation.Kind.CENTRAL_ADMINISTRATION,
        ministerial_domain=MinisterialDomain.HEALTH_SOLIDARITY,
        directory_url="https://lannuaire.service-public.fr/dgcs",
    )
    make_incubator(slug="fabrique-sociale", name="Fabrique sociale", owner=organisation)
    make_incubator(name="Incubateur caché", owner=organisation, is_hidden=True)
    make_startup(
        title="Blues",
        mission="Aider les jeunes parents.",
        sponsors=[organisation],
        phases=[(Phase.CONSOLIDATION, dt.date(2023, 1, 1))],
    )
    make_startup(
        title="Domifa",
        sponsors=[organisation],
        phases=[(Phase.CONSTRUCTION, dt.date(2023, 1, 1))],
    )
    make_startup(
        title="Autre",
        sponsors=[organisation],
        phases=[(Phase.CONSTRUCTION, dt.date(2023, 1, 1))],
    )
    make_startup(title="Brouillon", sponsors=[organisation], is_published=False)
    make_startup(title="Ailleurs")

    response = client.get("/en/sponsors/dgcs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Direction générale de la cohésion sociale" in html
    assert "(DGCS)" in html
    assert "Central administration" in html
    assert "Health and solidarity" in html
    assert 'href="https://lannuaire.service-public.fr/dgcs"' in html
    assert 'href="/en/startups/?sponsor=dgcs"' in html
    assert '<a href="/en/incubators/fabrique-sociale/">Fabrique sociale</a>' in html
    assert "Incubateur caché" not in html
    groups = [
        (g.phase, [s.title for s in g.startups]) for g in response.context["groups"]
    ]
    assert groups == [
        (Phase.CONSTRUCTION, ["Autre", "Domifa"]),
        (Phase.CONSOLIDATION, ["Blues"]),
    ]
    assert phase_headings(html) == [
        "Construction (2 start-ups)",
        "Consolidation (1 start-up)",
    ]
    assert "Aider les jeunes parents." in html
    assert "The 3 start-ups it sponsors" in html
    assert "Brouillon" not in html
    assert "Ailleurs" not in html
    assert "<title>Direction générale de la cohésion sociale — Sponsors — " in html
    assert (
        '<meta name="description" content="Direction générale de la cohésion '
        "sociale sponsors 3 start-ups d'État.\">"
    ) in html
    assert '<a class="fr-breadcrumb__link" href="/en/sponsors/">Sponsors</a>' in html


def test_a_sponsor_page_speaks_french_by_default(
    client, make_startup, make_organisation
):
    organisation = make_organisation(slug="DINUM.interministeriel")
    make_startup(
        sponsors=[organisation], phases=[(Phase.INCONCLUSIVE, dt.date(2023, 1, 1))]
    )

    response = client.get("/sponsors/DINUM.interministeriel/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "Investigation non concluante" in html
    assert 'href="/startups/?sponsor=DINUM.interministeriel"' in html


def test_a_sponsor_without_startups_still_has_a_page(client, make_organisation):
    make_organisation(slug="nouveau", name="Nouvel opérateur")

    response = client.get("/en/sponsors/nouveau/")

    assert response.status_code == 200
    assert "Nouvel opérateur" in response.content.decode()


def test_an_unknown_sponsor_is_not_found(client, make_organisation):
    make_organisation(slug="dgcs")

    assert client.get("/en/sponsors/nope/").status_code == 404
    assert client.get("/sponsors/DGCS/").status_code == 404


def test_a_sponsor_page_query_count_does_not_grow(
    client,
    make_startup,
    make_organisation,
    make_incubator,
    django_assert_max_num_queries,
):
    organisation = make_organisation(slug="dgcs")

    def page_queries(budget: int) -> None:
        # the catalogue version (startups.caching), the organisation, the
        # incubators it runs, its start-ups by phase, the page's start-ups
        with django_assert_max_num_queries(budget):
            assert client.get("/sponsors/dgcs/").status_code == 200

    make_startup(sponsors=[organisation])
    page_queries(5)
    for _ in range(10):
        make_incubator(owner=organisation)
        make_startup(sponsors=[organisation, make_organisation()])
    page_queries(5)


def test_the_real_sponsors_are_listed_and_dgcs_lists_its_startups(
    client, betagouv_data
):
    call_command("import_betagouv", str(betagouv_data), stdout=StringIO())
    sponsoring = Organisation.objects.filter(
        sponsored_startups__is_published=True
    ).distinct()

    response = client.get("/en/sponsors/")

    assert response.status_code == 200
    listed = [o.slug for g in response.context["domains"] for o in g.organisations]
    assert sorted(listed) == sorted(o.slug for o in sponsoring)
    html = response.content.decode()
    dgcs = Organisation.objects.get(slug="dgcs")
    assert f'<a href="/en/sponsors/dgcs/">{dgcs.name} ({dgcs.acronym})</a>' in html

    page = client.get("/sponsors/dgcs/")

    assert page.status_code == 200
    shown = {s.slug for g in page.context["groups"] for s in g.startups}
    in_files = {
        path.stem
        for path in (betagouv_data / "startups").glob("*.md")
        if re.search(r"^\s*-\s*/organisations/dgcs\s*$", path.read_text(), re.M)
    }
    assert "1000.premiers.jours.blues" in shown
    assert shown == in_files
