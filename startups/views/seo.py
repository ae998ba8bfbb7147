"""What robots and tools read at the site's root: robots.txt, sitemap.xml and
security.txt, with the vulnerability policy page that security.txt points to."""

import datetime as dt

from django.conf import settings
from django.contrib.sitemaps.views import index as sitemap_index_view
from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.views.generic import TemplateView

from startups.caching import cached_page
from startups.sitemaps import sitemaps

robots_txt = TemplateView.as_view(
    template_name="robots.txt", content_type="text/plain; charset=utf-8"
)


# /sitemap.xml, the index: one file per section (and per 5,000 addresses of
# start-ups), /sitemap-<section>.xml?p=<page>. Built once per catalogue version.
sitemap_index = cached_page(
    lambda request: sitemap_index_view(
        request, sitemaps=sitemaps(), sitemap_url_name="sitemap_section"
    )
)


@cached_page
def sitemap_section(request, section: str):
    return sitemap_view(request, sitemaps=sitemaps(), section=section)


def security_txt(request):
    """/.well-known/security.txt (RFC 9116): whom to tell about a vulnerability."""
    contact = settings.SECURITY_CONTACT
    if not contact:
        # Without a configured contact, answer 404 rather than publish a
        # placeholder: reports sent to an address nobody reads are lost, and
        # a missing file at least sends researchers looking elsewhere (CERT-FR).
        raise Http404("No security contact configured (DJANGO_SECURITY_CONTACT).")
    # The RFC asks for an expiry under a year away, so that a stale file is
    # noticed. Written by the running site, the file is current for as long as
    # the site runs, so the date moves with it: 364 days ahead, at midnight UTC
    # so that the file changes once a day.
    today = timezone.now().astimezone(dt.UTC).date()
    expires = today + dt.timedelta(days=364)
    with translation.override(settings.LANGUAGE_CODE):
        policy = reverse("security_policy")
    lines = [
        f"Contact: {contact}",
        f"Expires: {expires.isoformat()}T00:00:00Z",
        "Preferred-Languages: fr, en",
        f"Canonical: {request.build_absolute_uri(request.path)}",
        f"Policy: {request.build_absolute_uri(policy)}",
    ]
    return HttpResponse(
        "\n".join(lines) + "\n", content_type="text/plain; charset=utf-8"
    )


def security_policy(request):
    """The vulnerability disclosure policy: how to report, our commitments."""
    contact = settings.SECURITY_CONTACT
    return render(
        request,
        "pages/security_policy.html",
        {"contact": contact, "contact_label": contact.removeprefix("mailto:")},
    )
