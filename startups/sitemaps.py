"""The sitemap: every public page in French and in English, with hreflang
alternates, in files of at most 1,000 addresses listed by a sitemap index. A
section whose page does not exist yet (its route is not in the URLconf) is left
out rather than listing addresses that would answer 404."""

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.core.paginator import Paginator
from django.db.models import Max
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

    @property
    def protocol(self) -> str:
        # The public address's (settings.SITE_URL), as its host is: never what
        # the request (X-Forwarded-Proto) says, since the sitemap is cached.
        return settings.SITE_URL.split("://", 1)[0]


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
        "startups:results",
        "legal_notice",
        "accessibility",
        "personal_data",
        "security_policy",
    )

    def items(self):
        return [name for name in self.routes if route_exists(name)]

    def location(self, item):
        return reverse(item)


class _LanguagePairs:
    """The (item, language) pairs Sitemap._items() lists, for a queryset, read
    from the database a page at a time: Django's own list holds every item in
    memory, which 100,000 start-ups make costly on every page."""

    def __init__(self, queryset, languages: list[str]):
        self.queryset = queryset
        self.languages = languages

    def count(self) -> int:
        return self.queryset.count() * len(self.languages)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list:
        per_item = len(self.languages)
        first, last = index.start // per_item, -(-index.stop // per_item)
        pairs = [
            (item, language)
            for item in self.queryset[first:last]
            for language in self.languages
        ]
        skip = first * per_item
        return pairs[index.start - skip : index.stop - skip]


class StartupSitemap(I18nSitemap):
    route = "startups:detail"
    changefreq = "weekly"
    # Addresses a file (500 start-ups in two languages, each with its
    # alternates: about 450 kB); the sitemap index lists as many as needed.
    limit = 1000

    def items(self):
        return Startup.objects.for_sitemap()

    @property
    def paginator(self):
        return Paginator(_LanguagePairs(self.items(), self._languages()), self.limit)

    def get_latest_lastmod(self):
        return self.items().aggregate(latest=Max("updated_at"))["latest"]

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
