"""The open data described for harvesters and search engines: a DCAT-AP
catalogue in JSON-LD (/api/catalogue.jsonld, which data.gouv.fr's harvester
reads) and the schema.org Dataset on /api/. Both come from DISTRIBUTIONS, so
that they list the same files, under the licence of settings.DATA_LICENCE."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone

from startups.api.http import open_data
from startups.caching import catalogue_changed_at

IANA = "https://www.iana.org/assignments/media-types/"
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
FRENCH = "http://publications.europa.eu/resource/authority/language/FRA"
FRANCE = "http://publications.europa.eu/resource/authority/country/FRA"
TITLE = "Catalogue des startups d'État"
DESCRIPTION = (
    "Les startups d'État (services publics numériques de beta.gouv.fr) : "
    "mission, phase, incubateurs, sponsors, liens, budgets, dans les formats de "
    "beta.gouv.fr (version 2.7), une API et des flux."
)
KEYWORDS = ["startups d'État", "beta.gouv.fr", "services publics numériques"]


@dataclass(frozen=True)
class Distribution:
    url_name: str
    title: str
    media_type: str
    file_type: str  # the EU vocabulary's file type
    download: bool = True  # a file (downloadURL), else a service (accessURL)


DISTRIBUTIONS = [
    Distribution(
        "api:v27_startups_json",
        "startups.json : startups et incubateurs (JSON:API, format beta.gouv.fr 2.7)",
        "application/json",
        "JSON",
    ),
    Distribution(
        "api:v27_startups_csv",
        "startups.csv : startups, séparateur point-virgule (format beta.gouv.fr 2.7)",
        "text/csv",
        "CSV",
    ),
    Distribution(
        "api:v27_incubators_json",
        "incubators.json : incubateurs et leurs startups",
        "application/json",
        "JSON",
    ),
    Distribution(
        "api:v27_startups_details_json",
        "startups_details.json : fiches et phases",
        "application/json",
        "JSON",
    ),
    Distribution(
        "api:v27_sponsors_json",
        "sponsors.json : organisations sponsors",
        "application/json",
        "JSON",
    ),
    Distribution(
        "api:v27_organisations_json",
        "organisations.json : organisations",
        "application/json",
        "JSON",
    ),
    Distribution(
        "startups:export_budget_csv",
        "budgets.csv : lignes de budget des startups (année, catégorie, montant, "
        "réalisé ou prévisionnel, source, date du relevé), séparateur virgule",
        "text/csv",
        "CSV",
    ),
    Distribution(
        "startups:export_xlsx",
        "Classeur Excel du catalogue (.xlsx)",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "XLSX",
    ),
    Distribution(
        "startups:indicators_csv",
        "indicators.csv : indicateurs d'impact des startups et leurs valeurs datées",
        "text/csv",
        "CSV",
    ),
    Distribution(
        "api:startup-list",
        "API JSON (v1), avec les filtres du catalogue",
        "application/json",
        "JSON",
        download=False,
    ),
    Distribution(
        "startups:feed_phases_atom",
        "Flux Atom des changements de phase",
        "application/atom+xml",
        "ATOM",
        download=False,
    ),
]


def _modified(request) -> str:
    changed = catalogue_changed_at(request) or timezone.now()
    return changed.replace(microsecond=0).isoformat()


def dcat_catalogue(request) -> dict:
    """The catalogue as DCAT-AP 2 in JSON-LD: one dataset, a distribution per
    file or service."""
    licence = settings.DATA_LICENCE
    absolute = request.build_absolute_uri
    home = absolute(reverse("api:documentation"))
    publisher = {
        "@id": f"{home}#publisher",
        "@type": "foaf:Agent",
        "foaf:name": "beta.gouv.fr (DINUM)",
        "foaf:homepage": {"@id": "https://beta.gouv.fr"},
    }
    modified = {"@value": _modified(request), "@type": "xsd:dateTime"}
    distributions = []
    for d in DISTRIBUTIONS:
        url = {"@id": absolute(reverse(d.url_name))}
        distribution = {
            "@id": f"{url['@id']}#distribution",
            "@type": "dcat:Distribution",
            "dct:title": d.title,
            "dcat:accessURL": url,
            "dcat:mediaType": {"@id": IANA + d.media_type},
            "dct:format": {"@id": EU_FILE_TYPE + d.file_type},
            "dct:license": {"@id": licence["url"]},
            "dct:modified": modified,
        }
        if d.download:
            distribution["dcat:downloadURL"] = url
        distributions.append(distribution)
    return {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "vcard": "http://www.w3.org/2006/vcard/ns#",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "@id": absolute(reverse("api:dcat")),
        "@type": "dcat:Catalog",
        "dct:title": TITLE,
        "dct:description": DESCRIPTION,
        "dct:language": {"@id": FRENCH},
        "dct:publisher": publisher,
        "dct:license": {"@id": licence["url"]},
        "dct:modified": modified,
        "foaf:homepage": {"@id": home},
        "dcat:dataset": [
            {
                "@id": f"{home}#startups",
                "@type": "dcat:Dataset",
                "dct:identifier": f"{home}#startups",
                "dct:title": TITLE,
                "dct:description": DESCRIPTION,
                "dcat:keyword": KEYWORDS,
                "dct:language": {"@id": FRENCH},
                "dct:spatial": {"@id": FRANCE},
                "dct:publisher": publisher,
                "dct:license": {"@id": licence["url"]},
                "dct:rights": licence["name"],
                "dct:modified": modified,
                "dct:accrualPeriodicity": {
                    "@id": "http://publications.europa.eu/resource/authority/"
                    "frequency/CONT"
                },
                "dcat:landingPage": {"@id": absolute(reverse("startups:list"))},
                "dcat:contactPoint": {
                    "@type": "vcard:Organization",
                    "vcard:fn": "beta.gouv.fr",
                    "vcard:hasURL": {"@id": "https://beta.gouv.fr"},
                },
                "dcat:distribution": distributions,
            }
        ],
    }


@open_data
def dcat(request):
    return JsonResponse(
        dcat_catalogue(request),
        content_type="application/ld+json; charset=utf-8",
        json_dumps_params={"ensure_ascii": False},
    )


def schema_org_dataset(request) -> dict:
    """The schema.org Dataset of /api/ (search engines' dataset search)."""
    licence = settings.DATA_LICENCE
    absolute = request.build_absolute_uri
    return {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "name": TITLE,
        "description": DESCRIPTION,
        "url": absolute(reverse("api:documentation")),
        "keywords": KEYWORDS,
        "inLanguage": "fr",
        "isAccessibleForFree": True,
        "license": licence["url"],
        "dateModified": _modified(request),
        "spatialCoverage": {"@type": "Country", "name": "France"},
        "creator": {
            "@type": "GovernmentOrganization",
            "name": "beta.gouv.fr (DINUM)",
            "url": "https://beta.gouv.fr",
        },
        "includedInDataCatalog": {
            "@type": "DataCatalog",
            "name": TITLE,
            "url": absolute(reverse("api:dcat")),
        },
        "distribution": [
            {
                "@type": "DataDownload",
                "name": d.title,
                "encodingFormat": d.media_type,
                "contentUrl": absolute(reverse(d.url_name)),
            }
            for d in DISTRIBUTIONS
            if d.download
        ],
    }
