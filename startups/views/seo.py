"""What search engines read at the site's root: robots.txt and sitemap.xml."""

from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.views.generic import TemplateView

from startups.sitemaps import sitemaps

robots_txt = TemplateView.as_view(
    template_name="robots.txt", content_type="text/plain; charset=utf-8"
)


def sitemap(request):
    return sitemap_view(request, sitemaps=sitemaps())
