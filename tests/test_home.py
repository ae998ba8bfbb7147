import datetime as dt

import pytest

from startups.models import Phase

pytestmark = pytest.mark.django_db


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
    assert "Construction: 2" in html
    assert "Investigation non concluante: 1" in html
    assert "Accélération: 0" in html


def test_the_home_page_speaks_english_under_en(client, make_startup):
    make_startup()

    response = client.get("/en/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "1 public digital service in the catalogue." in html
    assert "Inconclusive investigation: 0" in html
