"""The sitemap: every public page in French and in English, with hreflang
alternates. A section whose page does not exist yet (its route is not in the URLconf)
is left out rather than listing addresses that would answer 404."""

from django.contrib.sitemaps import Sitemap
from django.urls import NoReverseMatch, reverse

from startups.models import Incubator, Organisation, Startup


def route_exists(name: str, **kwargs) -> bool:
    try:
        reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return False
    return True


class I18nSitemap(Sitemap):
    # One <url> per language, each listing the others as <xhtml:link> alternates.
    i18n = True
    alternates = True
    x_default = True


class PageSitemap(I18nSitemap):
    """The pages that are not about one row: home, catalogue, statistics, legal."""

    priority = 0.6
    changefreq = "weekly"
    routes = (
        "startups:home",
        "startups:list",
        "startups:incubator_list",
        "startups:sponsor_list",
        "startups:stats",
        "legal_notice",
        "accessibility",
        "personal_data",
    )

    def items(self):
        return [name for name in self.routes if route_exists(name)]

    def location(self, item):
        return reverse(item)


class StartupSitemap(I18nSitemap):
    route = "startups:detail"
    changefreq = "weekly"

    def items(self):
        return Startup.objects.for_sitemap()

    def location(self, item):
        return reverse(self.route, kwargs={"slug": item.slug})

    def lastmod(self, item):
        return item.updated_at


class IncubatorSitemap(I18nSitemap):
    route = "startups:incubator_detail"
    changefreq = "monthly"

    def items(self):
        return Incubator.objects.visible().only("slug").order_by("slug")

    def location(self, item):
        return reverse(self.route, kwargs={"slug": item.slug})


class SponsorSitemap(I18nSitemap):
    route = "startups:sponsor_detail"
    changefreq = "monthly"

    def items(self):
        # The sponsors page's organisations: those of at least one published
        # start-up.
        return Organisation.objects.for_sponsor_list().only("slug").order_by("slug")

    def location(self, item):
        return reverse(self.route, kwargs={"slug": item.slug})


SECTIONS = {
    "startups": StartupSitemap,
    "incubators": IncubatorSitemap,
    "sponsors": SponsorSitemap,
}


def sitemaps() -> dict[str, type[Sitemap]]:
    """The sections whose pages exist, read when the sitemap is asked for."""
    found = {"pages": PageSitemap}
    for name, section in SECTIONS.items():
        if route_exists(section.route, slug="x"):
            found[name] = section
    return found
