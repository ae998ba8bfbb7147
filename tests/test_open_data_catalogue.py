"""The open data described for harvesters (DCAT-AP in JSON-LD, read here with
rdflib as data.gouv.fr's harvester reads RDF), search engines (schema.org
Dataset on /api/), and its licence: a setting shown everywhere."""

import io
import json
import re

import openpyxl
import pytest
from django.test import override_settings
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

from startups.api.catalogue import DISTRIBUTIONS

FOAF = Namespace("http://xmlns.com/foaf/0.1/")
CC_BY_NC_SA = "https://creativecommons.org/licenses/by-nc-sa/4.0/"
ETALAB = {
    "id": "etalab-2.0",
    "name": "Licence Ouverte / Open Licence 2.0",
    "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}


@pytest.fixture
def catalogue(make_startup):
    make_startup(slug="alpha")


def test_the_dcat_catalogue_is_valid_rdf_with_a_dataset_and_its_files(
    client, catalogue
):
    r = client.get("/api/catalogue.jsonld")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/ld+json")
    assert r["Access-Control-Allow-Origin"] == "*"
    graph = Graph().parse(data=r.content, format="json-ld")
    catalog = URIRef("http://testserver/api/catalogue.jsonld")
    assert (catalog, RDF.type, DCAT.Catalog) in graph
    assert graph.value(catalog, DCTERMS.title)
    assert graph.value(catalog, DCTERMS.license) == URIRef(CC_BY_NC_SA)
    datasets = list(graph.objects(catalog, DCAT.dataset))
    assert len(datasets) == 1
    dataset = datasets[0]
    assert (dataset, RDF.type, DCAT.Dataset) in graph
    for predicate in (DCTERMS.title, DCTERMS.description, DCTERMS.publisher):
        assert graph.value(dataset, predicate) is not None, predicate
    assert graph.value(dataset, DCTERMS.license) == URIRef(CC_BY_NC_SA)
    assert graph.value(graph.value(dataset, DCTERMS.publisher), FOAF.name)
    distributions = list(graph.objects(dataset, DCAT.distribution))
    assert len(distributions) == len(DISTRIBUTIONS)
    urls = set()
    for distribution in distributions:
        access = graph.value(distribution, DCAT.accessURL)
        assert graph.value(distribution, DCAT.mediaType) is not None
        assert graph.value(distribution, DCTERMS.license) == URIRef(CC_BY_NC_SA)
        urls.add(str(access))
    # Each listed address answers.
    for url in urls:
        assert client.get(url.removeprefix("http://testserver")).status_code == 200
    assert "http://testserver/api/v2.7/startups.json" in urls


def test_the_api_page_links_the_catalogue_and_describes_a_schema_org_dataset(
    client, catalogue
):
    r = client.get("/api/")
    text = r.content.decode()
    assert 'href="/api/catalogue.jsonld"' in text
    blocks = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', text, re.S
    )
    datasets = [json.loads(b) for b in blocks if '"Dataset"' in b]
    assert len(datasets) == 1
    dataset = datasets[0]
    assert dataset["@type"] == "Dataset"
    assert dataset["license"] == CC_BY_NC_SA
    assert {d["contentUrl"] for d in dataset["distribution"]} >= {
        "http://testserver/api/v2.7/startups.json",
        "http://testserver/api/v2.7/startups.csv",
    }


def test_the_licence_is_cc_by_nc_sa_by_default_everywhere(client, catalogue):
    page = client.get("/").content.decode()
    assert CC_BY_NC_SA in page and "Creative Commons BY-NC-SA 4.0" in page
    api = client.get("/api/").content.decode()
    assert CC_BY_NC_SA in api
    schema = client.get("/api/v1/schema/").json()
    assert schema["info"]["license"]["url"] == CC_BY_NC_SA
    for url in ("/api/v2.7/startups.json", "/api/v2.7/startups.csv", "/api/v1/"):
        assert client.get(url)["Link"] == f'<{CC_BY_NC_SA}>; rel="license"'
    atom = client.get("/feeds/startups.atom").content.decode()
    assert f"<rights>Creative Commons BY-NC-SA 4.0 ({CC_BY_NC_SA})</rights>" in atom
    book = openpyxl.load_workbook(
        io.BytesIO(client.get("/startups/export.xlsx").content)
    )
    assert CC_BY_NC_SA in book.properties.description


def test_the_licence_follows_its_setting(client, catalogue):
    with override_settings(DATA_LICENCE=ETALAB):
        assert ETALAB["url"] in client.get("/").content.decode()
        r = client.get("/api/catalogue.jsonld")
        assert ETALAB["url"] in r.content.decode()
        assert CC_BY_NC_SA not in r.content.decode()


def test_an_unknown_licence_is_refused_at_start(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import portfolio.settings

    monkeypatch.setenv("DJANGO_DATA_LICENCE", "all-rights-reserved")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DATA_LICENCE"):
        importlib.reload(portfolio.settings)
    monkeypatch.delenv("DJANGO_DATA_LICENCE")
    importlib.reload(portfolio.settings)


def test_the_api_documentation_lists_every_clean_up(client, db):
    from django.utils.html import escape

    from startups.betagouv.writer import CLEAN_UPS

    page = client.get("/api/").content.decode()
    for clean_up in CLEAN_UPS:
        assert escape(clean_up) in page
    assert "/api/v2.7/authors.json" in page and "données personnelles" in page
