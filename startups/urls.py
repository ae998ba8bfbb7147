from django.urls import path
from django.utils.translation import pgettext_lazy

from startups import feeds
from startups.views import (
    catalogue,
    directory,
    embed,
    impact,
    results,
    startup,
    stats,
)

app_name = "startups"

urlpatterns = [
    path("", catalogue.home, name="home"),
    path("startups/", catalogue.startup_list, name="list"),
    path("startups/export.csv", catalogue.export_csv, name="export_csv"),
    path("startups/export.xlsx", catalogue.export_xlsx, name="export_xlsx"),
    path(
        "startups/export-budgets.csv",
        catalogue.export_budget_csv,
        name="export_budget_csv",
    ),
    path("startups/indicators.csv", impact.indicators_csv, name="indicators_csv"),
    path("startups/embed/", embed.embed_list, name="embed"),
    # start-up pages
    # After export.csv; any identifier, as beta.gouv.fr's hold dots and accents.
    path("startups/<str:slug>.html", startup.legacy_redirect, name="legacy_detail"),
    path("startups/<str:slug>/", startup.startup_detail, name="detail"),
    # incubator and sponsor pages
    path("incubators/", directory.incubator_list, name="incubator_list"),
    path("incubators/<str:slug>/", directory.incubator_detail, name="incubator_detail"),
    path("sponsors/", directory.sponsor_list, name="sponsor_list"),
    path("sponsors/<str:slug>/", directory.sponsor_detail, name="sponsor_detail"),
    # statistics
    path("stats/", stats.statistics, name="stats"),
    # results: /resultats/ in French, /en/results/ in English
    path(pgettext_lazy("url", "results/"), results.results_page, name="results"),
    path(
        pgettext_lazy("url", "results/results.csv"),
        results.results_csv,
        name="results_csv",
    ),
    # sitemap, robots, feeds
    path("feeds/startups.atom", feeds.new_startups_atom, name="feed_startups_atom"),
    path("feeds/startups.rss", feeds.new_startups_rss, name="feed_startups_rss"),
    path("feeds/phases.atom", feeds.phase_changes_atom, name="feed_phases_atom"),
    path("feeds/phases.rss", feeds.phase_changes_rss, name="feed_phases_rss"),
    path(
        "incubators/<str:slug>/feeds/startups.atom",
        feeds.new_startups_atom,
        name="incubator_feed_startups_atom",
    ),
    path(
        "incubators/<str:slug>/feeds/startups.rss",
        feeds.new_startups_rss,
        name="incubator_feed_startups_rss",
    ),
    path(
        "incubators/<str:slug>/feeds/phases.atom",
        feeds.phase_changes_atom,
        name="incubator_feed_phases_atom",
    ),
    path(
        "incubators/<str:slug>/feeds/phases.rss",
        feeds.phase_changes_rss,
        name="incubator_feed_phases_rss",
    ),
]
