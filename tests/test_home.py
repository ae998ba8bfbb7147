import datetime as dt

import pytest

from startups.models import Phase

pytestmark = pytest.mark.django_db


def phase_tile(html: str, phase: Phase) -> str:
    """The markup of one phase's tile, from its id to the next tile."""
    start = html.index(f'id="phase-{phase.value}"')
    end = html.find('id="phase-', start + 1)
    return html[start : end if end != -1 else None]


def test_the_home_page_counts_published_startups_by_current_phase_in_french(
    client, make_startup
):
    make_startup(phases=[(Phase.CONSTRUCTION, dt.date(2023, 1, 1))])
    make_startup(phases=[(Phase.CONSTRUCTION, dt.date(2023, 2, 1))])
    make_startup(phases=[(Phase.INCONCLUSIVE, dt.date(2023, 2, 1))])
    make_startup(phases=[(Phase.ACCELERATION, dt.date(2023, 2, 1))], is_published=False)

    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "3 services numériques publics au catalogue." in html
    construction = phase_tile(html, Phase.CONSTRUCTION)
    assert '<a href="/startups/?phase=construction">Construction</a>' in construction
    assert "2 start-ups" in construction
    inconclusive = phase_tile(html, Phase.INCONCLUSIVE)
    assert ">Investigation non concluante</a>" in inconclusive
    assert "1 start-up<" in inconclusive
    # "0 start-up" in French, "0 start-ups" until the French catalogue says so.
    assert "0 start-up" in phase_tile(html, Phase.ACCELERATION)


def test_the_home_page_speaks_english_under_en(client, make_startup):
    make_startup()

    response = client.get("/en/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "1 public digital service in the catalogue." in html
    inconclusive = phase_tile(html, Phase.INCONCLUSIVE)
    assert (
        '<a href="/en/startups/?phase=inconclusive">Inconclusive investigation</a>'
        in inconclusive
    )
    assert "0 start-ups" in inconclusive
