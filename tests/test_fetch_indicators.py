"""`manage.py fetch_indicators`: statistics addresses fetched against a local
server this module starts, with the safety rules (https only in production,
no private or loopback address, also after redirects, timeouts, size cap,
strict JSON), the last good values kept and the staff told what failed."""

import datetime as dt
import json
import socket
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import translation

from startups import impact, safe_fetch
from startups.indicators import Indicator, IndicatorValue
from startups.models import StartupEditor
from startups.services import make_incubator_staff

pytestmark = pytest.mark.django_db

GOOD = {
    "description": "Nombre de simulations réalisées",
    "stats": [
        {"date": "2024-01-01", "value": 120},
        {"date": "2024-02-01", "value": 180.5},
        {"date": "2024-03-01", "value": 240},
    ],
    "periodicity": "month",
    "since": "2024-01-01",
}


class Handler(BaseHTTPRequestHandler):
    # Routes set per test: path -> callable(handler).
    routes: dict = {}

    def log_message(self, *args):
        pass

    def do_GET(self):
        route = self.routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        route(self)

    def send_json(self, payload, *, status=200, length=True):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture(autouse=True)
def _in_english():
    # The errors are asserted in English (the e-mails go out in French).
    with translation.override("en"):
        yield


@pytest.fixture
def server(settings):
    """A local HTTP server on 127.0.0.1, the one host tests let through over
    http (SAFE_FETCH_INSECURE_HOSTS); its routes are Handler.routes."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    settings.SAFE_FETCH_INSECURE_HOSTS = ["127.0.0.1"]
    Handler.routes = {}
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield base
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def sheet(make_incubator, make_startup):
    incubator = make_incubator()
    startup = make_startup(incubator=incubator, title="Simulateur")
    staff = get_user_model().objects.create_user(
        "staff", email="staff@incubateur.example", password="pw"
    )
    make_incubator_staff(user=staff, incubators=[incubator])
    editor = get_user_model().objects.create_user(
        "editor", email="editor@service.example", password="pw"
    )
    StartupEditor.objects.create(user=editor, startup=startup)
    get_user_model().objects.create_user(
        "someone-else", email="other@example.org", password="pw"
    )
    return startup


def indicator_for(startup, url, **fields):
    return Indicator.objects.create(
        startup=startup,
        label=fields.pop("label", "Simulations"),
        part=Indicator.Part.USED,
        source_url=url,
        **fields,
    )


def run():
    out, err = StringIO(), StringIO()
    call_command("fetch_indicators", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def values_of(indicator):
    return list(indicator.values.order_by("date").values_list("date", "value"))


def test_a_good_payload_writes_its_values_and_clears_the_error(server, sheet):
    Handler.routes["/stats"] = lambda h: h.send_json(GOOD)
    indicator = indicator_for(
        sheet, server + "/stats", periodicity="week", last_error="old"
    )
    out, _err = run()
    assert "1 indicators fetched, 0 failed" in out
    assert values_of(indicator) == [
        (dt.date(2024, 1, 1), Decimal("120")),
        (dt.date(2024, 2, 1), Decimal("180.5")),
        (dt.date(2024, 3, 1), Decimal("240")),
    ]
    indicator.refresh_from_db()
    assert indicator.last_error == ""
    assert indicator.last_fetched_at is not None
    assert indicator.periodicity == "month"  # as the source says
    assert mail.outbox == []


def test_a_second_fetch_updates_same_dates_and_keeps_earlier_ones(server, sheet):
    indicator = indicator_for(sheet, server + "/stats")
    IndicatorValue.objects.create(
        indicator=indicator, date=dt.date(2023, 12, 1), value=90
    )
    IndicatorValue.objects.create(
        indicator=indicator, date=dt.date(2024, 1, 1), value=1
    )
    Handler.routes["/stats"] = lambda h: h.send_json(GOOD)
    run()
    assert values_of(indicator)[:2] == [
        (dt.date(2023, 12, 1), Decimal("90")),
        (dt.date(2024, 1, 1), Decimal("120")),
    ]


def failing(server, sheet, path, route):
    """An indicator with good values already, whose address now fails."""
    Handler.routes[path] = route
    indicator = indicator_for(sheet, server + path)
    IndicatorValue.objects.create(
        indicator=indicator, date=dt.date(2023, 6, 1), value=42
    )
    return indicator


def assert_failed_and_kept(indicator, fragment):
    indicator.refresh_from_db()
    assert fragment in indicator.last_error, indicator.last_error
    assert indicator.last_error_at is not None
    assert values_of(indicator) == [(dt.date(2023, 6, 1), Decimal("42"))]


def test_a_failure_keeps_the_values_records_the_error_and_mails_the_staff(
    server, sheet
):
    indicator = failing(server, sheet, "/broken", lambda h: h.send_json(b"{not json"))
    out, err = run()
    assert "0 indicators fetched, 1 failed, 2 e-mails sent" in out
    assert "not valid JSON" in err
    assert_failed_and_kept(indicator, "not valid JSON")
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == ["editor@service.example", "staff@incubateur.example"]
    message = mail.outbox[0]
    assert "Simulateur" in message.subject
    assert "Simulations" in message.body
    assert server + "/broken" in message.body
    assert f"/admin/startups/startup/{sheet.pk}/change/" in message.body


def test_the_same_error_again_is_not_mailed_again(server, sheet):
    failing(server, sheet, "/broken", lambda h: h.send_json(b"[]"))
    run()
    assert len(mail.outbox) == 2
    run()
    assert len(mail.outbox) == 2


def test_an_answer_larger_than_the_cap_is_refused(server, sheet, monkeypatch):
    monkeypatch.setattr(impact, "STATS_MAX_BYTES", 1000)
    big = {"stats": [{"date": "2024-01-01", "value": 1}], "pad": "x" * 5000}
    indicator = failing(server, sheet, "/big", lambda h: h.send_json(big))
    run()
    assert_failed_and_kept(indicator, "larger than 1000 bytes")


def test_a_large_answer_without_a_length_is_stopped_while_read(
    server, sheet, monkeypatch
):
    monkeypatch.setattr(impact, "STATS_MAX_BYTES", 1000)

    def endless(h):
        h.send_response(200)
        h.end_headers()
        try:
            for _i in range(200):
                h.wfile.write(b" " * 1000)
        except OSError:
            pass  # the client hung up, as it should

    indicator = failing(server, sheet, "/endless", endless)
    run()
    assert_failed_and_kept(indicator, "larger than 1000 bytes")


def test_a_slow_answer_times_out(server, sheet, monkeypatch):
    monkeypatch.setattr(impact, "FETCH_TIMEOUT", 0.5)

    def slow(h):
        time.sleep(2)
        h.send_json(GOOD)

    indicator = failing(server, sheet, "/slow", slow)
    started = time.monotonic()
    run()
    assert time.monotonic() - started < 1.8
    assert_failed_and_kept(indicator, "did not answer in time")


def test_an_answer_trickling_in_is_cut_at_the_total_timeout(server, sheet, monkeypatch):
    monkeypatch.setattr(impact, "FETCH_TIMEOUT", 0.6)

    def trickle(h):
        h.send_response(200)
        h.end_headers()
        try:
            for _i in range(40):
                h.wfile.write(b" ")
                h.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass

    indicator = failing(server, sheet, "/trickle", trickle)
    started = time.monotonic()
    run()
    assert time.monotonic() - started < 2
    assert_failed_and_kept(indicator, "did not answer in time")


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"stats": [{"date": "2024-01-01", "value": NaN}]}', "not valid JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"description": "x"}', "stats” list"),
        (b'{"stats": [{"date": "01/02/2024", "value": 1}]}', "no valid date"),
        (b'{"stats": [{"date": "2024-02-30", "value": 1}]}', "no valid date"),
        (b'{"stats": [{"date": "2999-01-01", "value": 1}]}', "no valid date"),
        (b'{"stats": [{"date": "2024-01-01", "value": "12"}]}', "not a number"),
        (b'{"stats": [{"date": "2024-01-01", "value": true}]}', "not a number"),
        (b'{"stats": [{"date": "2024-01-01", "value": 1e400}]}', "not a number"),
        (b'{"stats": [{"date": "2024-01-01", "value": 1e20}]}', "not a number"),
        (
            b'{"stats": [{"date": "2024-01-01", "value": 1}, '
            b'{"date": "2024-01-01", "value": 2}]}',
            "Two values",
        ),
        (b'{"stats": [], "periodicity": "hourly"}', "Unknown periodicity"),
        (b'{"stats": [], "since": "yesterday"}', "since"),
        (b'{"stats": [3]}', "not an object"),
    ],
)
def test_malformed_payloads_are_refused(server, sheet, payload, fragment):
    indicator = failing(server, sheet, "/bad", lambda h: h.send_json(payload))
    run()
    assert_failed_and_kept(indicator, fragment)


def test_too_many_points_are_refused(server, sheet, monkeypatch):
    monkeypatch.setattr(impact, "MAX_VALUES_PER_INDICATOR", 2)
    indicator = failing(server, sheet, "/many", lambda h: h.send_json(GOOD))
    run()
    assert_failed_and_kept(indicator, "More than 2 values")


def test_a_status_other_than_200_is_an_error(server, sheet):
    indicator = failing(server, sheet, "/missing", lambda h: h.send_error(500))
    run()
    assert_failed_and_kept(indicator, "HTTP status 500")


def test_a_redirect_to_a_public_answer_is_followed(server, sheet):
    Handler.routes["/moved"] = lambda h: h.redirect("/stats")
    Handler.routes["/stats"] = lambda h: h.send_json(GOOD)
    indicator = indicator_for(sheet, server + "/moved")
    run()
    assert len(values_of(indicator)) == 3


@pytest.fixture
def resolver(monkeypatch):
    """Names resolved as the test says, and any connection to an address other
    than the loopback recorded (and refused) rather than attempted."""
    names: dict[str, str] = {}
    attempts: list = []
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.create_connection

    def getaddrinfo(host, port, *args, **kwargs):
        if host in names:
            family = socket.AF_INET6 if ":" in names[host] else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (names[host], port))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    def create_connection(address, *args, **kwargs):
        if not address[0].startswith("127."):
            attempts.append(address)
            raise OSError("the test forbids this connection")
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    return names, attempts


@pytest.mark.parametrize(
    "address",
    ["10.1.2.3", "192.168.0.10", "172.16.5.4", "169.254.169.254", "::1", "fd00::1",
     "fe80::1", "::ffff:10.0.0.1", "0.0.0.0", "224.0.0.1", "100.64.0.1",
     "2002:a00:1::1", "64:ff9b::a00:1", "2001:0:4136:e378:8000:63bf:f5ff:fffe"],
)  # fmt: skip
def test_a_redirect_to_a_private_address_is_refused_before_connecting(
    server, sheet, resolver, address
):
    names, attempts = resolver
    names["internal.example"] = address
    indicator = failing(
        server,
        sheet,
        "/to-private",
        lambda h: h.redirect("https://internal.example/stats"),
    )
    run()
    assert_failed_and_kept(indicator, "not a public one")
    assert attempts == []


def test_a_redirect_to_plain_http_elsewhere_is_refused(server, sheet):
    indicator = failing(
        server, sheet, "/to-http", lambda h: h.redirect("http://example.org/stats")
    )
    run()
    assert_failed_and_kept(indicator, "Only https://")


def test_redirects_are_limited(server, sheet):
    indicator = failing(server, sheet, "/loop", lambda h: h.redirect("/loop"))
    run()
    assert_failed_and_kept(indicator, "More than 3 redirects")


def test_in_production_plain_http_and_the_loopback_are_refused(
    server, sheet, settings, resolver
):
    settings.SAFE_FETCH_INSECURE_HOSTS = []
    names, attempts = resolver
    port = server.rsplit(":", 1)[1]
    names["stats.service.example"] = "127.0.0.1"
    Handler.routes["/stats"] = lambda h: h.send_json(GOOD)
    over_http = indicator_for(sheet, server + "/stats", label="http")
    loopback = indicator_for(
        sheet, f"https://stats.service.example:{port}/stats", label="loopback"
    )
    loopback_v6 = indicator_for(sheet, f"https://[::1]:{port}/stats", label="v6")
    run()
    for indicator, fragment in (
        (over_http, "Only https://"),
        (loopback, "(127.0.0.1) is not a public one"),
        (loopback_v6, "(::1) is not a public one"),
    ):
        indicator.refresh_from_db()
        assert fragment in indicator.last_error
        assert values_of(indicator) == []
    assert attempts == []


def test_a_name_with_one_private_address_among_public_ones_is_refused(
    monkeypatch,
):
    def getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.1", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(safe_fetch.FetchError, match="10.0.0.1"):
        safe_fetch.checked_address("mixed.example", 443, insecure_ok=False)


def test_the_connection_goes_to_the_checked_address(server, settings, monkeypatch):
    # The host name is resolved once, checked, and that address connected to:
    # the resolver is not asked again (a second answer, DNS rebinding, can't
    # swap the address).
    settings.SAFE_FETCH_INSECURE_HOSTS = ["stats.local.test"]
    port = int(server.rsplit(":", 1)[1])
    resolved, connected = [], []
    real_connect = socket.create_connection
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "127.0.0.1":  # create_connection() on the checked address
            return real_getaddrinfo(host, port, *args, **kwargs)
        resolved.append(host)
        # A second answer would be the loopback's neighbour, never reached.
        answer = "127.0.0.1" if len(resolved) == 1 else "127.0.0.99"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer, port))]

    def create_connection(address, *args, **kwargs):
        connected.append(address)
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    Handler.routes["/stats"] = lambda h: h.send_json(GOOD)
    body = safe_fetch.fetch(f"http://stats.local.test:{port}/stats")
    assert json.loads(body) == GOOD
    assert resolved == ["stats.local.test"]
    assert connected == [("127.0.0.1", port)]


def test_an_address_without_a_known_host_is_an_error(sheet, resolver):
    indicator = indicator_for(sheet, "https://no-such-host.invalid/stats")
    run()
    indicator.refresh_from_db()
    assert "unknown" in indicator.last_error


def test_only_sheets_with_a_source_are_fetched_and_staff_of_others_not_mailed(
    server, sheet, make_startup
):
    other = make_startup()
    Indicator.objects.create(startup=other, label="Typed", part="useful")
    indicator = failing(server, sheet, "/broken", lambda h: h.send_json(b"x"))
    out, _err = run()
    assert "0 indicators fetched, 1 failed" in out
    assert indicator.startup_id == sheet.pk
    assert all("other@example.org" not in m.to for m in mail.outbox)


@pytest.fixture
def tls_server(settings, tmp_path):
    """The local server behind TLS, with a self-signed certificate for
    "localhost" (made with openssl): https as in production, the loopback let
    through for that name only."""
    import shutil
    import ssl
    import subprocess

    from tests.conftest import require

    require(shutil.which("openssl") is not None, "openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    settings.SAFE_FETCH_INSECURE_HOSTS = ["localhost", "127.0.0.1"]
    Handler.routes = {"/stats": lambda h: h.send_json(GOOD)}
    yield httpd.server_address[1], cert
    httpd.shutdown()
    httpd.server_close()


def test_over_tls_the_certificate_is_verified_for_the_host(tls_server, monkeypatch):
    import ssl

    port, cert = tls_server
    # 127.0.0.1 alone: the resolver's other answers for "localhost" (::1) are
    # not where the test server listens.
    real = socket.getaddrinfo
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, *a, **k: real(
            "127.0.0.1" if host == "localhost" else host, *a, **k
        ),
    )
    trusted = ssl.create_default_context(cafile=str(cert))
    body = safe_fetch.fetch(f"https://localhost:{port}/stats", context=trusted)
    assert json.loads(body) == GOOD
    # A certificate nobody vouches for is refused,
    with pytest.raises(safe_fetch.FetchError, match="secure connection failed"):
        safe_fetch.fetch(f"https://localhost:{port}/stats")
    # and so is one for another name than the address's, though the connection
    # goes to the checked address.
    with pytest.raises(safe_fetch.FetchError, match="secure connection failed"):
        safe_fetch.fetch(f"https://127.0.0.1:{port}/stats", context=trusted)


def test_startup_limits_the_fetch_to_that_sheet(server, sheet, make_startup):
    Handler.routes["/stats"] = lambda h: h.send_json(GOOD)
    mine = indicator_for(sheet, server + "/stats")
    other = indicator_for(make_startup(), server + "/stats")
    out = StringIO()
    call_command("fetch_indicators", "--startup", sheet.slug, stdout=out)
    assert "1 indicators fetched" in out.getvalue()
    assert len(values_of(mine)) == 3
    assert values_of(other) == []
    with pytest.raises(CommandError, match="no-such-sheet"):
        call_command("fetch_indicators", "--startup", "no-such-sheet")


def test_fetched_values_show_at_once_on_the_cached_page(server, sheet, client):
    indicator_for(sheet, server + "/stats")
    Handler.routes["/stats"] = lambda h: h.send_json(GOOD)
    assert "180.5" not in client.get(sheet.get_absolute_url()).content.decode()
    run()
    assert "180.5" in client.get(sheet.get_absolute_url()).content.decode()


def test_no_email_records_the_error_without_mailing(server, sheet):
    indicator = failing(server, sheet, "/broken", lambda h: h.send_json(b"x"))
    call_command("fetch_indicators", "--no-email", stdout=StringIO(), stderr=StringIO())
    assert_failed_and_kept(indicator, "not valid JSON")
    assert mail.outbox == []


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "2606:4700::1111", "2002:5db8:d822::1"]
)
def test_public_addresses_are_allowed(address):
    import ipaddress

    assert not safe_fetch.address_refused(ipaddress.ip_address(address))
