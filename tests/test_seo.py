"""What search engines and link previews read: robots.txt, sitemap.xml, the
canonical link and the OpenGraph tags."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "xhtml": "http://www.w3.org/1999/xhtml",
}


def route_exists(name, **kwargs):
    try:
        reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return False
    return True


def sitemap_files(client) -> list[str]:
    """The files the sitemap index at /sitemap.xml lists, as paths."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    index = ET.fromstring(response.content)
    assert index.tag == f"{{{NS['sm']}}}sitemapindex"
    return [
        loc.text.removeprefix("http://testserver")
        for loc in index.findall("sm:sitemap/sm:loc", NS)
    ]


def sitemap_locations(client):
    """Every <url> of every file of the sitemap, as (locations, one <urlset>
    holding them all)."""
    root = ET.Element(f"{{{NS['sm']}}}urlset")
    for path in sitemap_files(client):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Type"].startswith("application/xml")
        root.extend(ET.fromstring(response.content).findall("sm:url", NS))
    return [loc.text for loc in root.findall("sm:url/sm:loc", NS)], root


def meta(html, prop):
    found = re.search(
        rf'<meta (?:property|name)="{re.escape(prop)}" content="([^"]*)"', html
    )
    return found and found.group(1)


def test_robots_txt_points_to_the_sitemap_and_keeps_robots_out_of_the_admin(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    for path in (
        "/admin/",
        "/en/admin/",
        "/startups/export.csv",
        "/en/startups/export.csv",
    ):
        assert f"Disallow: {path}" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_robots_txt_and_the_sitemap_have_no_language_prefix(client):
    assert reverse("robots_txt") == "/robots.txt"
    assert reverse("sitemap") == "/sitemap.xml"
    assert client.get("/en/robots.txt").status_code == 404


def test_the_sitemap_lists_the_pages_in_both_languages_with_alternates(client):
    locations, root = sitemap_locations(client)

    for path in ("/", "/startups/", "/mentions-legales/", "/accessibilite/"):
        assert f"http://testserver{path}" in locations
        assert f"http://testserver/en{path}" in locations
    home = next(
        url
        for url in root.findall("sm:url", NS)
        if url.find("sm:loc", NS).text == "http://testserver/en/"
    )
    alternates = {
        link.get("hreflang"): link.get("href")
        for link in home.findall("xhtml:link", NS)
    }
    assert alternates == {
        "fr": "http://testserver/",
        "en": "http://testserver/en/",
        "x-default": "http://testserver/",
    }


def test_the_sitemap_never_lists_the_csv_export_or_the_admin(client):
    locations, _root = sitemap_locations(client)

    assert not [url for url in locations if "export.csv" in url or "/admin/" in url]


def test_the_sitemap_lists_published_indexable_startups_only(client, make_startup):
    published = make_startup(slug="visible.service")
    make_startup(slug="brouillon", is_published=False)
    make_startup(slug="discret", allow_indexing=False)

    locations, root = sitemap_locations(client)

    if not route_exists("startups:detail", slug="x"):
        # The start-up pages are not routed yet: the section is left out.
        assert not [url for url in locations if "visible.service" in url]
        return
    for lang in ("fr", "en"):
        with translation.override(lang):
            path = reverse("startups:detail", kwargs={"slug": published.slug})
        assert f"http://testserver{path}" in locations
    assert not [u for u in locations if "brouillon" in u or "discret" in u]
    lastmods = [
        url.find("sm:lastmod", NS).text
        for url in root.findall("sm:url", NS)
        if "visible.service" in url.find("sm:loc", NS).text
    ]
    assert lastmods == [published.updated_at.date().isoformat()] * 2


def test_the_sitemap_lists_incubator_and_sponsor_pages(
    client, make_startup, make_incubator, make_organisation
):
    incubator = make_incubator(slug="incub-a")
    make_incubator(slug="incub-cache", is_hidden=True)
    sponsor = make_organisation(slug="dinum")
    make_startup(incubator=incubator, sponsors=[sponsor])

    locations, _root = sitemap_locations(client)

    if route_exists("startups:incubator_detail", slug="x"):
        assert "http://testserver/incubators/incub-a/" in locations
        assert "http://testserver/en/incubators/incub-a/" in locations
        assert not [url for url in locations if "incub-cache" in url]
    if route_exists("startups:sponsor_detail", slug="x"):
        assert "http://testserver/sponsors/dinum/" in locations
        assert "http://testserver/en/sponsors/dinum/" in locations


def test_the_sitemap_query_count_does_not_grow_with_the_catalogue(
    client, make_startup, make_incubator, make_organisation
):
    def queries(path):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx.captured_queries)

    make_startup(sponsors=[make_organisation()])
    few = [queries(path) for path in ("/sitemap.xml", "/sitemap-startups.xml")]
    incubator = make_incubator()
    for _ in range(12):
        make_startup(incubator=incubator, sponsors=[make_organisation()])
    many = [queries(path) for path in ("/sitemap.xml", "/sitemap-startups.xml")]

    assert many == few
    # The index: the catalogue version, then per section its number of files
    # (start-ups: a count, incubators and sponsors: their rows) and the start-ups'
    # latest change. A file of start-ups: the version, the count, one page.
    assert many[0] <= 6
    assert many[1] <= 3


def test_the_startups_are_split_into_files_of_at_most_limit_addresses(
    client, make_startup, monkeypatch
):
    monkeypatch.setattr("startups.sitemaps.StartupSitemap.limit", 4)
    slugs = [make_startup(slug=f"s{i}").slug for i in range(5)]

    files = [f for f in sitemap_files(client) if "startups" in f]

    # 5 start-ups x 2 languages = 10 addresses, 4 a file.
    assert files == [
        "/sitemap-startups.xml",
        "/sitemap-startups.xml?p=2",
        "/sitemap-startups.xml?p=3",
    ]
    locations = []
    for path in files:
        root = ET.fromstring(client.get(path).content)
        found = [loc.text for loc in root.findall("sm:url/sm:loc", NS)]
        assert len(found) <= 4
        locations += found
    expected = []
    for slug in sorted(slugs):
        expected += [
            f"http://testserver/startups/{slug}/",
            f"http://testserver/en/startups/{slug}/",
        ]
    assert locations == expected


def test_the_home_page_has_a_canonical_link_and_opengraph_tags(client):
    html = client.get("/").content.decode()

    assert '<link rel="canonical" href="http://testserver/">' in html
    title = re.search(r"<title>([^<]*)</title>", html).group(1)
    assert meta(html, "og:title") == title
    assert meta(html, "og:description") == meta(html, "description")
    assert meta(html, "og:description")
    assert meta(html, "og:type") == "website"
    assert meta(html, "og:url") == "http://testserver/"
    assert meta(html, "og:site_name") == "Start-ups d'État"
    assert meta(html, "og:locale") == "fr_FR"
    assert meta(html, "og:image") == "http://testserver/static/img/og-default.png"
    assert meta(html, "twitter:card") == "summary_large_image"


def test_the_filtered_catalogue_points_search_engines_to_the_catalogue(client):
    html = client.get("/en/startups/", {"phase": "construction", "page": 2}).content
    html = html.decode()

    assert '<link rel="canonical" href="http://testserver/en/startups/">' in html
    # A shared link previews the selection it shows (its first page).
    assert meta(html, "og:url") == "http://testserver/en/startups/?phase=construction"
    assert meta(html, "og:title") == "Start-ups in construction — Start-ups d'État"
    assert meta(html, "og:locale") == "en_GB"
    assert meta(html, "og:locale:alternate") == "fr_FR"


def test_the_default_sharing_image_is_a_1200_by_630_png():
    from django.contrib.staticfiles import finders
    from PIL import Image

    with Image.open(finders.find("img/og-default.png")) as image:
        assert image.format == "PNG"
        assert image.size == (1200, 630)
