import datetime as dt
import re
from io import StringIO

import pytest
from django.core.management import call_command

from startups.betagouv.reader import read_catalogue
from startups.models import Incubator, Phase

pytestmark = pytest.mark.django_db

LIST = "/en/incubators/"


def card(html: str, incubator: Incubator) -> str:
    """The markup of one incubator's card on the list, up to the next card."""
    start = html.index(f'id="incubator-{incubator.slug}"')
    end = html.find('id="incubator-', start + 1)
    return html[start : end if end != -1 else None]


def phase_headings(html: str) -> list[str]:
    """The phase groups' headings, in page order, tags and spaces removed."""
    headings = re.findall(r'<h3 id="phase-[^"]+-title">(.*?)</h3>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", h).split()) for h in headings]


def test_the_incubators_page_lists_listed_incubators_by_name_with_their_owner(
    client, make_incubator, make_organisation
):
    owner = make_organisation(name="Direction interministérielle du numérique")
    make_incubator(
        name="Incubateur de la DINUM",
        short_description="Le premier incubateur.",
        owner=owner,
    )
    make_incubator(name="Atelier numérique")
    make_incubator(name="Incubateur caché", is_hidden=True)

    response = client.get(LIST)

    assert response.status_code == 200
    html = response.content.decode()
    names = [s.incubator.name for s in response.context["incubators"]]
    assert names == ["Atelier numérique", "Incubateur de la DINUM"]
    assert "Incubateur caché" not in html
    assert "Le premier incubateur." in html
    assert "Run by Direction interministérielle du numérique" in html
    assert "2 incubators host and coach" in html
    assert "<title>Incubators — Start-ups d'État</title>" in html
    assert 'aria-current="page">Incubators</a>' in html


def test_each_incubator_counts_its_published_startups_main_or_co_incubated_by_phase(
    client, make_startup, make_incubator
):
    incubator = make_incubator(name="Fabrique")
    other = make_incubator(name="Ailleurs")
    acceleration = [(Phase.ACCELERATION, dt.date(2023, 1, 1))]
    make_startup(incubator=incubator, phases=acceleration)
    make_startup(incubator=incubator, phases=acceleration)
    co_incubated = make_startup(incubator=other, phases=acceleration)
    co_incubated.co_incubators.add(incubator)
    # Listed as its own co-incubator too: still counted once.
    both = make_startup(
        incubator=incubator, phases=[(Phase.CONSTRUCTION, dt.date(2023, 1, 1))]
    )
    both.co_incubators.add(incubator)
    make_startup(incubator=incubator, phases=acceleration, is_published=False)

    response = client.get(LIST)

    html = response.content.decode()
    fabrique = card(html, incubator)
    assert "4 published start-ups" in fabrique
    assert "Construction: 1" in fabrique
    assert "Acceleration: 3" in fabrique
    assert fabrique.index("Construction: 1") < fabrique.index("Acceleration: 3")
    assert "Investigation" not in fabrique
    ailleurs = card(html, other)
    assert "1 published start-up<" in ailleurs
    assert "Acceleration: 1" in ailleurs


def test_an_incubator_without_startups_says_zero(client, make_incubator):
    empty = make_incubator(name="Tout neuf")

    html = client.get(LIST).content.decode()

    assert "0 published start-ups" in card(html, empty)


def test_short_descriptions_show_their_text_without_the_source_html(
    client, make_incubator
):
    incubator = make_incubator(
        slug="ademe",
        short_description=(
            'Il soutient les services <span class="fr-text--bold">accélérant la '
            "transition</span> en méthode &quot;produit&quot;."
        ),
    )

    list_html = client.get(LIST).content.decode()
    page_html = client.get("/en/incubators/ademe/").content.decode()

    for html in (list_html, page_html):
        assert "Il soutient les services accélérant la transition" in html
        assert "&lt;span" not in html
        assert "&amp;quot;" not in html
    # The quotes, once plain text, are escaped again by the template.
    assert (
        '<p class="fr-text--lead">Il soutient les services accélérant la transition '
        "en méthode &quot;produit&quot;.</p>"
    ) in page_html
    assert f'id="incubator-{incubator.slug}"' in list_html


def test_the_incubators_page_links_to_each_incubator_page(client, make_incubator):
    make_incubator(slug="FabNum-MI", name="Fabrique numérique")

    html = client.get(LIST).content.decode()

    assert '<a href="/en/incubators/FabNum-MI/">Fabrique numérique</a>' in html


def test_the_incubators_page_speaks_french_at_the_unprefixed_address(
    client, make_incubator
):
    make_incubator(name="Atelier")

    response = client.get("/incubators/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert 'href="/incubators/' in html


def test_the_incubators_page_query_count_does_not_grow(
    client, make_startup, make_incubator, django_assert_max_num_queries
):
    def page_queries(budget: int) -> None:
        # listed incubators with their owner + main-incubator counts +
        # co-incubated counts
        with django_assert_max_num_queries(budget):
            assert client.get(LIST).status_code == 200

    make_startup()
    page_queries(4)  # +1: the catalogue version (ETag, startups.caching)
    incubators = [make_incubator() for _ in range(5)]
    for i in range(15):
        startup = make_startup(incubator=incubators[i % 5])
        startup.co_incubators.add(incubators[(i + 1) % 5])
    page_queries(4)  # +1: the catalogue version (ETag, startups.caching)


def test_an_incubator_page_shows_its_details(client, make_incubator, make_organisation):
    owner = make_organisation(slug="interieur", name="Ministère de l'Intérieur")
    make_incubator(
        slug="FabNum-MI",
        name="La Fabrique Numérique",
        short_description="Une fabrique de solutions.",
        description="Premier paragraphe.\n\nSecond paragraphe.",
        owner=owner,
        contact="fabrique@interieur.gouv.fr",
        address="40 avenue des Terroirs de France",
        website="https://fabrique.example.fr",
        source_code_url="https://github.com/LAB-MI",
    )

    response = client.get("/en/incubators/FabNum-MI/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>La Fabrique Numérique</h1>" in html
    assert "Une fabrique de solutions." in html
    assert "<p>Premier paragraphe.</p>" in html
    assert "<p>Second paragraphe.</p>" in html
    assert '<a href="/en/sponsors/interieur/">Ministère de l&#x27;Intérieur</a>' in html
    assert 'href="mailto:fabrique@interieur.gouv.fr"' in html
    assert "40 avenue des Terroirs de France" in html
    assert 'href="https://fabrique.example.fr"' in html
    assert 'href="https://github.com/LAB-MI"' in html
    assert 'href="/en/startups/?incubator=FabNum-MI"' in html
    assert "<title>La Fabrique Numérique — Incubators — " in html
    assert '<meta name="description" content="Une fabrique de solutions.">' in html
    assert (
        '<a class="fr-breadcrumb__link" href="/en/incubators/">Incubators</a>' in html
    )


def test_an_incubator_page_answers_for_slugs_with_dots(client, make_incubator):
    slug = "latelier.numerique.du.ministere.de.leurope.et.des.affaires.etrangeres"
    make_incubator(slug=slug, name="L'Atelier numérique")

    response = client.get(f"/incubators/{slug}/")

    assert response.status_code == 200
    assert '<html lang="fr">' in response.content.decode()


def test_an_incubator_page_groups_its_startups_by_phase_in_life_cycle_order(
    client, make_startup, make_incubator
):
    incubator = make_incubator(slug="fabrique")
    other = make_incubator()
    make_startup(
        title="Zèbre",
        mission="Compter les zèbres.",
        incubator=incubator,
        phases=[(Phase.ABANDONED, dt.date(2023, 1, 1))],
    )
    make_startup(
        title="Alpha",
        incubator=incubator,
        phases=[(Phase.ACCELERATION, dt.date(2023, 1, 1))],
    )
    make_startup(
        title="Beta",
        incubator=incubator,
        phases=[(Phase.ACCELERATION, dt.date(2023, 1, 1))],
    )
    make_startup(
        title="Gamma",
        incubator=incubator,
        phases=[(Phase.INVESTIGATION, dt.date(2023, 1, 1))],
    )
    co = make_startup(
        title="Delta",
        incubator=other,
        phases=[(Phase.ACCELERATION, dt.date(2023, 1, 1))],
    )
    co.co_incubators.add(incubator)
    make_startup(title="Caché", incubator=incubator, is_published=False)
    make_startup(title="Voisin", incubator=other)

    response = client.get("/en/incubators/fabrique/")

    assert response.status_code == 200
    html = response.content.decode()
    assert phase_headings(html) == [
        "Investigation (1 start-up)",
        "Acceleration (3 start-ups)",
        "Abandoned (1 start-up)",
    ]
    groups = [
        (g.phase, [s.title for s in g.startups]) for g in response.context["groups"]
    ]
    assert groups == [
        (Phase.INVESTIGATION, ["Gamma"]),
        (Phase.ACCELERATION, ["Alpha", "Beta", "Delta"]),
        (Phase.ABANDONED, ["Zèbre"]),
    ]
    assert "Compter les zèbres." in html
    assert '<p class="fr-badge fr-badge--sm fr-badge--info">Abandoned</p>' in html
    assert "5 published start-ups" in html
    assert "Caché" not in html
    assert "Voisin" not in html


def test_an_incubator_page_shows_its_published_highlighted_startups(
    client, make_startup, make_incubator
):
    incubator = make_incubator(slug="fabrique")
    star = make_startup(title="Basegun", incubator=incubator)
    draft = make_startup(title="Brouillon", incubator=incubator, is_published=False)
    incubator.highlighted_startups.set([star, draft])

    html = client.get("/en/incubators/fabrique/").content.decode()

    highlighted = html[html.index('id="highlighted"') : html.index('id="startups"')]
    assert "Basegun" in highlighted
    assert "Brouillon" not in html


def test_an_incubator_page_links_each_startup_to_its_page(
    client, make_startup, make_incubator
):
    incubator = make_incubator(slug="fabrique")
    make_startup(slug="1000.premiers.jours.blues", title="Blues", incubator=incubator)

    html = client.get("/en/incubators/fabrique/").content.decode()

    assert '<a href="/en/startups/1000.premiers.jours.blues/">Blues</a>' in html


def test_an_incubator_description_is_markdown_without_scripts(client, make_incubator):
    make_incubator(
        slug="fabrique",
        description="## Notre histoire\n\nUne **fabrique**.<script>alert(1)</script>",
    )

    html = client.get("/en/incubators/fabrique/").content.decode()

    assert "<h2>Notre histoire</h2>" in html
    assert "<strong>fabrique</strong>" in html
    assert "alert(1)" not in html


def test_a_hidden_incubator_keeps_its_page(client, make_startup, make_incubator):
    hidden = make_incubator(slug="secret", name="Incubateur discret", is_hidden=True)
    make_startup(title="Service public", incubator=hidden)

    response = client.get("/en/incubators/secret/")

    assert response.status_code == 200
    assert "Service public" in response.content.decode()


def test_an_unknown_incubator_is_not_found(client, make_incubator):
    make_incubator(slug="fabrique")

    assert client.get("/en/incubators/nope/").status_code == 404
    assert client.get("/incubators/Fabrique/").status_code == 404


def test_an_incubator_page_speaks_french_by_default(
    client, make_startup, make_incubator
):
    incubator = make_incubator(slug="fabrique")
    make_startup(
        incubator=incubator, phases=[(Phase.INCONCLUSIVE, dt.date(2023, 1, 1))]
    )

    response = client.get("/incubators/fabrique/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "Investigation non concluante" in html
    assert 'href="/startups/?incubator=fabrique"' in html


def test_an_incubator_page_query_count_does_not_grow(
    client, make_startup, make_incubator, django_assert_max_num_queries
):
    incubator = make_incubator(slug="fabrique")

    def page_queries(budget: int) -> None:
        # the catalogue version (startups.caching), the incubator with its owner,
        # highlighted start-ups, its start-ups by phase, the page's start-ups
        with django_assert_max_num_queries(budget):
            assert client.get("/incubators/fabrique/").status_code == 200

    incubator.highlighted_startups.add(make_startup(incubator=incubator))
    page_queries(5)
    for _ in range(10):
        startup = make_startup(incubator=incubator)
        incubator.highlighted_startups.add(startup)
        make_startup().co_incubators.add(incubator)
    page_queries(5)


def test_an_incubator_page_lists_its_startups_a_page_at_a_time_counting_them_all(
    client, make_startup, make_incubator, monkeypatch
):
    monkeypatch.setattr("startups.views.directory.DIRECTORY_PAGE_SIZE", 3)
    incubator = make_incubator(slug="fabrique")
    for title in ("A", "B", "C", "D"):
        make_startup(
            title=f"Building {title}",
            incubator=incubator,
            phases=[(Phase.CONSTRUCTION, dt.date(2023, 1, 1))],
        )
    make_startup(
        title="Investigating", phases=[(Phase.INVESTIGATION, dt.date(2024, 1, 1))]
    ).co_incubators.add(incubator)

    first = client.get("/en/incubators/fabrique/").content.decode()
    second = client.get("/en/incubators/fabrique/", {"page": 2}).content.decode()

    # Life-cycle order across pages; each heading counts its phase on every page.
    assert re.findall(r">(Investigating|Building \w)<", first) == [
        "Investigating",
        "Building A",
        "Building B",
    ]
    assert re.findall(r">(Investigating|Building \w)<", second) == [
        "Building C",
        "Building D",
    ]
    assert re.search(r"Construction\s*<span[^>]*>\(4 start-ups\)", first)
    assert re.search(r"Construction\s*<span[^>]*>\(4 start-ups\)", second)
    assert "5 published start-ups" in first
    assert 'aria-current="page" title="Page 2"' in second


def test_the_real_incubators_are_listed_with_their_startups(client, betagouv_data):
    call_command("import_betagouv", str(betagouv_data), stdout=StringIO())
    catalogue = read_catalogue(betagouv_data)
    listed = sorted(
        (r for r in catalogue.incubators if not r.is_hidden), key=lambda r: r.slug
    )
    hidden = [r for r in catalogue.incubators if r.is_hidden]
    assert hidden, "the snapshot has a hidden incubator"

    response = client.get("/incubators/")

    assert response.status_code == 200
    summaries = response.context["incubators"]
    assert sorted(s.incubator.slug for s in summaries) == [r.slug for r in listed]
    html = response.content.decode()
    for record in hidden:
        assert f'id="incubator-{record.slug}"' not in html
    # The counts agree with the start-ups' files.
    for summary in summaries:
        slug = summary.incubator.slug
        expected = {
            s.slug
            for s in catalogue.startups
            if s.incubator == slug or slug in s.co_incubators
        }
        assert summary.startup_count == len(expected), slug
    # The busiest incubator's page lists all its start-ups, phase by phase.
    biggest = max(summaries, key=lambda s: s.startup_count)
    page = client.get(biggest.incubator.get_absolute_url())
    assert page.status_code == 200
    shown = [s.slug for g in page.context["groups"] for s in g.startups]
    assert len(shown) == biggest.startup_count
    ranks = [g.phase.rank for g in page.context["groups"] if g.phase]
    assert ranks == sorted(ranks)
