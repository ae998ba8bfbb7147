"""/api/: the documentation page, the API (v1) and beta.gouv.fr's files (v2.7).
Outside i18n_patterns: one address per resource, whatever the language."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from startups.api import catalogue, v27, views

app_name = "api"

router = SimpleRouter()
router.register("startups", views.StartupViewSet, basename="startup")
router.register("incubators", views.IncubatorViewSet, basename="incubator")
router.register("sponsors", views.SponsorViewSet, basename="sponsor")
router.register("phases", views.PhaseViewSet, basename="phase")
router.register("themes", views.ThemeViewSet, basename="theme")
router.register("audiences", views.AudienceViewSet, basename="audience")

urlpatterns = [
    path("", views.documentation, name="documentation"),
    path("catalogue.jsonld", catalogue.dcat, name="dcat"),
    path("v1/", views.api_root, name="root"),
    path("v1/schema/", views.schema_view, name="schema"),
    path("v1/", include(router.urls)),
    path("v2.7/startups.json", v27.startups_json, name="v27_startups_json"),
    path("v2.7/startups.csv", v27.startups_csv, name="v27_startups_csv"),
    path("v2.7/incubators.json", v27.incubators_json, name="v27_incubators_json"),
    path(
        "v2.7/startups_details.json",
        v27.startups_details_json,
        name="v27_startups_details_json",
    ),
    path("v2.7/sponsors.json", v27.sponsors_json, name="v27_sponsors_json"),
    path("v2.7/authors.json", v27.authors_json, name="v27_authors_json"),
    path(
        "v2.7/organisations.json",
        v27.organisations_json,
        name="v27_organisations_json",
    ),
]
