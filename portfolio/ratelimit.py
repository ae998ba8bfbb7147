"""Per-address rate limits, aimed at the work that builds a page rather than at
answers the cache already holds.

- LOGIN: admin logins and password-reset requests (POST), which invite guessing;
- SEARCH, EXPORT, BUILD: a catalogue search, a CSV export, any other public page
  or open-data answer that is built because the cache does not hold it
  (startups.caching calls refuse_build before building);
- PAGES: every public request, cached or not, with a generous limit, so that
  an administration whose agents share one address is not refused what costs
  nothing.

A fixed window counted in the default cache: one key per (rule, address,
window), bumped with cache.incr. With REDIS_URL that cache is Redis, shared by
every worker and server; the local-memory cache counts per process (a deploy
check warns). Limits come from settings (RATELIMIT_<RULE>: "<count>/<s|m|h>");
RATELIMIT_ENABLED turns them all off. An address over a limit gets 429 with
Retry-After (a page, or JSON under /api/). If the cache fails, the request goes
through: a limit must not take the site down.
"""

import logging
import time

from django.conf import settings
from django.core import checks
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


EXPORTS = (
    "startups:export_csv",
    "startups:export_xlsx",
    "startups:export_budget_csv",
    "startups:indicators_csv",
    "api:v27_startups_csv",
)


def rule_for(request: HttpRequest) -> str | None:
    """The limit a request counts against before its view runs (by URL name)."""
    match = request.resolver_match
    name = match.view_name if match else ""
    if name in ("admin:login", "admin_password_reset") and request.method == "POST":
        return "LOGIN"
    if name == "media" or name.startswith("admin:") or match is None:
        # Images come twenty to a page; the staff space has its own guards.
        return None
    return "PAGES"


def build_rule(request: HttpRequest) -> str:
    """The limit a page built rather than read from the cache counts against."""
    match = request.resolver_match
    name = match.view_name if match else ""
    if name == "startups:list" and request.GET.get("q", "").strip():
        return "SEARCH"
    if name in EXPORTS:
        return "EXPORT"
    return "BUILD"


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


def _limit(request: HttpRequest, rule: str):
    """429 if this request takes the address over the rule's limit, else None."""
    retry_after = hit(rule, client_ip(request) or "unknown")
    if retry_after is None:
        return None
    logger.warning(
        "Rate limit %s reached by %s on %s", rule, client_ip(request), request.path
    )
    return too_many_requests(request, retry_after)


def refuse_build(request: HttpRequest):
    """What startups.caching asks before building a page the cache does not
    hold: 429 if the address has built too many lately, else None."""
    if not settings.RATELIMIT_ENABLED:
        return None
    return _limit(request, build_rule(request))


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.RATELIMIT_ENABLED:
            return None
        rule = rule_for(request)
        return None if rule is None else _limit(request, rule)


def shared_counts_check(app_configs=None, **kwargs):
    """Deploy check: counts kept in each process's memory let every worker (and
    every server) grant the whole limit again."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    if settings.RATELIMIT_ENABLED and isinstance(caches["default"], LocMemCache):
        return [
            checks.Warning(
                "Rate limits are counted in each process's memory: each worker "
                "grants the whole limit again.",
                hint="Set REDIS_URL so that every worker and server shares the "
                "counts (and the cached pages).",
                id="portfolio.W001",
            )
        ]
    return []
