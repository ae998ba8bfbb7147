"""What a request cannot make the cache build or keep: pages for parameters
nobody reads, a preflight, and the pages of logged-in staff."""

import pytest

pytestmark = pytest.mark.django_db

# A cached answer costs one query: the catalogue version.
CACHED = 1


@pytest.mark.parametrize(
    "path",
    ["/", "/startups/", "/stats/", "/incubators/", "/sitemap.xml", "/api/v1/startups/"],
)
def test_an_unknown_parameter_is_answered_from_the_entry_of_the_page_without_it(
    client, make_startup, django_assert_num_queries, path
):
    make_startup()
    first = client.get(path)

    for value in ("a", "b", "c"):
        with django_assert_num_queries(CACHED):
            response = client.get(path, {"zz": value, "utm_source": value})
        assert response.status_code == 200
        assert response.content == first.content
        assert response["ETag"] == first["ETag"]


def test_the_page_built_for_an_unknown_parameter_does_not_carry_it(
    client, make_startup
):
    for _ in range(25):
        make_startup()

    page = client.get("/startups/", {"zz": "poison", "phase": "investigation"})
    api = client.get("/api/v1/startups/", {"zz": "poison", "page_size": 1})

    assert page.status_code == 200
    assert "poison" not in page.content.decode()
    assert "poison" not in api.json()["next"]
    assert "page_size=1" in api.json()["next"]


def test_known_parameters_still_select(client, make_startup):
    make_startup(title="Alpha")
    make_startup(title="Beta")

    everything = client.get("/api/v1/startups/").json()
    found = client.get("/api/v1/startups/", {"q": "Alpha"}).json()

    assert everything["count"] == 2
    assert [s["title"] for s in found["results"]] == ["Alpha"]


@pytest.mark.parametrize("path", ["/", "/startups/", "/stats/", "/sitemap.xml"])
def test_a_preflight_builds_nothing(
    client, make_startup, django_assert_num_queries, path
):
    make_startup()

    with django_assert_num_queries(0):
        response = client.options(path)

    assert response.status_code == 200
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response.content == b""


def test_a_post_to_a_public_page_builds_nothing(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.post("/startups/")

    assert response.status_code == 405


@pytest.mark.parametrize(
    "path",
    ["/", "/startups/", "/mentions-legales/", "/sitemap.xml", "/api/v1/startups/"],
)
def test_pages_for_logged_in_staff_are_private_and_never_stored(
    admin_client, client, make_startup, path
):
    make_startup()

    staff = admin_client.get(path)
    visitor = client.get(path)

    assert staff.status_code == 200
    directives = {d.strip() for d in staff["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives
    assert "public" not in directives
    assert "private" not in visitor.get("Cache-Control", "")


def test_a_staff_sheet_view_of_an_unpublished_sheet_is_not_kept_for_visitors(
    admin_client, client, make_startup
):
    sheet = make_startup(is_published=False)

    staff = admin_client.get(f"/startups/{sheet.slug}/")
    visitor = client.get(f"/startups/{sheet.slug}/")

    assert staff.status_code == 200
    assert "no-store" in staff["Cache-Control"]
    assert visitor.status_code == 404
