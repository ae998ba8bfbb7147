"""The public address comes from DJANGO_SITE_URL, never from the request: any
other host, port included, is refused, and no header can write itself into a
page that is then cached for everybody."""

import re

import pytest

PUBLIC = "https://catalogue.example.org"


@pytest.fixture
def public_site(settings):
    settings.SITE_URL = PUBLIC
    settings.SERVED_HOSTS = ["catalogue.example.org", "10.0.0.5:8000"]
    settings.ALLOWED_HOSTS = ["catalogue.example.org", "10.0.0.5"]


def hosts_in(body: str) -> set[str]:
    return set(re.findall(r"https?://[^/\"'<\s]+", body)) - {
        # Links to other sites (the State's design system, beta.gouv.fr...).
        url
        for url in re.findall(r"https?://[^/\"'<\s]+", body)
        if "example.org" not in url and "10.0.0.5" not in url and "6666" not in url
    }


@pytest.mark.parametrize(
    "host",
    [
        "catalogue.example.org:6666",
        "catalogue.example.org:8000",
        "evil.example",
        "10.0.0.5:6666",
        "10.0.0.5",
    ],
)
@pytest.mark.parametrize(
    "path", ["/", "/startups/", "/sitemap.xml", "/api/v1/startups/"]
)
def test_a_host_or_port_the_site_does_not_serve_is_refused(
    client, public_site, make_startup, host, path
):
    make_startup()

    response = client.get(path, HTTP_HOST=host)

    assert response.status_code == 400


@pytest.mark.parametrize("host", ["catalogue.example.org", "catalogue.example.org:443"])
def test_the_public_host_is_served(client, public_site, make_startup, host):
    make_startup()

    response = client.get("/", HTTP_HOST=host, HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 200


@pytest.mark.parametrize(
    "path", ["/", "/startups/", "/en/startups/", "/sitemap.xml", "/feeds/startups.atom"]
)
def test_links_name_the_public_address_whatever_host_served_the_request(
    client, public_site, make_startup, path
):
    sheet = make_startup()
    if path == "/sitemap.xml":
        client.get(path, HTTP_HOST="10.0.0.5:8000")
        path = "/sitemap-startups.xml"

    # An address the site answers on (a health check's), and a forged
    # X-Forwarded-Host, which the site does not read.
    response = client.get(
        path,
        HTTP_HOST="10.0.0.5:8000",
        HTTP_X_FORWARDED_HOST="evil.example:6666",
        HTTP_X_FORWARDED_PROTO="https",
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert hosts_in(body) == {PUBLIC}
    if path.endswith("startups/"):
        assert f'<link rel="canonical" href="{PUBLIC}{path}">' in body
        assert 'hreflang="x-default" href="' + PUBLIC in body
    if "sitemap" in path:
        assert f"{PUBLIC}/startups/{sheet.slug}/" in body


def test_the_api_next_link_names_the_public_address(client, public_site, make_startup):
    for _ in range(3):
        make_startup()

    response = client.get(
        "/api/v1/startups/",
        {"page_size": 1},
        HTTP_HOST="10.0.0.5:8000",
        HTTP_X_FORWARDED_HOST="evil.example:6666",
        HTTP_X_FORWARDED_PROTO="https",
    )

    assert response.status_code == 200
    assert response.json()["next"].startswith(f"{PUBLIC}/api/v1/startups/?")


@pytest.mark.parametrize("path", ["/startups/", "/sitemap.xml", "/api/v1/startups/"])
def test_a_refused_host_leaves_nothing_in_the_cache_for_the_next_visitor(
    client, public_site, make_startup, path
):
    make_startup()
    client.get(path, HTTP_HOST="catalogue.example.org:6666")
    client.get(path, HTTP_HOST="10.0.0.5:8000", HTTP_X_FORWARDED_HOST="evil:6666")

    # The next visitor, on the public address, gets the page from the cache.
    response = client.get(
        path, HTTP_HOST="catalogue.example.org", HTTP_X_FORWARDED_PROTO="https"
    )

    assert response.status_code == 200
    assert "6666" not in response.content.decode()
    assert "10.0.0.5" not in response.content.decode()
    assert "evil" not in response.content.decode()


def test_the_refusal_carries_the_security_headers(client, public_site):
    response = client.get("/", HTTP_HOST="catalogue.example.org:6666")

    assert response.status_code == 400
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response


@pytest.mark.parametrize("proto", [None, "http", "https"])
def test_the_sitemap_names_the_public_scheme_whatever_the_proxy_header_says(
    client, public_site, make_startup, proto
):
    sheet = make_startup()
    headers = {"HTTP_HOST": "catalogue.example.org"}
    if proto:
        headers["HTTP_X_FORWARDED_PROTO"] = proto

    index = client.get("/sitemap.xml", **headers).content.decode()
    section = client.get("/sitemap-startups.xml", **headers).content.decode()

    assert f"<loc>{PUBLIC}/sitemap-startups.xml</loc>" in index
    assert f"<loc>{PUBLIC}/startups/{sheet.slug}/</loc>" in section
    links = re.findall(r'(?:<loc>|href=")([^<"]+)', index + section)
    assert links
    assert all(link.startswith(PUBLIC + "/") for link in links)
