"""Downloads of a whole selection (startups.downloads): read a chunk of rows at a
time, answered whole while small, streamed once large, with the same content
either way."""

import pytest
from django.core.cache import cache

from startups.models import Incubator

pytestmark = pytest.mark.django_db

DOWNLOADS = [
    "/startups/export.csv",
    "/en/startups/export.csv?phase=investigation",
    "/api/v2.7/startups.json",
    "/api/v2.7/incubators.json",
    "/api/v2.7/startups.csv",
]


@pytest.fixture
def catalogue(make_startup, make_incubator, make_organisation):
    labs = [make_incubator(slug=f"lab-{i}") for i in range(3)]
    sponsor = make_organisation()
    for i in range(7):
        make_startup(
            slug=f"service-{i}",
            title=f"Service « {i} »",
            incubator=labs[i % 2],  # lab-2 has none
            sponsors=[sponsor],
        ).co_incubators.add(labs[2 - i % 2])
    return Incubator.objects.all()


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.mark.parametrize("url", DOWNLOADS)
def test_a_large_download_is_streamed_with_the_same_content(
    client, catalogue, monkeypatch, url
):
    # Three rows a read: the prefetched lists must follow each chunk.
    monkeypatch.setattr("startups.downloads.CHUNK_SIZE", 3)
    whole = client.get(url)
    assert whole.status_code == 200
    assert not whole.streaming
    cache.clear()

    monkeypatch.setattr("startups.downloads.IN_MEMORY_LIMIT", 100)
    streamed = client.get(url)

    assert streamed.status_code == 200
    assert streamed.streaming
    assert body(streamed) == body(whole)
    assert streamed["Content-Type"] == whole["Content-Type"]
    # Still tagged, so that a current copy gets a 304; never kept whole.
    assert streamed["ETag"] == whole["ETag"]
    again = client.get(url, headers={"if-none-match": streamed["ETag"]})
    assert again.status_code == 304
    # Built again, streamed again (read to the end: on PostgreSQL the rows come
    # from a server-side cursor, closed when the stream ends).
    later = client.get(url)
    assert later.streaming
    assert body(later) == body(whole)


def test_a_streamed_csv_keeps_the_language_of_the_request(
    client, catalogue, monkeypatch
):
    monkeypatch.setattr("startups.downloads.IN_MEMORY_LIMIT", 100)

    response = client.get("/en/startups/export.csv")
    # Another request in between, in French, on the same thread.
    client.get("/")
    lines = body(response).decode("utf-8-sig").splitlines()

    assert lines[0].startswith("identifier,title,")
    # Every row, the last ones written after the French request too.
    assert len(lines) == 8
    assert all(",Not assessed," in line for line in lines[1:])
