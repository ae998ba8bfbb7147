"""Settings for the catalogue, read from the environment.

Production is the default: DEBUG is off unless DJANGO_DEBUG says otherwise, and there
is no default secret key outside debug. Every variable is listed in .env.example.
"""

import os
import re
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off."
    )


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be a whole number, not {raw!r}."
        ) from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Outside debug the site has no default "
            "secret key: set DJANGO_SECRET_KEY to a long random string (for "
            "example the output of `python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))'`), or set DJANGO_DEBUG=1 on a "
            "development machine."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-DJANGO_DEBUG"
# Signed cookies and password-reset links are only as strong as the key.
if not DEBUG and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        f"DJANGO_SECRET_KEY has {len(SECRET_KEY)} characters; outside debug it "
        "needs at least 50 random ones. Make one with `python -c 'import secrets; "
        "print(secrets.token_urlsafe(50))'`."
    )

# The site's public address (no trailing slash): every absolute link (canonical,
# og:url, hreflang, sitemap, feeds, the API's `next`, e-mails) is built from it,
# never from the request's Host, which a client writes.
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
_site = re.fullmatch(r"https?://([^/?#\s@]+)", SITE_URL)
if not _site:
    raise ImproperlyConfigured(
        "DJANGO_SITE_URL must be the site's address, scheme and host (and port "
        "if not the default) only, e.g. https://catalogue.example.org, not "
        f"{SITE_URL!r}."
    )
# The hosts the site answers to, port included ("host" alone: the default port;
# "host:*", any port): the public address and DJANGO_ALLOWED_HOSTS (another
# name, an address for health checks, "10.0.0.5:8000"). Any other Host, or the
# same name on another port, gets 400 (portfolio.middleware.CanonicalHostMiddleware).
SERVED_HOSTS = [
    _site[1].lower(),
    *env_list(
        "DJANGO_ALLOWED_HOSTS",
        ["localhost:*", "127.0.0.1:*", "[::1]:*"] if DEBUG else [],
    ),
]
# Django's own check, by name only (it ignores ports).
ALLOWED_HOSTS = sorted(
    {re.sub(r":(\d+|\*)$", "", host.lower()) for host in SERVED_HOSTS}
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Django's admin as the staff space (startups.admin.site.StaffAdminSite).
    "portfolio.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    # The State design system (DSFR): templates, template tags and its CSS/JS,
    # served by whitenoise like our own static files. widget_tweaks renders its forms.
    "widget_tweaks",
    "dsfr",
    # Login protection for the admin: lockout after repeated failures (axes),
    # optional one-time codes from an authenticator app (django_otp, TOTP).
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Every version of a sheet (with its phases and events), for history and
    # restore in the admin.
    "reversion",
    # The open-data API (/api/v1/) and its OpenAPI schema.
    "rest_framework",
    "drf_spectacular",
    "startups",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portfolio.middleware.RejectNulBytesMiddleware",
    # Content-Security-Policy (django-csp, relaxed for the admin's inline styles
    # only) and Permissions-Policy on every response.
    "portfolio.middleware.ContentSecurityPolicyMiddleware",
    "portfolio.middleware.PermissionsPolicyMiddleware",
    # Hosts other than DJANGO_SITE_URL's (and DJANGO_ALLOWED_HOSTS) get 400; the
    # others build their links with DJANGO_SITE_URL.
    "portfolio.middleware.CanonicalHostMiddleware",
    # A database that does not answer gives the 503 page, not a 500.
    "portfolio.middleware.DatabaseUnavailableMiddleware",
    # A planned phase becomes current on its day: the first request of the day
    # in each process stores it, if cron has not (startups.daily).
    "startups.daily.DailyRefreshMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Cache-Control: private, no-store for whoever is logged in.
    "portfolio.middleware.PrivateForStaffMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Per-address limits on search, CSV exports and admin logins (429).
    "portfolio.ratelimit.RateLimitMiddleware",
    # Last, as axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# The axes backend comes first: it refuses a locked-out login before any password
# is checked; it authenticates no one itself.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five failed logins for one username from one address lock that pair for an
# hour; a successful login clears the count.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Lockouts and failures are logged; the start-up banner on every command is not.
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "portfolio.login_protection.lockout_response"
AXES_CLIENT_IP_CALLABLE = "portfolio.login_protection.client_ip"
# How many proxies we trust in front of the site (the TLS proxy: 1); each appends
# the address it saw to X-Forwarded-For. 0 reads the socket address: without a
# proxy, a client could write any X-Forwarded-For it likes.
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0)
# Staff log in to the admin with a one-time code as well (each needs a TOTP
# device first: see README).
ADMIN_REQUIRE_OTP = env_bool("DJANGO_ADMIN_REQUIRE_OTP", False)
OTP_TOTP_ISSUER = "Catalogue des startups d'État"

ROOT_URLCONF = "portfolio.urls"
WSGI_APPLICATION = "portfolio.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # Not dsfr.context_processors.site_config: it runs a query on every
                # page for settings that live in base.html here.
                "portfolio.context_processors.language_alternates",
            ],
        },
    },
]

# SQLite in the project folder unless DATABASE_URL names another database
# (postgres://user:password@host:5432/name in production).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}

# Read replicas (DATABASE_REPLICA_URLS, comma-separated URLs): read-only traffic
# goes to them, writes and migrations to "default" (portfolio.db_router).
for _i, _url in enumerate(env_list("DATABASE_REPLICA_URLS", [])):
    DATABASES[f"replica_{_i}"] = {
        **dj_database_url.parse(
            _url,
            conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        ),
        # Tests run on one database: the replicas mirror it.
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["portfolio.db_router.ReplicaRouter"]

# On PostgreSQL, a statement that runs longer than DJANGO_DB_STATEMENT_TIMEOUT
# seconds (a table locked, a database overloaded) is cancelled: the visitor gets
# the site's 503 page at once instead of a worker stuck until gunicorn kills it
# (gunicorn.conf.py's timeout is longer), and the worker serves again. 0 turns
# it off. Management commands (migrations, imports, seeding, whose statements
# are long by nature) run without it, the development server with it.
DB_STATEMENT_TIMEOUT = env_int("DJANGO_DB_STATEMENT_TIMEOUT", 5)
# A database that does not even accept the connection: give up after so long.
DB_CONNECT_TIMEOUT = 5
_command = Path(sys.argv[0]).name == "manage.py" and sys.argv[1:2] != ["runserver"]
for _db in DATABASES.values():
    if _db["ENGINE"] == "django.db.backends.postgresql":
        _db.setdefault("OPTIONS", {}).setdefault("connect_timeout", DB_CONNECT_TIMEOUT)
        if DB_STATEMENT_TIMEOUT > 0 and not _command:
            _db["OPTIONS"]["options"] = (
                f"-c statement_timeout={DB_STATEMENT_TIMEOUT * 1000}"
            )

# Local memory in each worker by default; with REDIS_URL, one Redis shared by
# every worker and server. Entries are keyed on the catalogue version kept in the
# database (startups.caching), so they are never stale either way.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The catalogue's facets and rows from each worker's memory (startups.catalogue_index):
# "background" (built in a thread when the catalogue changes; SQL answers meanwhile),
# "sync" (built by the request that needs it) or "off" (SQL only).
CATALOGUE_INDEX = os.environ.get("DJANGO_CATALOGUE_INDEX", "background")
if CATALOGUE_INDEX not in ("background", "sync", "off"):
    raise ImproperlyConfigured(
        "DJANGO_CATALOGUE_INDEX must be background, sync or off, not "
        f"{CATALOGUE_INDEX!r}."
    )

# At least 12 characters: the CNIL's advice for a password used alone.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}", **options}
    for name, options in (
        ("UserAttributeSimilarityValidator", {}),
        ("MinimumLengthValidator", {"OPTIONS": {"min_length": 12}}),
        ("CommonPasswordValidator", {}),
        ("NumericPasswordValidator", {}),
    )
]
# Only staff log in (the public pages keep no session): a session lasts a
# working day, not Django's two weeks.
SESSION_COOKIE_AGE = 10 * 60 * 60
# The site's own page, in French or English, when a form's CSRF check fails.
CSRF_FAILURE_VIEW = "portfolio.middleware.csrf_failure"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
# The manifest storage rewrites the URLs inside DSFR's stylesheets, so their bytes no
# longer match the checksums django-dsfr ships: browsers would refuse them.
DSFR_USE_INTEGRITY_CHECKSUMS = False
STORAGES = {
    # Uploaded images on the local disk (MEDIA_ROOT), served by the site itself
    # (startups.media.serve: images only, with nosniff and a sandboxing CSP).
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed file names: browsers may cache them forever.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Several servers: the images in an S3-compatible bucket instead (django-storages),
# read by browsers straight from the bucket's public address.
MEDIA_S3_BUCKET = os.environ.get("DJANGO_MEDIA_S3_BUCKET", "").strip()
if MEDIA_S3_BUCKET:
    _public_url = os.environ.get("DJANGO_MEDIA_S3_PUBLIC_URL", "").strip().rstrip("/")
    _public = re.fullmatch(r"(https?:)//([^/?#\s]+(?:/[^?#\s]*)?)", _public_url)
    if _public_url and not _public:
        raise ImproperlyConfigured(
            "DJANGO_MEDIA_S3_PUBLIC_URL must be an http(s) address such as "
            f"https://media.catalogue.example.org, not {_public_url!r}."
        )
    _addressing = os.environ.get("DJANGO_MEDIA_S3_ADDRESSING_STYLE", "").strip()
    if _addressing not in {"", "auto", "path", "virtual"}:
        raise ImproperlyConfigured(
            "DJANGO_MEDIA_S3_ADDRESSING_STYLE must be auto, path or virtual, "
            f"not {_addressing!r}."
        )
    STORAGES["default"] = {
        "BACKEND": "startups.media_storage.PublicS3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            # None: boto3 finds them itself (AWS_* variables, instance role).
            "endpoint_url": os.environ.get("DJANGO_MEDIA_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("DJANGO_MEDIA_S3_REGION") or None,
            "access_key": os.environ.get("DJANGO_MEDIA_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("DJANGO_MEDIA_S3_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("DJANGO_MEDIA_S3_PREFIX", "").strip("/"),
            "addressing_style": _addressing or None,
            # e.g. public-read, for services without bucket policies.
            "default_acl": os.environ.get("DJANGO_MEDIA_S3_DEFAULT_ACL") or None,
            **(
                {"url_protocol": _public[1], "custom_domain": _public[2]}
                if _public
                else {}
            ),
        },
    }

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "webmaster@localhost")
# Hosts that `manage.py fetch_indicators` may reach over plain http and on a
# loopback address (startups.safe_fetch): none in production, where every
# statistics address is https and public; tests name their local server here.
SAFE_FETCH_INSECURE_HOSTS: list[str] = []
# Where to report a vulnerability, published in /.well-known/security.txt (RFC
# 9116) and on the security page: a mailto: or https:// address. Unset, there is
# no security.txt (404) rather than one naming an address nobody reads.
SECURITY_CONTACT = os.environ.get("DJANGO_SECURITY_CONTACT", "").strip()
if SECURITY_CONTACT and not re.fullmatch(
    r"mailto:[^@\s]+@[^@\s]+|https://[^\s]+", SECURITY_CONTACT
):
    raise ImproperlyConfigured(
        "DJANGO_SECURITY_CONTACT must be a mailto: or https:// address (for "
        f"example mailto:security@example.org), not {SECURITY_CONTACT!r}."
    )

# Behind a TLS-terminating proxy: it tells us the original scheme.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# Preloading commits every subdomain of the registrable domain to HTTPS for good:
# a decision for the domain's owner, so it is opt-in (see README).
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [
    # startups.Startup's facets index INCLUDEs the id on PostgreSQL; SQLite
    # builds it without, and loses nothing: its indexes all hold the row id.
    "models.W040",
    *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
]
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# X-Content-Type-Options: nosniff comes from SecurityMiddleware
# (SECURE_CONTENT_TYPE_NOSNIFF is on by default).

# Content-Security-Policy (django-csp 4): files from our own origin only, no inline
# script or style on public pages. Images may come from any https site: start-up
# descriptions (beta.gouv.fr's Markdown) show remote images. The admin needs inline
# style attributes (Django's widgets, reversion's templates); style attributes
# cannot carry a nonce, so portfolio.middleware.ContentSecurityPolicyMiddleware
# adds 'unsafe-inline' to style-src for /admin/ only; scripts stay 'self' there too.
_SELF = "'self'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF],
        "style-src": [_SELF],
        "img-src": [_SELF, "data:", "https:"],
        "font-src": [_SELF],
        "connect-src": [_SELF],
        "frame-ancestors": ["'none'"],
        "base-uri": [_SELF],
        "form-action": [_SELF],
        "object-src": ["'none'"],
        **({} if DEBUG else {"upgrade-insecure-requests": True}),
    },
}
# Powerful browser features no page uses, refused for the page and any frame.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "interest-cohort",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "sync-xhr",
        "usb",
        "xr-spatial-tracking",
    )
}

# Requests per client address (portfolio.login_protection.client_ip) in a fixed
# window: "<count>/<s|m|h>" (portfolio.ratelimit). Counted in the default cache:
# shared by every worker and server with REDIS_URL, per process without (a
# deploy check warns). SEARCH, EXPORT and BUILD count only the answers built
# because the cache did not hold them; PAGES counts every public request.
RATELIMIT_ENABLED = env_bool("DJANGO_RATELIMIT_ENABLED", True)
RATELIMIT_SEARCH = os.environ.get("DJANGO_RATELIMIT_SEARCH", "60/m")
RATELIMIT_EXPORT = os.environ.get("DJANGO_RATELIMIT_EXPORT", "10/m")
RATELIMIT_BUILD = os.environ.get("DJANGO_RATELIMIT_BUILD", "120/m")
RATELIMIT_PAGES = os.environ.get("DJANGO_RATELIMIT_PAGES", "600/m")
RATELIMIT_LOGIN = os.environ.get("DJANGO_RATELIMIT_LOGIN", "20/m")
for _rule in ("SEARCH", "EXPORT", "BUILD", "PAGES", "LOGIN"):
    if not re.fullmatch(
        r"\s*\d+\s*/\s*[smhSMH][a-zA-Z]*\s*", globals()[f"RATELIMIT_{_rule}"]
    ):
        raise ImproperlyConfigured(
            f"DJANGO_RATELIMIT_{_rule} reads like 60/m (a count per s, m or h), "
            f"not {globals()[f'RATELIMIT_{_rule}']!r}."
        )

# The open-data API: read-only JSON for anyone, no login, no browsable HTML
# pages (the documentation lives at /api/).
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_PAGINATION_CLASS": "startups.api.pagination.PagePagination",
    # JSON only: ?format= switches nothing (and is ignored like any unknown
    # parameter).
    "URL_FORMAT_OVERRIDE": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "startups.api.views.exception_handler",
}
# The licence of the catalogue's data (beta.gouv.fr's content), shown in the
# footer, the API documentation, the files' metadata and the DCAT catalogue.
# beta.gouv.fr's repository ships LICENSE.CCBYNCSA.txt: CC BY-NC-SA 4.0 until
# its producer (the DINUM) confirms another; DJANGO_DATA_LICENCE picks one of
# DATA_LICENCES by its SPDX identifier (README, "Open data").
DATA_LICENCES = {
    "CC-BY-NC-SA-4.0": {
        "name": "Creative Commons BY-NC-SA 4.0",
        "url": "https://creativecommons.org/licenses/by-nc-sa/4.0/",
    },
    "etalab-2.0": {
        "name": "Licence Ouverte / Open Licence 2.0",
        "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    },
    "ODbL-1.0": {
        "name": "Open Database License 1.0",
        "url": "https://opendatacommons.org/licenses/odbl/1-0/",
    },
    "CC-BY-4.0": {
        "name": "Creative Commons BY 4.0",
        "url": "https://creativecommons.org/licenses/by/4.0/",
    },
}
_licence_id = os.environ.get("DJANGO_DATA_LICENCE", "").strip() or "CC-BY-NC-SA-4.0"
if _licence_id not in DATA_LICENCES:
    raise ImproperlyConfigured(
        f"DJANGO_DATA_LICENCE must be one of {', '.join(DATA_LICENCES)}, "
        f"not {_licence_id!r}."
    )
DATA_LICENCE = {"id": _licence_id, **DATA_LICENCES[_licence_id]}

SPECTACULAR_SETTINGS = {
    "TITLE": "API du catalogue des startups d'État",
    "DESCRIPTION": (
        "Données ouvertes du catalogue : startups d'État, incubateurs, "
        "organisations sponsors, phases, thématiques et publics. Lecture seule, "
        "sans authentification, en JSON."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": False,
    # The URLconf's order (start-ups first), not the alphabet's.
    "SORT_OPERATIONS": False,
    "LICENSE": {"name": DATA_LICENCE["name"], "url": DATA_LICENCE["url"]},
    # Answers every operation may give (414, 429…), documented once.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "startups.api.schema.document_common_errors",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
