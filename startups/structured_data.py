"""schema.org descriptions (JSON-LD) of a start-up's and an incubator's pages,
for search engines and data reusers. They read only what the pages prefetch
(Startup.objects.for_startup_page(), Incubator.objects.for_incubator_page()):
no query of their own."""

from __future__ import annotations

from django.http import HttpRequest

from startups.models import Incubator, Organisation, Startup
from startups.views.directory import plain_text

FRANCE = {"@type": "Country", "name": "France"}


def _absolute(request: HttpRequest | None, path: str) -> str:
    return request.build_absolute_uri(path) if request is not None else path


def _organisation(organisation: Organisation, request) -> dict:
    data = {
        "@type": "GovernmentOrganization",
        "name": organisation.name,
        "url": _absolute(request, organisation.get_absolute_url()),
    }
    if organisation.acronym:
        data["alternateName"] = organisation.acronym
    if organisation.directory_url:
        data["sameAs"] = [organisation.directory_url]
    return data


def _incubator_summary(incubator: Incubator, request) -> dict:
    return {
        "@type": "GovernmentOrganization",
        "name": incubator.name,
        "url": _absolute(request, incubator.get_absolute_url()),
    }


def startup_json_ld(startup: Startup, request: HttpRequest | None) -> dict:
    """A GovernmentService: provided by its incubators, operated by its
    sponsors, for France."""
    data: dict = {
        "@context": "https://schema.org",
        "@type": "GovernmentService",
        "@id": _absolute(request, startup.get_absolute_url()) + "#service",
        "name": startup.title,
        "description": startup.mission,
        "url": _absolute(request, startup.get_absolute_url()),
        "serviceType": "Startup d'État",
        "areaServed": FRANCE,
        "provider": [
            _incubator_summary(startup.incubator, request),
            *(
                _incubator_summary(i, request)
                for i in startup.co_incubators.all()
                if i.pk != startup.incubator_id
            ),
        ],
    }
    sponsors = [_organisation(o, request) for o in startup.sponsors.all()]
    if sponsors:
        data["serviceOperator"] = sponsors
    themes = [t.label for t in startup.themes.all()]
    if themes:
        data["category"] = themes
    audiences = [
        {"@type": "Audience", "audienceType": a.label} for a in startup.audiences.all()
    ]
    if audiences:
        data["audience"] = audiences
    same_as = [url for url in (startup.website, startup.repository) if url]
    if same_as:
        data["sameAs"] = same_as
    if startup.screenshot:
        data["image"] = _absolute(request, startup.screenshot.url)
    return data


def incubator_json_ld(incubator: Incubator, request: HttpRequest | None) -> dict:
    """A GovernmentOrganization, part of the organisation that owns it."""
    data: dict = {
        "@context": "https://schema.org",
        "@type": "GovernmentOrganization",
        "@id": _absolute(request, incubator.get_absolute_url()) + "#organization",
        "name": incubator.name,
        "url": _absolute(request, incubator.get_absolute_url()),
        "areaServed": FRANCE,
    }
    if incubator.short_description:
        # beta.gouv.fr's short descriptions hold bits of HTML.
        data["description"] = plain_text(incubator.short_description)
    if incubator.owner is not None:
        data["parentOrganization"] = _organisation(incubator.owner, request)
    if incubator.contact:
        data["email"] = incubator.contact
    if incubator.address:
        data["address"] = {"@type": "PostalAddress", "streetAddress": incubator.address}
    if incubator.website:
        data["sameAs"] = [incubator.website]
    if incubator.logo:
        data["logo"] = _absolute(request, incubator.logo.url)
    return data
