"""What search engines read at the site's root: robots.txt and sitemap.xml."""

from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.http import HttpResponse
from django.views.generic import TemplateView

from startups.caching import cached, conditional_page
from startups.sitemaps import sitemaps

robots_txt = TemplateView.as_view(
    template_name="robots.txt", content_type="text/plain; charset=utf-8"
)


@conditional_page
def sitemap(request):
    def render():
        response = sitemap_view(request, sitemaps=sitemaps())
        return response.render().content, response["Content-Type"]

    # A few large queries at 100,000 start-ups: once per catalogue version.
    content, content_type = cached(request, "sitemap", render)
    return HttpResponse(content, content_type=content_type)
