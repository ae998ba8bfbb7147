"""A start-up's public page (/startups/<slug>/) and the old addresses leading to it."""

import datetime as dt
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.template import loader
from django.urls import resolve
from django.utils import translation

from startups import daily
from startups.models import (
    AccessibilityStatus,
    Audience,
    Event,
    FormerSlug,
    Phase,
    Startup,
    Theme,
)
from startups.services import make_incubator_staff
from startups.views import catalogue
from startups.views import startup as startup_views
from startups.views.startup import Timeline, format_duration

pytestmark = pytest.mark.django_db

TODAY = dt.date(2022, 4, 15)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    # Open phases run until today: pin it, so that durations do not drift.
    monkeypatch.setattr(startup_views.timezone, "localdate", lambda: TODAY)
    daily.mark_refreshed(TODAY)  # the builders stored the phases of TODAY


def page(client, startup, lang=""):
    prefix = f"/{lang}" if lang else ""
    response = client.get(f"{prefix}/startups/{startup.slug}/")
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, section_id: str) -> str:
    match = re.search(rf'<section[^>]* id="{section_id}".*?</section>', html, re.S)
    assert match, f"no section #{section_id}"
    return match.group(0)


def full_startup(make_startup, make_incubator, make_organisation, n: int = 1):
    """A start-up with `n` of each list the page shows."""
    startup = make_startup(
        phases=[
            (phase, dt.date(2015 + i, 1, 1), dt.date(2015 + i, 6, 1))
            for i, phase in enumerate(list(Phase)[:n])
        ],
        sponsors=[make_organisation() for _ in range(n)],
        themes=[
            Theme.objects.create(slug=f"theme-{i}", label=f"Theme {i}")
            for i in range(n)
        ],
        technologies=[f"Tech {n}-{i}" for i in range(n)],
    )
    startup.co_incubators.set([make_incubator() for _ in range(n)])
    startup.audiences.set(
        [
            Audience.objects.create(slug=f"audience-{i}", label=f"Audience {i}")
            for i in range(n)
        ]
    )
    for i in range(n):
        Event.objects.create(
            startup=startup, kind=Event.Kind.OTHER, date=dt.date(2016, 1, 1 + i)
        )
    return startup


# What the page shows


def test_it_shows_the_title_mission_and_current_phase_as_a_badge(client, make_startup):
    startup = make_startup(
        title="Mon Suivi Justice",
        mission="Faciliter le suivi des personnes placées sous main de justice.",
        phases=[
            (Phase.INVESTIGATION, dt.date(2020, 1, 1)),
            (Phase.CONSTRUCTION, dt.date(2020, 6, 1)),
        ],
    )

    html = page(client, startup, "en")

    assert "<h1>Mon Suivi Justice</h1>" in html
    assert html.count("<h1") == 1
    assert (
        '<p class="fr-text--lead" id="mission" lang="fr">Faciliter le suivi des '
        "personnes placées sous main de justice.</p>"
    ) in html
    assert re.search(
        r'<p class="fr-badge fr-badge--info[^"]*" id="current-phase">'
        r'<span class="fr-sr-only">Current phase: </span>Construction</p>',
        html,
    )


def test_its_title_and_meta_description_are_the_start_up_and_its_mission(
    client, make_startup
):
    startup = make_startup(title="Aides-jeunes", mission="Simuler ses aides.")

    html = page(client, startup, "en")

    assert "<title>Aides-jeunes — " in html
    assert '<meta name="description" content="Simuler ses aides.">' in html


def test_its_breadcrumb_leads_home_then_to_the_catalogue(client, make_startup):
    startup = make_startup(title="Aides-jeunes")

    html = page(client, startup)

    breadcrumb = re.search(r'<ol class="fr-breadcrumb__list">.*?</ol>', html, re.S)
    links = re.findall(r"<a [^>]*>([^<]*)</a>", breadcrumb.group(0))
    assert links == ["Accueil", "Catalogue", "Aides-jeunes"]
    assert 'href="/startups/">Catalogue</a>' in breadcrumb.group(0)
    assert 'aria-current="page">Aides-jeunes</a>' in breadcrumb.group(0)


def test_its_description_is_markdown_made_safe_under_its_own_heading(
    client, make_startup
):
    startup = make_startup(
        description="## Le problème\n\nDes **usagers** perdus.\n\n"
        "<script>alert(1)</script>\n\n[Site](javascript:alert(2))"
    )

    html = page(client, startup, "en")

    description = section(html, "description")
    assert "<h2 " in description and "About the service</h2>" in description
    assert "<h3>Le problème</h3>" in description
    assert "<p>Des <strong>usagers</strong> perdus.</p>" in description
    assert "alert" not in html
    assert "<script>alert" not in html


def test_a_start_up_without_description_shows_no_empty_section(client, make_startup):
    html = page(client, make_startup(description=""), "en")

    assert 'id="description"' not in html


def test_its_phase_history_is_listed_with_french_dates_and_durations(
    client, make_startup
):
    startup = make_startup(
        phases=[
            (Phase.INVESTIGATION, dt.date(2020, 9, 1), dt.date(2021, 2, 1)),
            (Phase.CONSTRUCTION, dt.date(2021, 2, 1)),
        ]
    )

    html = page(client, startup)

    phases = section(html, "phases")
    items = re.findall(r"<li(?:\s[^>]*)?>(.*?)</li>", phases, re.S)
    texts = [" ".join(re.sub("<[^>]+>", " ", i).split()) for i in items]
    assert texts[0].startswith("Investigation —")
    assert "1 septembre 2020" in texts[0]
    assert "1 février 2021" in texts[0]
    assert texts[1].startswith("Construction —")
    assert "1 février 2021" in texts[1]


def test_its_phase_history_says_how_long_each_phase_lasted_in_english(
    client, make_startup
):
    startup = make_startup(
        phases=[
            (Phase.INVESTIGATION, dt.date(2020, 9, 1), dt.date(2021, 2, 1)),
            (Phase.CONSTRUCTION, dt.date(2021, 2, 1)),
        ]
    )

    phases = section(page(client, startup, "en"), "phases")

    assert "from 1 September 2020 to 1 February 2021" in phases
    assert "(5 months)" in phases
    # Open: runs until today (15 April 2022).
    assert "since 1 February 2021" in phases
    assert "(1 year and 2 months, ongoing)" in phases


def test_its_phase_timeline_is_an_svg_image_with_a_label_and_no_inline_style(
    client, make_startup
):
    startup = make_startup(
        phases=[
            (Phase.INVESTIGATION, dt.date(2020, 4, 15)),
            (Phase.CONSTRUCTION, dt.date(2021, 4, 15)),
        ]
    )

    html = page(client, startup, "en")

    svg = re.search(r"<svg .*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg
    assert (
        'aria-label="Phase timeline from 15 April 2020 to 15 April 2022, '
        'detailed in the list below"'
    ) in svg
    # Two years: each phase is half of the chart, placed by attributes.
    bars = re.findall(
        r'<rect class="([^"]*)" x="([\d.]+)%"[^>]* width="([\d.]+)%"', svg
    )
    assert [(float(x), float(w)) for _, x, w in bars] == [(0, 50.0), (50.0, 50.0)]
    assert "startup-timeline__bar--investigation" in bars[0][0]
    assert "startup-timeline__bar--ongoing" in bars[1][0]
    assert 'style="' not in html


def test_its_timeline_numbers_are_not_localised_in_french(client, make_startup):
    startup = make_startup(
        phases=[
            (Phase.INVESTIGATION, dt.date(2020, 1, 1)),
            (Phase.CONSTRUCTION, dt.date(2020, 4, 10)),
        ]
    )

    svg = re.search(r"<svg .*?</svg>", page(client, startup), re.S).group(0)

    # "13,76%" would be no length at all for the browser.
    assert not re.search(r'(x|width)="\d+,\d+%"', svg)


def test_a_start_up_without_phases_says_so(client, make_startup):
    html = page(client, make_startup(phases=[]), "en")

    assert "No phase is recorded for this start-up." in html
    assert "<svg" not in section(html, "phases")
    assert 'id="current-phase"' not in html


def test_a_phase_without_end_date_ends_when_the_next_one_starts():
    phases = [
        _phase(Phase.INVESTIGATION, dt.date(2020, 1, 1)),
        _phase(Phase.CONSTRUCTION, dt.date(2020, 7, 1)),
    ]

    timeline = Timeline.of(phases, today=dt.date(2021, 1, 1))

    first, last = timeline.rows
    assert (first.end, first.ongoing) == (dt.date(2020, 7, 1), False)
    assert (last.end, last.ongoing) == (dt.date(2021, 1, 1), True)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (dt.date(2021, 2, 1), dt.date(2021, 2, 20), "less than a month"),
        (dt.date(2021, 2, 1), dt.date(2021, 3, 1), "1 month"),
        (dt.date(2021, 2, 1), dt.date(2021, 7, 1), "5 months"),
        (dt.date(2021, 2, 15), dt.date(2021, 7, 14), "4 months"),
        (dt.date(2020, 2, 1), dt.date(2021, 2, 1), "1 year"),
        (dt.date(2020, 2, 1), dt.date(2021, 4, 1), "1 year and 2 months"),
        (dt.date(2018, 1, 1), dt.date(2021, 2, 1), "3 years and 1 month"),
    ],
)
def test_durations_read_in_years_and_months(start, end, expected):
    with translation.override("en"):
        assert format_duration(start, end) == expected


def test_its_incubators_link_to_their_pages(client, make_startup, make_incubator):
    startup = make_startup(incubator=make_incubator(slug="sgmas", name="Fabrique"))
    startup.co_incubators.set([make_incubator(slug="dinum", name="Incubateur DINUM")])

    incubators = section(page(client, startup, "en"), "incubators")

    assert '<a class="fr-link" href="/en/incubators/sgmas/">Fabrique</a>' in incubators
    assert (
        '<a class="fr-link" href="/en/incubators/dinum/">Incubateur DINUM</a>'
        in incubators
    )


def test_its_sponsors_show_name_and_acronym_and_link_to_their_pages(
    client, make_startup, make_organisation
):
    sponsor = make_organisation(
        slug="dgcs", name="Direction générale de la cohésion sociale", acronym="DGCS"
    )
    plain = make_organisation(slug="ville", name="Ville de Lyon", acronym="")
    startup = make_startup(sponsors=[sponsor, plain])

    sponsors = section(page(client, startup), "sponsors")

    assert (
        '<a class="fr-link" href="/sponsors/dgcs/">'
        "Direction générale de la cohésion sociale (DGCS)</a>"
    ) in sponsors
    assert '<a class="fr-link" href="/sponsors/ville/">Ville de Lyon</a>' in sponsors


def test_its_links_section_links_what_is_known_and_greys_out_the_rest(
    client, make_startup
):
    startup = make_startup(
        website="https://service.beta.gouv.fr",
        repository="https://github.com/betagouv/service",
        dashlord_url="https://dashlord.example/service",
    )

    links = section(page(client, startup, "en"), "links")

    assert '<a class="fr-link" href="https://service.beta.gouv.fr">Website</a>' in links
    assert (
        '<a class="fr-link" href="https://github.com/betagouv/service">Source code</a>'
    ) in links
    assert (
        '<a class="fr-link" href="https://dashlord.example/service">Dashlord report</a>'
    ) in links
    for label in ("Usage statistics", "Budget", "Impact", "Risk analysis"):
        assert (
            f'<a class="fr-link" role="link" aria-disabled="true">{label} '
            "(not provided)</a>"
        ) in links


def test_a_sheet_with_stats_true_links_to_the_website_stats_page(client, make_startup):
    startup = make_startup(website="https://service.gouv.fr/", has_stats_page=True)

    links = section(page(client, startup, "en"), "links")

    assert (
        '<a class="fr-link" href="https://service.gouv.fr/stats">Usage statistics</a>'
    ) in links


def test_its_events_are_listed_in_date_order_with_kind_date_and_comment(
    client, make_startup
):
    startup = make_startup()
    Event.objects.create(
        startup=startup, kind=Event.Kind.END, date=dt.date(2024, 3, 1), comment="Fin."
    )
    Event.objects.create(
        startup=startup,
        kind=Event.Kind.PRODUCT_LAUNCH,
        date=dt.date(2021, 2, 1),
        comment="Ouverture au public.",
    )

    events = section(page(client, startup, "en"), "events")

    launch = events.index("Product launch")
    end = events.index("End of the service")
    assert launch < end
    assert '<time datetime="2021-02-01">1 February 2021</time>' in events
    assert "Ouverture au public." in events


def test_a_start_up_without_events_shows_no_events_section(client, make_startup):
    assert 'id="events"' not in page(client, make_startup())


def test_its_themes_and_audiences_are_tags_leading_into_the_catalogue(
    client, make_startup
):
    theme = Theme.objects.create(slug="sante", label="Santé")
    audience = Audience.objects.create(slug="particuliers", label="Particuliers")
    startup = make_startup(themes=[theme])
    startup.audiences.set([audience])

    html = page(client, startup)

    assert '<a class="fr-tag" href="/startups/?thematic=sante">Santé</a>' in section(
        html, "themes"
    )
    assert (
        '<a class="fr-tag" href="/startups/?usertype=particuliers">Particuliers</a>'
    ) in section(html, "audiences")


def test_the_theme_tag_gives_the_catalogue_filtered_on_that_theme(client, make_startup):
    theme = Theme.objects.create(slug="sante", label="Santé")
    make_startup(title="Avec thème", themes=[theme])
    make_startup(title="Sans thème")

    response = client.get("/startups/?thematic=sante")

    assert [s.title for s in response.context["page"]] == ["Avec thème"]


def test_it_shows_accessibility_and_security(client, make_startup):
    startup = make_startup(
        accessibility_status=AccessibilityStatus.PARTIALLY_COMPLIANT,
        risk_analysis_done=True,
        mon_service_securise=False,
    )

    compliance = section(page(client, startup, "en"), "compliance")

    assert "Accessibility: Partially compliant" in compliance
    assert "Risk analysis: done" in compliance
    assert "MonServiceSécurisé: not registered" in compliance


def test_it_shows_fast_funding_with_the_amount_in_french_form(client, make_startup):
    startup = make_startup(fast_promotion=12, fast_amount=230000)

    fast = section(page(client, startup), "fast")

    assert "12" in fast
    assert "230\u00a0000\u00a0€" in fast


def test_a_start_up_without_fast_funding_shows_no_fast_section(client, make_startup):
    assert 'id="fast"' not in page(client, make_startup())


def test_it_shows_the_contact_address_as_a_mail_link(client, make_startup):
    startup = make_startup(contact="contact@service.beta.gouv.fr")

    contact = section(page(client, startup), "contact")

    assert (
        '<a class="fr-link" href="mailto:contact@service.beta.gouv.fr">'
        "contact@service.beta.gouv.fr</a>"
    ) in contact


def test_it_shows_the_date_of_the_last_update(client, make_startup):
    startup = make_startup()
    Startup.objects.filter(pk=startup.pk).update(
        updated_at=dt.datetime(2024, 2, 1, 12, tzinfo=dt.UTC)
    )

    html = page(client, startup)

    assert '<time datetime="2024-02-01T13:00:00+01:00">1 février 2024</time>' in html


# Who sees it, and at which address


def test_an_unpublished_start_up_is_not_found_by_the_public(client, make_startup):
    startup = make_startup(is_published=False)

    response = client.get(f"/startups/{startup.slug}/")

    assert response.status_code == 404


def test_an_unpublished_start_up_is_not_found_by_a_signed_in_non_staff_user(
    client, make_startup, django_user_model
):
    startup = make_startup(is_published=False)
    client.force_login(django_user_model.objects.create_user("visitor"))

    assert client.get(f"/startups/{startup.slug}/").status_code == 404


def test_staff_see_an_unpublished_start_up_with_a_warning_banner(
    client, make_startup, django_user_model
):
    startup = make_startup(title="En préparation", is_published=False)
    # Staff of the sheet's incubator (others get a 404: tests/test_staff_roles.py).
    staff = django_user_model.objects.create_user("staff")
    make_incubator_staff(user=staff, incubators=[startup.incubator])
    client.force_login(staff)

    html = page(client, startup, "en")

    assert "<h1>En préparation</h1>" in html
    assert (
        '<div class="fr-alert fr-alert--warning fr-mb-4w" id="unpublished-alert">'
    ) in html
    assert "This sheet is not published" in html
    assert '<meta name="robots" content="noindex">' in html


def test_a_published_start_up_shows_no_banner(client, make_startup):
    assert "unpublished-alert" not in page(client, make_startup())


def test_a_former_identifier_redirects_permanently_to_the_current_page(
    client, make_startup
):
    startup = make_startup(slug="mon-suivi-justice")
    FormerSlug.objects.create(startup=startup, slug="suivi-justice")

    response = client.get("/startups/suivi-justice/")

    assert response.status_code == 301
    assert response["Location"] == "/startups/mon-suivi-justice/"


def test_a_former_identifier_keeps_the_language_prefix(client, make_startup):
    startup = make_startup(slug="mon-suivi-justice")
    FormerSlug.objects.create(startup=startup, slug="suivi-justice")

    response = client.get("/en/startups/suivi-justice/")

    assert response.status_code == 301
    assert response["Location"] == "/en/startups/mon-suivi-justice/"


def test_a_former_identifier_of_an_unpublished_start_up_is_not_found(
    client, make_startup
):
    startup = make_startup(is_published=False)
    FormerSlug.objects.create(startup=startup, slug="old-name")

    assert client.get("/startups/old-name/").status_code == 404
    assert client.get("/startups/old-name.html").status_code == 404


def test_beta_gouv_html_addresses_redirect_permanently_to_the_page(
    client, make_startup
):
    make_startup(slug="aides-jeunes")

    response = client.get("/startups/aides-jeunes.html")

    assert response.status_code == 301
    assert response["Location"] == "/startups/aides-jeunes/"


def test_a_beta_gouv_html_address_of_a_former_identifier_redirects_in_one_hop(
    client, make_startup
):
    startup = make_startup(slug="1j1s")
    FormerSlug.objects.create(startup=startup, slug="1jeune1solution")

    response = client.get("/en/startups/1jeune1solution.html")

    assert response.status_code == 301
    assert response["Location"] == "/en/startups/1j1s/"
    assert client.get(response["Location"]).status_code == 200


def test_an_unknown_html_address_is_not_found(client, db):
    assert client.get("/startups/nothing-here.html").status_code == 404


def test_an_unknown_start_up_gets_a_helpful_not_found_page(client, db):
    response = client.get("/startups/nothing-here/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page non trouvée</h1>" in html or "<h1>Page not found</h1>" in html
    assert '<a class="fr-btn" href="/startups/">' in html
    form = re.search(
        r'<form class="fr-search-bar[^"]*" id="not-found-search"[^>]*>', html
    )
    assert 'action="/startups/"' in form.group(0)
    assert 'name="q"' in html


def test_the_not_found_page_speaks_english_under_en(client, db):
    response = client.get("/en/startups/nothing-here/")

    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert '<a class="fr-btn" href="/en/startups/">' in html


def test_the_server_error_page_renders_without_the_database(
    django_assert_num_queries,
):
    with django_assert_num_queries(0):
        html = loader.get_template("500.html").render()

    assert "<h1>" in html
    assert "500" in html


@pytest.mark.parametrize("slug", ["1000.premiers.jours.blues", "e-inspé", "auxAJ"])
def test_identifiers_with_dots_accents_and_capitals_resolve(client, make_startup, slug):
    startup = make_startup(slug=slug, title=f"Titre {slug}")

    with translation.override("fr"):
        url = startup.get_absolute_url()
        assert resolve(url).url_name == "detail"
    html = client.get(url).content.decode()

    assert f"<h1>Titre {slug}</h1>" in html


def test_the_export_address_still_gives_the_csv(client, db):
    with translation.override("fr"):
        assert resolve("/startups/export.csv").func is catalogue.export_csv
    response = client.get("/startups/export.csv")
    assert response["Content-Type"].startswith("text/csv")


def test_the_english_page_answers_in_english(client, make_startup):
    startup = make_startup(title="Aides-jeunes")

    html = page(client, startup, "en")

    assert '<html lang="en">' in html
    assert "Phase history" in html
    assert 'href="/en/startups/">Catalogue</a>' in html


def test_get_absolute_url_follows_the_current_language(make_startup):
    startup = make_startup(slug="aides-jeunes")

    with translation.override("fr"):
        assert startup.get_absolute_url() == "/startups/aides-jeunes/"
    with translation.override("en"):
        assert startup.get_absolute_url() == "/en/startups/aides-jeunes/"


def test_catalogue_cards_link_to_the_start_up_pages(client, make_startup):
    make_startup(slug="aides-jeunes", title="Aides-jeunes")

    html = client.get("/startups/").content.decode()

    assert '<a href="/startups/aides-jeunes/">Aides-jeunes</a>' in html


# Query budget


def test_the_query_count_does_not_grow_with_the_lists_on_the_page(
    client, make_startup, make_incubator, make_organisation, django_assert_num_queries
):
    small = full_startup(make_startup, make_incubator, make_organisation, n=1)
    Theme.objects.all().delete()
    Audience.objects.all().delete()
    big = full_startup(make_startup, make_incubator, make_organisation, n=8)
    assert big.phases.count() == 8 and big.events.count() == 8
    assert big.technology_terms.count() == 8
    from startups.indicators import Indicator, IndicatorValue

    for startup, n in ((small, 1), (big, 8)):
        for i in range(n):
            indicator = Indicator.objects.create(
                startup=startup, label=f"Indicateur {i}", part=Indicator.Part.USED
            )
            IndicatorValue.objects.bulk_create(
                IndicatorValue(indicator=indicator, date=dt.date(2024, m, 1), value=m)
                for m in range(1, n + 1)
            )

    # The catalogue version (ETag, startups.caching), the start-up with its main
    # incubator, reason for stopping and successor, then its published
    # predecessors, co-incubators, sponsors, themes, audiences, technologies,
    # phases, events, budget lines (with their categories and sponsors), impact
    # indicators and their values: one query each.
    for startup in (small, big):
        with django_assert_num_queries(13):
            assert client.get(startup.get_absolute_url()).status_code == 200


# The real data


def test_a_real_start_up_page_shows_its_title_sponsor_and_phases(client, betagouv_data):
    call_command("import_betagouv", betagouv_data, stdout=StringIO())

    response = client.get("/startups/1000.premiers.jours.blues/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>1000 premiers jours Blues</h1>" in html
    sponsors = section(html, "sponsors")
    assert '<a class="fr-link" href="/sponsors/dgcs/">' in sponsors
    assert "(DGCS)</a>" in sponsors
    phases = section(html, "phases")
    assert "1 novembre 2020" in phases
    assert "1 février 2021" in phases
    assert "4 juillet 2021" in phases
    assert "<svg " in phases
    assert "230\u00a0000\u00a0€" in section(html, "fast")


def _phase(phase, start, end=None, position=0):
    from startups.models import StartupPhase

    return StartupPhase(phase=phase, start=start, end=end, position=position)


def test_its_technologies_link_to_the_catalogue_once_whatever_the_spelling(
    client, make_startup
):
    startup = make_startup(technologies=["react", "Python", "React", "python "])
    other = make_startup(technologies=["React"])

    assert startup.technologies == ["React", "Python"]
    assert other.technology_terms.get().slug == "react"
    technologies = section(page(client, startup, "en"), "technologies")
    assert re.findall(r'href="([^"]+)">([^<]+)</a>', technologies) == [
        ("/en/startups/?technology=python", "Python"),
        ("/en/startups/?technology=react", "React"),
    ]
