"""Downloads of a whole selection (the catalogue's CSV, beta.gouv.fr's v2.7
files), built a piece at a time so that 100,000 start-ups never sit in a
worker's memory at once: rows are read a chunk at a time (each chunk with its
prefetched lists: one query per list per chunk), and the text is written as it
goes. A small download is answered whole, and so can be cached and tagged; a
large one is streamed."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from itertools import chain

import xlsxwriter
from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import translation

from startups.caching import MAX_CACHED_BYTES

# Rows read at a time.
CHUNK_SIZE = 1000
# Past this many characters, the rest is streamed: as large as a response the
# cache keeps.
IN_MEMORY_LIMIT = MAX_CACHED_BYTES


def rows(queryset: QuerySet) -> Iterator:
    """The queryset's rows, a chunk at a time, prefetches included."""
    return queryset.iterator(chunk_size=CHUNK_SIZE)


def download(
    pieces: Iterable[str], *, content_type: str, filename: str | None = None
) -> HttpResponse | StreamingHttpResponse:
    """An answer made of `pieces` of text: whole while they stay under
    IN_MEMORY_LIMIT, streamed from there on."""
    pieces = iter(pieces)
    kept, size = [], 0
    for piece in pieces:
        kept.append(piece)
        size += len(piece)
        if size > IN_MEMORY_LIMIT:
            response = StreamingHttpResponse(
                _encoded(chain(kept, pieces), translation.get_language()),
                content_type=content_type,
            )
            break
    else:
        response = HttpResponse("".join(kept), content_type=content_type)
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _encoded(pieces: Iterator[str], language: str | None) -> Iterator[bytes]:
    # The rest is written after the view has returned, maybe in another
    # language by then: in the view's.
    with translation.override(language):
        for piece in pieces:
            yield piece.encode()


class _Line:
    """What csv.writer writes to: it hands each line back instead of keeping it."""

    def write(self, line: str) -> str:
        return line


# A cell a spreadsheet would take as a formula (OWASP, "CSV Injection"): = + - @,
# a tab or a carriage return at its start.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value):
    """`value`, prefixed with an apostrophe if a spreadsheet would run it as a
    formula: Excel and LibreOffice then show it as text (OWASP's advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(lines: Iterable[list], **writer_options) -> Iterator[str]:
    """Each row of `lines` as a line of CSV, formula cells neutralised: every
    CSV this site writes goes through here."""
    writer = csv.writer(_Line(), **writer_options)
    terminator = writer.dialect.lineterminator
    for line in lines:
        cells = [neutralised(cell) for cell in line]
        if "\r" not in terminator:
            # The writer quotes a cell holding its own line ending only: a bare
            # carriage return would end the row for any reader. As a line break.
            cells = [_one_line_ending(cell) for cell in cells]
        yield writer.writerow(cells)


def _one_line_ending(value):
    if isinstance(value, str) and "\r" in value:
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_download(
    header: list[str], lines: Iterable[list], *, filename: str, sheet: str
) -> HttpResponse:
    """An .xlsx workbook of `lines`: every cell written as text (write_string:
    never a formula, whatever it starts with), rows flushed to a temporary file
    as they are written (constant_memory), so that a large selection never sits
    in memory as cells. Chosen over a semicolon CSV: Excel in any locale and
    LibreOffice open it without guessing a separator or an encoding."""
    with tempfile.TemporaryFile() as file:
        workbook = xlsxwriter.Workbook(
            file,
            {"constant_memory": True, "strings_to_formulas": False},
        )
        licence = settings.DATA_LICENCE
        workbook.set_properties(
            {
                "title": sheet,
                "comments": f"{licence['name']} ({licence['url']})",
                "keywords": licence["id"],
            }
        )
        workbook.set_custom_property("license", licence["url"])
        worksheet = workbook.add_worksheet(sheet[:31])
        bold = workbook.add_format({"bold": True})
        for column, title in enumerate(header):
            worksheet.write_string(0, column, str(title), bold)
        for row, line in enumerate(lines, start=1):
            for column, value in enumerate(line):
                worksheet.write_string(row, column, "" if value is None else str(value))
        worksheet.freeze_panes(1, 0)
        workbook.close()
        file.seek(0)
        response = HttpResponse(file.read(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
