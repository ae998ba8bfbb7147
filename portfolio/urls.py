from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
]
urlpatterns += i18n_patterns(
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
    path("", include("startups.urls")),
    prefix_default_language=False,
)
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
