"""Fetching an address that staff typed, from the server, without letting it
reach what only the server can reach (SSRF): https only, the host resolved
first and every address it resolves to checked (no private, loopback,
link-local, multicast, reserved or unspecified one, IPv4 or IPv6), the
connection made to the checked address (a second resolution can't swap it),
the same checks after every redirect, a redirect limit, a connect timeout and
a total one, and a cap on the body, read a chunk at a time.

settings.SAFE_FETCH_INSECURE_HOSTS names hosts for which plain http and a
loopback address are accepted: empty in production, a local test server's
host in tests."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

REDIRECTS = (301, 302, 303, 307, 308)
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class FetchError(Exception):
    """Why an address could not be fetched, in the reader's language."""


@dataclass(frozen=True)
class Limits:
    connect_timeout: float = 5.0
    total_timeout: float = 15.0
    max_bytes: int = 1_000_000
    max_redirects: int = 3


def _insecure_hosts() -> set[str]:
    return {h.lower() for h in getattr(settings, "SAFE_FETCH_INSECURE_HOSTS", ())}


def address_refused(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether an address is one a fetch may not reach (an IPv6 address that
    carries an IPv4 one, mapped, 6to4, Teredo or NAT64, as that one)."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if ip.teredo is not None:
            embedded = ip.teredo[1]
        if ip in NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return address_refused(embedded)
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def checked_address(host: str, port: int, *, insecure_ok: bool) -> str:
    """The address to connect to: every address `host` resolves to must be
    allowed (a name resolving to one public and one private address is
    refused: which one is used must not matter)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError(_("The host %(host)s is unknown.") % {"host": host}) from error
    addresses = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        allowed_locally = insecure_ok and ip.is_loopback
        if address_refused(ip) and not allowed_locally:
            raise FetchError(
                _("The address of %(host)s (%(ip)s) is not a public one: refused.")
                % {"host": host, "ip": ip}
            )
        addresses.append(str(ip))
    if not addresses:
        raise FetchError(_("The host %(host)s is unknown.") % {"host": host})
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the checked address, the certificate verified for the host."""

    def __init__(self, host, port, *, address, timeout, context):
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch(url: str, *, limits: Limits = Limits(), context=None) -> bytes:  # noqa: B008
    """The body of `url` (status 200), or FetchError saying why not."""
    deadline = time.monotonic() + limits.total_timeout
    for _hop in range(limits.max_redirects + 1):
        response, connection = _open(url, limits, deadline, context)
        try:
            if response.status in REDIRECTS:
                location = response.getheader("Location")
                if not location:
                    raise FetchError(_("A redirect without an address."))
                url = urljoin(url, location)
                continue
            if response.status != 200:
                raise FetchError(
                    _("The address answered with the HTTP status %(status)s.")
                    % {"status": response.status}
                )
            return _read_body(response, connection, limits, deadline)
        finally:
            connection.close()
    raise FetchError(
        _("More than %(n)s redirects: refused.") % {"n": limits.max_redirects}
    )


def _open(url: str, limits: Limits, deadline: float, context):
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    insecure_ok = host in _insecure_hosts()
    if parts.scheme != "https" and not (parts.scheme == "http" and insecure_ok):
        raise FetchError(
            _("Only https:// addresses are fetched (not %(url)s).") % {"url": url[:200]}
        )
    if not host or parts.username or parts.password:
        raise FetchError(_("This address has no valid host."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise FetchError(_("This address has no valid port.")) from error
    address = checked_address(host, port, insecure_ok=insecure_ok)
    timeout = min(limits.connect_timeout, _remaining(deadline))
    if parts.scheme == "https":
        connection = _PinnedHTTPSConnection(
            host,
            port,
            address=address,
            timeout=timeout,
            context=context or ssl.create_default_context(),
        )
    else:
        connection = _PinnedHTTPConnection(host, port, address=address, timeout=timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.connect()
        sock = connection.sock
        sock.settimeout(_remaining(deadline))
        connection.request(
            "GET",
            path,
            headers={
                "Accept": "application/json",
                "User-Agent": "catalogue-startups-etat/indicators",
                "Accept-Encoding": "identity",
            },
        )
        response = connection.getresponse()
        # http.client lets go of the socket once the headers say the server
        # closes it; the body is still read through it, under the deadline.
        response._pinned_sock = sock
    except FetchError:
        connection.close()
        raise
    except TimeoutError as error:
        connection.close()
        raise FetchError(_("The address did not answer in time.")) from error
    except ssl.SSLError as error:
        connection.close()
        raise FetchError(
            _("The secure connection failed: %(reason)s")
            % {"reason": getattr(error, "reason", None) or error}
        ) from error
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        raise FetchError(
            _("The connection failed: %(reason)s") % {"reason": error}
        ) from error
    return response, connection


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchError(_("The address did not answer in time."))
    return left


def _read_body(response, connection, limits: Limits, deadline: float) -> bytes:
    too_big = FetchError(
        _("The answer is larger than %(n)s bytes: refused.") % {"n": limits.max_bytes}
    )
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > limits.max_bytes:
        raise too_big
    chunks, size = [], 0
    try:
        while True:
            response._pinned_sock.settimeout(_remaining(deadline))
            chunk = response.read1(16_384)
            if not chunk:
                break
            size += len(chunk)
            if size > limits.max_bytes:
                raise too_big
            chunks.append(chunk)
            _remaining(deadline)
    except TimeoutError as error:
        raise FetchError(_("The address did not answer in time.")) from error
    except (OSError, http.client.HTTPException) as error:
        raise FetchError(
            _("The connection failed: %(reason)s") % {"reason": error}
        ) from error
    return b"".join(chunks)
