from django.urls import path

from startups.views import catalogue, directory

app_name = "startups"

urlpatterns = [
    path("", catalogue.home, name="home"),
    path("startups/", catalogue.startup_list, name="list"),
    path("startups/export.csv", catalogue.export_csv, name="export_csv"),
    # start-up pages
    # incubator and sponsor pages
    path("incubators/", directory.incubator_list, name="incubator_list"),
    path(
        "incubators/<str:slug>/", directory.incubator_detail, name="incubator_detail"
    ),
    path("sponsors/", directory.sponsor_list, name="sponsor_list"),
    path("sponsors/<str:slug>/", directory.sponsor_detail, name="sponsor_detail"),
    # statistics
    # sitemap, robots, feeds
]
