from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from startups import media
from startups.admin.people import password_urls
from startups.views import seo

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # Robots and tools look for these at the root, in no language.
    path("robots.txt", seo.robots_txt, name="robots_txt"),
    path("sitemap.xml", seo.sitemap_index, name="sitemap"),
    path("sitemap-<section>.xml", seo.sitemap_section, name="sitemap_section"),
    path(".well-known/security.txt", seo.security_txt, name="security_txt"),
    # Open data: one address whatever the language (documentation in French).
    path("api/", include("startups.api.urls")),
    # Uploaded images on the local disk (MEDIA_URL), in every mode, DEBUG or not:
    # a view that serves images only. With object storage they live at the
    # bucket's address and this answers 404.
    path("media/<path:path>", media.serve, name="media"),
]
urlpatterns += i18n_patterns(
    *password_urls(),
    path("admin/", admin.site.urls),
    # The pages every French public site carries, linked from the footer.
    path(
        "mentions-legales/",
        TemplateView.as_view(template_name="pages/legal_notice.html"),
        name="legal_notice",
    ),
    path(
        "accessibilite/",
        TemplateView.as_view(template_name="pages/accessibility.html"),
        name="accessibility",
    ),
    path(
        "donnees-personnelles/",
        TemplateView.as_view(template_name="pages/personal_data.html"),
        name="personal_data",
    ),
    # What /.well-known/security.txt's Policy points to.
    path("securite/", seo.security_policy, name="security_policy"),
    path("", include("startups.urls")),
    prefix_default_language=False,
)
# A database error raised outside a view (in a middleware) gives the 503 page too.
handler500 = "portfolio.middleware.server_error"
