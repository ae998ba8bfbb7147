"""A page of a long list, as every list of the site shows it."""

from django.core.paginator import Page, Paginator


def paginate(request, object_list, per_page: int, *, count: int | None = None) -> Page:
    """The page the address asks for (page=abc gives the first, page=999 the
    last: an address typed by hand never fails), with `numbers`, the page
    numbers to link to: 1 … 4 5 [6] 7 8 … 4167. `count`, when known already,
    saves the COUNT query."""
    paginator = Paginator(object_list, per_page)
    if count is not None:
        paginator.count = count  # a cached_property: set, it is not computed
    page = paginator.get_page(request.GET.get("page"))
    page.numbers = list(
        paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    )
    return page
