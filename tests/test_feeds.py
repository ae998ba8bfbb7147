"""Atom and RSS feeds of new start-ups and of phase changes."""

import datetime as dt
import html
import re
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import feedparser
import pytest
from lxml import etree

from startups.models import Phase

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def startups(make_startup, make_incubator):
    dinum = make_incubator(slug="dinum", name="DINUM")
    old = make_startup(
        slug="old",
        title='Ancien "service"',
        incubator=dinum,
        phases=[
            (Phase.INVESTIGATION, dt.date(2019, 1, 1)),
            (Phase.CONSTRUCTION, dt.date(2019, 9, 1)),
        ],
    )
    recent = make_startup(
        slug="recent",
        title="Récent",
        phases=[(Phase.INVESTIGATION, dt.date(2024, 5, 1))],
    )
    make_startup(slug="hidden", title="Caché", is_published=False)
    make_startup(
        slug="future",
        title="Futur",
        phases=[
            (Phase.INVESTIGATION, dt.date(2020, 1, 1)),
            (Phase.CONSTRUCTION, dt.date.today() + dt.timedelta(days=30)),
        ],
    )
    return {"old": old, "recent": recent, "dinum": dinum}


def atom_entries(response):
    root = ET.fromstring(response.content)
    return [e.find(f"{ATOM}title").text for e in root.iter(f"{ATOM}entry")]


def rss_items(response):
    root = ET.fromstring(response.content)
    return [i.find("title").text for i in root.iter("item")]


def test_the_new_startups_feed_lists_published_ones_latest_started_first(
    client, startups
):
    r = client.get("/feeds/startups.atom")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/atom+xml")
    assert atom_entries(r) == ["Récent", "Futur", 'Ancien "service"']


def test_the_new_startups_feed_exists_in_rss(client, startups):
    r = client.get("/feeds/startups.rss")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/rss+xml")
    assert rss_items(r) == ["Récent", "Futur", 'Ancien "service"']


def test_the_phase_feed_lists_phase_changes_up_to_today(client, startups):
    r = client.get("/feeds/phases.atom")
    assert r.status_code == 200
    titles = atom_entries(r)
    assert len(titles) == 4  # not the future phase, not the hidden start-up
    assert titles[0].startswith("Récent")
    assert not any(t.startswith("Caché") for t in titles)
    root = ET.fromstring(r.content)
    ids = [e.find(f"{ATOM}id").text for e in root.iter(f"{ATOM}entry")]
    assert len(set(ids)) == len(ids)
    assert rss_items(client.get("/feeds/phases.rss"))[0].startswith("Récent")


def test_an_incubators_feeds_have_only_its_startups(client, startups):
    r = client.get("/incubators/dinum/feeds/startups.atom")
    assert r.status_code == 200
    assert atom_entries(r) == ['Ancien "service"']
    assert "DINUM" in ET.fromstring(r.content).find(f"{ATOM}title").text
    r = client.get("/incubators/dinum/feeds/phases.rss")
    assert len(rss_items(r)) == 2
    for suffix in ("startups.rss", "phases.atom"):
        assert client.get(f"/incubators/dinum/feeds/{suffix}").status_code == 200


def test_an_unknown_incubators_feed_is_a_404(client, db):
    assert client.get("/incubators/nobody/feeds/startups.atom").status_code == 404


def test_feeds_exist_in_english_too(client, startups):
    r = client.get("/en/feeds/startups.atom")
    assert r.status_code == 200
    assert "New start-ups" in ET.fromstring(r.content).find(f"{ATOM}title").text


@pytest.mark.parametrize(
    "url",
    ["/feeds/startups.atom", "/feeds/phases.rss", "/incubators/x/feeds/phases.atom"],
)
def test_feeds_run_the_same_queries_for_few_or_many_startups(
    client, make_startup, make_incubator, url
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    incubator = make_incubator(slug="x")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    make_startup(incubator=incubator)
    few = count()
    for _ in range(8):
        make_startup(incubator=incubator)
    assert count() == few <= 3


# Strict validation: RFC 4287 (Atom) and RSS 2.0, with lxml, and feedparser's
# own well-formedness verdict (bozo).

FEEDS = [
    "/feeds/startups.atom",
    "/feeds/phases.atom",
    "/incubators/dinum/feeds/startups.atom",
    "/incubators/dinum/feeds/phases.atom",
    "/en/feeds/phases.atom",
]
RSS_FEEDS = [url.replace(".atom", ".rss") for url in FEEDS]
# RFC 3339 date-time, as RFC 4287 3.3 requires.
RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
)
A = "{http://www.w3.org/2005/Atom}"
MARKUP = "Le <b>gras</b> & l'esperluette"


@pytest.fixture
def marked_up(startups, make_startup):
    # A mission that holds what looks like markup: it is text.
    return make_startup(
        slug="markup",
        title="Balises",
        mission=MARKUP,
        incubator=startups["dinum"],
        phases=[(Phase.INVESTIGATION, dt.date(2024, 6, 1))],
    )


def absolute(iri: str) -> bool:
    parts = urlsplit(iri)
    if parts.scheme == "tag":
        return bool(re.match(r"^tag:[^,]+,\d{4}(-\d{2}(-\d{2})?)?:.+", iri))
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def one(element, tag):
    found = element.findall(tag)
    assert len(found) == 1, f"{element.tag} needs exactly one {tag}"
    return found[0]


def check_atom(content: bytes) -> list:
    feed = etree.fromstring(content)
    assert feed.tag == f"{A}feed"
    assert absolute(one(feed, f"{A}id").text)
    assert one(feed, f"{A}title").text
    assert RFC3339.match(one(feed, f"{A}updated").text)
    assert any(link.get("rel") == "self" for link in feed.findall(f"{A}link"))
    entries = feed.findall(f"{A}entry")
    assert entries
    feed_has_author = feed.find(f"{A}author") is not None
    ids = []
    for entry in entries:
        ids.append(one(entry, f"{A}id").text)
        assert absolute(ids[-1]), ids[-1]
        assert one(entry, f"{A}title").text
        assert RFC3339.match(one(entry, f"{A}updated").text)
        published = entry.find(f"{A}published")
        if published is not None:
            assert RFC3339.match(published.text)
        assert feed_has_author or entry.find(f"{A}author/{A}name") is not None
        alternate = [
            link
            for link in entry.findall(f"{A}link")
            if link.get("rel", "alternate") == "alternate"
        ]
        assert len(alternate) == 1 and absolute(alternate[0].get("href"))
        for summary in entry.findall(f"{A}summary"):
            assert summary.get("type", "text") == "text"
            assert len(summary) == 0  # no child element: text
    assert len(set(ids)) == len(ids)
    return entries


def check_rss(content: bytes) -> list:
    rss = etree.fromstring(content)
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    channel = one(rss, "channel")
    assert one(channel, "title").text
    assert absolute(one(channel, "link").text)
    assert one(channel, "description").text
    items = channel.findall("item")
    assert items
    guids = []
    for item in items:
        assert item.find("title") is not None or item.find("description") is not None
        assert absolute(one(item, "link").text)
        guids.append(one(item, "guid").text)
        assert absolute(guids[-1]), guids[-1]
        parsedate_to_datetime(one(item, "pubDate").text)  # RFC 822
    assert len(set(guids)) == len(guids)
    return items


@pytest.mark.parametrize("url", FEEDS)
def test_every_atom_feed_is_valid_rfc_4287(client, marked_up, url):
    r = client.get(url)
    assert r.status_code == 200
    entries = check_atom(r.content)
    parsed = feedparser.parse(r.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert all(e.get("updated_parsed") for e in parsed.entries)
    assert len(parsed.entries) == len(entries)


@pytest.mark.parametrize("url", RSS_FEEDS)
def test_every_rss_feed_is_valid_rss_2(client, marked_up, url):
    r = client.get(url)
    assert r.status_code == 200
    check_rss(r.content)
    parsed = feedparser.parse(r.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"


def test_a_mission_is_a_text_summary_in_both_feeds(client, marked_up):
    atom = etree.fromstring(client.get("/feeds/startups.atom").content)
    entry = next(
        e for e in atom.iter(f"{A}entry") if e.find(f"{A}title").text == "Balises"
    )
    summary = entry.find(f"{A}summary")
    assert summary.get("type") == "text" and summary.text == MARKUP
    # RSS readers render <description> as HTML: it holds the text escaped.
    parsed = feedparser.parse(client.get("/feeds/startups.rss").content)
    item = next(i for i in parsed.entries if i.title == "Balises")
    assert html.unescape(item.description) == MARKUP
    rss = etree.fromstring(client.get("/feeds/startups.rss").content)
    description = next(
        i.find("description").text
        for i in rss.iter("item")
        if i.find("title").text == "Balises"
    )
    assert description == html.escape(MARKUP, quote=False).replace("'", "&#x27;")


def test_a_phase_entry_has_an_absolute_id_and_an_updated_date(client, startups):
    atom = etree.fromstring(client.get("/feeds/phases.atom").content)
    for entry in atom.iter(f"{A}entry"):
        assert entry.find(f"{A}id").text.startswith("http://testserver/startups/")
        assert entry.find(f"{A}updated").text == entry.find(f"{A}published").text


@pytest.mark.django_db
def test_feed_links_take_the_public_address_scheme(client, settings, make_startup):
    # Served over plain http (a proxy that does not say it was https), the
    # public address is https: every link of the feed is.
    settings.SITE_URL = "https://catalogue.example.org"
    settings.SERVED_HOSTS = ["catalogue.example.org"]
    make_startup(slug="alpha")
    for address in ("/feeds/startups.atom", "/feeds/startups.rss"):
        body = client.get(address, HTTP_HOST="catalogue.example.org").content.decode()
        links = set(re.findall(r"https?://catalogue\.example\.org[^\"<\s]*", body))
        assert "https://catalogue.example.org/startups/alpha/" in links
        assert not [link for link in links if link.startswith("http://")]
