"""Page numbers for every list of the API: `page` from 1, `page_size` capped at
100. A page that does not exist or a size that is not a number is a 400 with the
reason, not a silent default: a script should learn it asked for nothing."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from startups.paging import rows_between

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def _whole_number(raw: str) -> int | None:
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        return None
    return int(raw)


class PagePagination(PageNumberPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    page_query_description = "Numéro de la page, à partir de 1."
    page_size_query_description = (
        f"Nombre de résultats par page ({DEFAULT_PAGE_SIZE} par défaut, "
        f"{MAX_PAGE_SIZE} au plus : une valeur plus grande est ramenée à "
        f"{MAX_PAGE_SIZE})."
    )

    def get_schema_operation_parameters(self, view):
        # What the server enforces: whole numbers from 1 (a larger page_size is
        # capped, not refused, as the description says).
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        size = _whole_number(raw)
        if size is None:
            if raw.strip().isascii() and raw.strip().isdigit():
                return self.max_page_size  # a huge number: capped
            raise ValidationError(
                {"page_size": ["Indiquez un nombre entier supérieur ou égal à 1."]}
            )
        if size < 1:
            raise ValidationError(
                {"page_size": ["Indiquez un nombre entier supérieur ou égal à 1."]}
            )
        return min(size, self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        """The page's rows and the total in one query; the total alone only
        for a page past the end, to say which pages exist."""
        self.request = request
        size = self.get_page_size(request)
        raw = request.query_params.get(self.page_query_param) or "1"
        number = _whole_number(raw)
        paginator = Paginator(queryset, size)
        rows = []
        if number is not None and number >= 1:
            first = (number - 1) * size
            counted = None
            if isinstance(queryset, QuerySet):
                # An uncorrelated subquery, which the database counts once
                # (from an index where it can), beside the page's rows.
                sql, params = queryset.order_by().values("pk").query.sql_with_params()
                counted = queryset.annotate(
                    total_rows=RawSQL(
                        f"SELECT COUNT(*) FROM ({sql}) AS selection", params
                    )
                )
            rows = rows_between(queryset, first, first + size, read=counted)
        if rows and hasattr(rows[0], "total_rows"):
            paginator.count = rows[0].total_rows  # a cached_property: not counted
        if number is None or not 1 <= number <= paginator.num_pages:
            raise ValidationError(
                {
                    "page": [
                        f"Cette page n'existe pas : indiquez un nombre entier de "
                        f"1 à {paginator.num_pages}."
                    ]
                }
            )
        self.page = Page(rows, number, paginator)
        return rows
