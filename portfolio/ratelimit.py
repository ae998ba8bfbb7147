"""Per-address rate limits on the requests that cost the most or invite
guessing: the catalogue search, the CSV exports and the admin login.

A fixed window counted in the cache: one key per (rule, address, window), bumped
with cache.incr. Limits come from settings (RATELIMIT_SEARCH, RATELIMIT_EXPORT,
RATELIMIT_LOGIN: "<count>/<s|m|h>"); RATELIMIT_ENABLED turns them all off. An
address over its limit gets 429 with Retry-After (a page, or JSON under /api/).
If the cache fails, the request goes through: a limit must not take the site down.
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, JsonResponse
from django.template.response import TemplateResponse

from portfolio.login_protection import client_ip

logger = logging.getLogger(__name__)

_PERIODS = {"s": 1, "m": 60, "h": 3600}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "60/m" → (60, 60): so many requests per so many seconds."""
    try:
        count, period = rate.strip().split("/")
        return int(count), _PERIODS[period.strip().lower()[:1]]
    except (ValueError, KeyError):
        raise ImproperlyConfigured(
            f"A rate limit reads like 60/m (count per s, m or h), not {rate!r}."
        ) from None


def rule_for(request: HttpRequest) -> str | None:
    """Which limit applies to this request, if any (by URL name)."""
    match = request.resolver_match
    name = match.view_name if match else ""
    if name == "startups:list" and request.GET.get("q", "").strip():
        return "SEARCH"
    if name in ("startups:export_csv", "startups:export_xlsx", "api:v27_startups_csv"):
        return "EXPORT"
    if name in ("admin:login", "admin_password_reset") and request.method == "POST":
        return "LOGIN"
    return None


def hit(rule: str, address: str) -> int | None:
    """Count one request; the seconds until the window ends if it is over the
    limit, else None."""
    limit, period = parse_rate(getattr(settings, f"RATELIMIT_{rule}"))
    now = int(time.time())
    window = now // period
    key = f"ratelimit:{rule}:{address}:{window}"
    try:
        cache.add(key, 0, timeout=period + 1)
        count = cache.incr(key)
    except Exception:  # noqa: BLE001 - any cache failure: let the request through
        logger.exception("Rate limit cache unavailable")
        return None
    if count > limit:
        return max(1, (window + 1) * period - now)
    return None


def too_many_requests(request: HttpRequest, retry_after: int):
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {
                "detail": (
                    "Trop de requêtes : réessayez dans "
                    f"{retry_after} seconde{'s' if retry_after > 1 else ''}."
                ),
                "retry_after": retry_after,
            },
            status=429,
        )
    else:
        response = TemplateResponse(
            request, "429.html", {"retry_after": retry_after}, status=429
        )
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.RATELIMIT_ENABLED:
            return None
        rule = rule_for(request)
        if rule is None:
            return None
        retry_after = hit(rule, client_ip(request) or "unknown")
        if retry_after is None:
            return None
        logger.warning(
            "Rate limit %s reached by %s on %s", rule, client_ip(request), request.path
        )
        return too_many_requests(request, retry_after)
