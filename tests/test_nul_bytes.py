"""A NUL byte anywhere in a request is a 400, on every page and both databases
(PostgreSQL refuses it in text, SQLite would store it)."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("address", [
    "/startups/?incubator=a%00b",
    "/startups/?q=sant%00e",
    "/startups/?ph%00ase=x",
    "/startups/a%00b/",
    "/incubators/a%00b/",
    "/en/sponsors/?x=%00",
    "/startups/export.csv?thematic=%00",
])  # fmt: skip
def test_a_nul_byte_is_refused_with_a_400_page(client, address):
    response = client.get(address)

    assert response.status_code == 400


def test_a_nul_byte_in_an_api_request_is_a_json_400(client):
    response = client.get("/api/v1/startups/?phase=%00")

    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
