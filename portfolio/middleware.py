"""Requests no page can answer, refused before they reach a view; the security
headers every response carries; the 503 page when the database is down, whether
a view or a middleware met it."""

import logging
import re
import sys

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.http.request import split_domain_port
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.views import defaults
from django.views.defaults import bad_request

logger = logging.getLogger(__name__)


class RejectNulBytesMiddleware:
    """A NUL byte in the address or a parameter is never meaningful, and
    PostgreSQL refuses it in text (SQLite stores it): answer 400 for every
    page at once rather than a 500 from whichever query meets it first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        bad = [
            key.replace("\x00", "")
            for key, values in request.GET.lists()
            if "\x00" in key or any("\x00" in value for value in values)
        ]
        if bad or "\x00" in request.path:
            if request.path.startswith("/api/"):
                # The API's error shape: {"detail": …, "errors": {param: [...]}}.
                message = "Caractère NUL refusé."
                return JsonResponse(
                    {
                        "detail": "Paramètre invalide : caractère NUL.",
                        "errors": {key: [message] for key in bad}
                        or {"path": [message]},
                    },
                    status=400,
                )
            return bad_request(request, ValueError("NUL byte in the request"))
        return self.get_response(request)


# Admin pages, in any language: /admin/… and /en/admin/….
_ADMIN_PATH = re.compile(r"^/(?:[a-z]{2}(?:-[a-z]+)?/)?admin/")


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's header (settings.CONTENT_SECURITY_POLICY), with one exception:
    the Django admin (and reversion's templates) write inline style="" attributes,
    which no nonce can allow, so on /admin/ pages only style-src also allows
    'unsafe-inline'. Scripts stay 'self' everywhere: the admin's are files."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and _ADMIN_PATH.match(request.path_info):
            parts.update = {**(parts.update or {}), "style-src": [UNSAFE_INLINE]}
        return parts


class PermissionsPolicyMiddleware:
    """Permissions-Policy from settings.PERMISSIONS_POLICY ({feature: [origins]}):
    an empty list turns the feature off for the page and every frame in it."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(origins)})"
            for feature, origins in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class PrivateForStaffMiddleware:
    """A logged-in person's pages may show what visitors' do not (banners,
    unpublished sheets): Cache-Control: private, no-store, which every shared
    cache obeys (many CDNs ignore the Vary: Cookie these answers carry)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Without a session cookie nobody is logged in: no need to ask. Asked
        # before the view: the API's views replace request.user with None.
        try:
            logged_in = bool(
                request.COOKIES.get(settings.SESSION_COOKIE_NAME)
                and getattr(request, "user", None) is not None
                and request.user.is_authenticated
            )
        except (OperationalError, InterfaceError) as error:
            # The session or the user could not be read.
            logger.error("Database unavailable: %s", error)
            return database_unavailable(request)
        response = self.get_response(request)
        if logged_in:
            patch_cache_control(response, private=True, no_store=True)
        return response


def _host_port(host: str) -> tuple[str, str]:
    """(name, port) with the default ports (80, 443) and none alike: ""."""
    name, port = split_domain_port(host)
    if host.endswith(":*"):
        name, port = split_domain_port(host[:-2])[0], "*"
    return name, "" if port in ("80", "443") else port


class CanonicalHostMiddleware:
    """The public address comes from settings.SITE_URL, never from the request.

    A request whose Host (or X-Forwarded-Host, when USE_X_FORWARDED_HOST is on)
    is not one of settings.SERVED_HOSTS, port included, is refused with 400
    (Django's ALLOWED_HOSTS compares the name only, so `<our host>:6666` went
    through and wrote its port into every link of a page then cached for all).
    The requests let in build their absolute links (request.build_absolute_uri,
    request.get_host(): canonical, hreflang, sitemap, feeds, the API's `next`)
    on SITE_URL, so that no header a response does not vary on can change what
    is cached."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # What Django's get_host() reads, before its own check and its port drop.
        raw = request._get_raw_host()
        name, port = _host_port(raw)
        served = {_host_port(host) for host in settings.SERVED_HOSTS}
        if not name or not ((name, port) in served or (name, "*") in served):
            raise DisallowedHost(
                f"Invalid HTTP_HOST header: {raw!r}. The site answers on "
                f"{settings.SITE_URL} and DJANGO_ALLOWED_HOSTS only."
            )
        public = settings.SITE_URL.split("://", 1)[1]
        request.get_host = lambda: public
        # build_absolute_uri's cached "scheme://host".
        request._current_scheme_host = settings.SITE_URL
        return self.get_response(request)


def site_url_check(app_configs=None, **kwargs):
    """Deploy check: the public address every link names must be set."""
    import os

    from django.core import checks

    if not os.environ.get("DJANGO_SITE_URL"):
        return [
            checks.Warning(
                f"DJANGO_SITE_URL is not set: every link names {settings.SITE_URL}, "
                "and only that host is served.",
                hint="Set DJANGO_SITE_URL to the public address, e.g. "
                "https://catalogue.example.org.",
                id="portfolio.W002",
            )
        ]
    return []


def database_unavailable(request=None) -> HttpResponse:
    """The 503 page: a template of its own that needs neither the database nor
    the request (no session, no user, no context processor)."""
    if request is not None and request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": "Service momentanément indisponible, réessayez plus tard."},
            status=503,
        )
    else:
        body = render_to_string("503.html", {"retry_after": DATABASE_RETRY_AFTER})
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


DATABASE_RETRY_AFTER = 30


class DatabaseUnavailableMiddleware:
    """When the database cannot be reached (server stopped, connection lost) a
    view raises OperationalError or InterfaceError: answer 503 with Retry-After
    rather than a 500. Nothing to do to recover: Django drops the broken
    connection at the end of the request (CONN_HEALTH_CHECKS checks a reused one
    before the next), so the first request after the database is back opens a new
    one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            logger.error("Database unavailable: %s", exception)
            return database_unavailable(request)
        return None


def csrf_failure(request, reason=""):
    """settings.CSRF_FAILURE_VIEW: the site's own page, in the visitor's
    language, rather than Django's English default."""
    # Django has logged the reason already (django.security.csrf).
    body = render_to_string("403_csrf.html", request=request)
    return HttpResponse(body, status=403)


def server_error(request):
    """handler500. process_exception above sees only what views raise; an error
    raised by a middleware (the session saved at the end of a request, say)
    reaches Django's 500 handler instead. A database that does not answer is the
    same outage there: the same 503 page, not a 500. Django calls this inside its
    except block, so sys.exc_info() is the error being handled."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        logger.error("Database unavailable: %s", error)
        return database_unavailable(request)
    return defaults.server_error(request)
