"""Mozilla HTTP Observatory's scoring rules, applied to test-client responses.

Written from the published rules: MDN's "HTTP Observatory: tests and scoring"
page and the scanner it describes (mdn/mdn-http-observatory: the SCORE_TABLE of
src/grader/charts.js, the tests of src/analyzer/tests/, the two-round scoring of
src/scanner/index.js). Each check returns the scanner's result name, whose
modifier comes from MODIFIERS, and whether the scanner counts it as passed.
What the checks leave out, and why, is in tests/test_observatory.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import Morsel
from urllib.parse import urlsplit

MODIFIERS = {
    # Content Security Policy
    "csp-implemented-with-no-unsafe-default-src-none": 10,
    "csp-implemented-with-no-unsafe": 5,
    "csp-implemented-with-unsafe-inline-in-style-src-only": 0,
    "csp-implemented-with-insecure-scheme-in-passive-content-only": -10,
    "csp-implemented-with-unsafe-eval": -10,
    "csp-implemented-with-unsafe-inline": -20,
    "csp-implemented-with-insecure-scheme": -20,
    "csp-header-invalid": -25,
    "csp-not-implemented": -25,
    # Cookies
    "cookies-secure-with-httponly-sessions-and-samesite": 5,
    "cookies-secure-with-httponly-sessions": 0,
    "cookies-not-found": 0,
    "cookies-without-secure-flag-but-protected-by-hsts": -5,
    "cookies-session-without-secure-flag-but-protected-by-hsts": -10,
    "cookies-without-secure-flag": -20,
    "cookies-samesite-flag-invalid": -20,
    "cookies-anticsrf-without-samesite-flag": -20,
    "cookies-session-without-httponly-flag": -30,
    "cookies-session-without-secure-flag": -40,
    # Cross-origin resource sharing
    "cross-origin-resource-sharing-not-implemented": 0,
    "cross-origin-resource-sharing-implemented-with-public-access": 0,
    "cross-origin-resource-sharing-implemented-with-restricted-access": 0,
    "cross-origin-resource-sharing-implemented-with-universal-access": -50,
    # Redirection from http
    "redirection-to-https": 0,
    "redirection-off-host-from-http": -5,
    "redirection-not-to-https-on-initial-redirection": -10,
    "redirection-not-to-https": -20,
    "redirection-missing": -20,
    # Referrer-Policy
    "referrer-policy-private": 5,
    "referrer-policy-not-implemented": 0,
    "referrer-policy-unsafe": -5,
    "referrer-policy-header-invalid": -5,
    # Strict-Transport-Security
    "hsts-implemented-max-age-at-least-six-months": 0,
    "hsts-implemented-max-age-less-than-six-months": -10,
    "hsts-not-implemented": -20,
    "hsts-header-invalid": -20,
    # Subresource integrity
    "sri-implemented-and-all-scripts-loaded-securely": 5,
    "sri-implemented-and-external-scripts-loaded-securely": 5,
    "sri-not-implemented-response-not-html": 0,
    "sri-not-implemented-but-no-scripts-loaded": 0,
    "sri-not-implemented-but-all-scripts-loaded-from-secure-origin": 0,
    "sri-not-implemented-but-external-scripts-loaded-securely": -5,
    "sri-implemented-but-external-scripts-not-loaded-securely": -20,
    "sri-not-implemented-and-external-scripts-not-loaded-securely": -50,
    # X-Content-Type-Options
    "x-content-type-options-nosniff": 0,
    "x-content-type-options-not-implemented": -5,
    "x-content-type-options-header-invalid": -5,
    # X-Frame-Options
    "x-frame-options-implemented-via-csp": 5,
    "x-frame-options-sameorigin-or-deny": 0,
    "x-frame-options-allow-from-origin": 0,
    "x-frame-options-not-implemented": -20,
    "x-frame-options-header-invalid": -20,
    # Cross-Origin-Resource-Policy
    "cross-origin-resource-policy-implemented-with-same-origin": 10,
    "cross-origin-resource-policy-implemented-with-same-site": 10,
    "cross-origin-resource-policy-implemented-with-cross-origin": 0,
    "cross-origin-resource-policy-not-implemented": 0,
    "cross-origin-resource-policy-header-invalid": -5,
}

# Bonuses count only if the penalties leave at least this (an A).
MINIMUM_SCORE_FOR_EXTRA_CREDIT = 90
GRADES = [
    (100, "A+"),
    (90, "A"),
    (85, "A-"),
    (80, "B+"),
    (70, "B"),
    (65, "B-"),
    (60, "C+"),
    (50, "C"),
    (45, "C-"),
    (40, "D+"),
    (30, "D"),
    (25, "D-"),
    (0, "F"),
]
# The origin the scanner sends with its CORS preflight.
SCANNER_ORIGIN = "https://http-observatory.security.mozilla.org"
HTML_TYPES = {"text/html", "application/xhtml+xml"}
# Headers the scanner also reads from <meta http-equiv>.
META_EQUIVALENTS = {
    "content-security-policy",
    "referrer-policy",
    "cross-origin-resource-policy",
}


@dataclass
class Retrieval:
    """What the scanner fetches: the page over https ("auto"), the route of a
    plain-http request through its redirections, a CORS preflight, and every
    cookie set along the way (robots.txt's included)."""

    url: str
    response: object  # an HttpResponse
    route: list[str]
    cors: object | None = None
    cookies: list[Morsel] = field(default_factory=list)


@dataclass
class Result:
    test: str
    result: str
    passed: bool

    @property
    def modifier(self) -> int:
        return MODIFIERS[self.result]


@dataclass
class Report:
    results: list[Result]

    @property
    def score(self) -> int:
        modifiers = [r.modifier for r in self.results]
        uncurved = 100 + sum(m for m in modifiers if m < 0)
        if uncurved >= MINIMUM_SCORE_FOR_EXTRA_CREDIT:
            return max(0, 100 + sum(modifiers))
        return max(0, uncurved)

    @property
    def grade(self) -> str:
        return next(letter for floor, letter in GRADES if self.score >= floor)

    @property
    def failed(self) -> list[str]:
        return [r.result for r in self.results if not r.passed]

    def __str__(self) -> str:
        lines = [f"score {self.score} ({self.grade})"]
        lines += [
            f"  [{r.modifier:+d}] {r.result}{'' if r.passed else '  FAILED'}"
            for r in self.results
        ]
        return "\n".join(lines)


def score(retrieval: Retrieval) -> Report:
    page = _parse_html(retrieval.response)
    overridden = META_EQUIVALENTS & page.http_equiv
    if overridden:
        raise NotImplementedError(
            f"<meta http-equiv> for {sorted(overridden)}: the scanner merges them "
            "with the headers, which this scorer does not do"
        )
    csp_result, policy = content_security_policy(retrieval)
    return Report(
        [
            csp_result,
            cookies(retrieval),
            cross_origin_resource_sharing(retrieval),
            redirection(retrieval),
            referrer_policy(retrieval),
            strict_transport_security(retrieval),
            subresource_integrity(retrieval, page),
            x_content_type_options(retrieval),
            x_frame_options(retrieval, policy),
            cross_origin_resource_policy(retrieval),
        ]
    )


def _header(response, name: str) -> str | None:
    return response.headers.get(name) if response is not None else None


def _is_https(url: str) -> bool:
    return urlsplit(url).scheme == "https"


# Content Security Policy

_BROAD = {
    "ftp:",
    "http:",
    "https:",
    "*",
    "http://*",
    "http://*.*",
    "https://*",
    "https://*.*",
}
_UNSAFE_INLINE = {"'unsafe-inline'", "data:"}
_NONCES_HASHES = ("'sha256-", "'sha384-", "'sha512-", "'nonce-")
_PASSIVE = ("img-src", "media-src")


def parse_csp(header: str) -> dict[str, set[str]]:
    if "," in header:
        raise NotImplementedError("several policies in one header")
    policy: dict[str, set[str]] = {}
    for part in header.split(";"):
        if part.strip():
            name, *sources = part.split()
            # A repeated directive: browsers keep the first one.
            policy.setdefault(name.lower(), {s.lower() for s in sources})
    return policy


def content_security_policy(r: Retrieval) -> tuple[Result, dict[str, set[str]]]:
    def result(name: str, passed: bool = False) -> Result:
        return Result("content-security-policy", name, passed)

    header = _header(r.response, "Content-Security-Policy")
    if header is None:
        return result("csp-not-implemented"), {}
    policy = parse_csp(header)
    if not policy:
        return result("csp-header-invalid"), {}
    default_src = policy.get("default-src")
    object_src = set(policy.get("object-src") or default_src or {"*"})
    script_src = set(policy.get("script-src") or default_src or {"*"})
    style_src = set(policy.get("style-src") or default_src or {"*"})
    for sources in (script_src, style_src):
        # With a nonce or a hash, browsers ignore 'unsafe-inline'.
        if any(s.startswith(_NONCES_HASHES) for s in sources):
            sources.discard("'unsafe-inline'")
    if "'strict-dynamic'" in script_src:
        if not any(s.startswith(_NONCES_HASHES) for s in script_src):
            return result("csp-header-invalid"), policy
        script_src = {
            s
            for s in script_src
            if s not in ("'self'", "'unsafe-inline'")
            and not any(s.startswith(b) for b in _BROAD)
        }
    active = [
        s
        for name, sources in policy.items()
        if name not in _PASSIVE and name != "script-src"
        for s in sources
    ] + list(script_src)
    passive = [s for name in _PASSIVE for s in policy.get(name) or default_src or ()]
    https = _is_https(r.url)

    # The scanner reports the first of these that applies.
    if script_src & (_BROAD | _UNSAFE_INLINE) or object_src & _BROAD:
        name = "csp-implemented-with-unsafe-inline"
    elif https and any(s.startswith(("http:", "ftp:")) for s in active):
        name = "csp-implemented-with-insecure-scheme"
    elif "'unsafe-eval'" in script_src | style_src:
        name = "csp-implemented-with-unsafe-eval"
    elif https and any(s.startswith(("http:", "ftp:")) for s in passive):
        name = "csp-implemented-with-insecure-scheme-in-passive-content-only"
    elif style_src & (_BROAD | _UNSAFE_INLINE):
        name = "csp-implemented-with-unsafe-inline-in-style-src-only"
    elif default_src == {"'none'"}:
        name = "csp-implemented-with-no-unsafe-default-src-none"
    else:
        name = "csp-implemented-with-no-unsafe"
    passed = name in {
        "csp-implemented-with-no-unsafe",
        "csp-implemented-with-no-unsafe-default-src-none",
        "csp-implemented-with-unsafe-inline-in-style-src-only",
        "csp-implemented-with-insecure-scheme-in-passive-content-only",
    }
    return result(name, passed), policy


# Cookies

# From least to most serious: a cookie's worst problem is the result.
_COOKIE_PROBLEMS = [
    "cookies-without-secure-flag-but-protected-by-hsts",
    "cookies-without-secure-flag",
    "cookies-session-without-secure-flag-but-protected-by-hsts",
    "cookies-samesite-flag-invalid",
    "cookies-anticsrf-without-samesite-flag",
    "cookies-session-without-httponly-flag",
    "cookies-session-without-secure-flag",
]


def cookies(r: Retrieval) -> Result:
    if not r.cookies:
        return Result("cookies", "cookies-not-found", True)
    hsts = strict_transport_security(r).passed
    problems = []
    for cookie in r.cookies:
        key = cookie.key.lower()
        session = "login" in key or "sess" in key
        secure, httponly = bool(cookie["secure"]), bool(cookie["httponly"])
        samesite = str(cookie["samesite"]).lower()
        if samesite not in ("", "lax", "strict", "none"):
            problems.append("cookies-samesite-flag-invalid")
        if samesite == "none" and not secure:
            problems.append("cookies-samesite-flag-invalid")
        if not secure:
            problems.append(
                "cookies-without-secure-flag-but-protected-by-hsts"
                if hsts
                else "cookies-without-secure-flag"
            )
        if "csrf" in key and not samesite:
            problems.append("cookies-anticsrf-without-samesite-flag")
        if session and not secure:
            problems.append(
                "cookies-session-without-secure-flag-but-protected-by-hsts"
                if hsts
                else "cookies-session-without-secure-flag"
            )
        if session and not httponly:
            problems.append("cookies-session-without-httponly-flag")
    if problems:
        return Result("cookies", max(problems, key=_COOKIE_PROBLEMS.index), False)
    if all(cookie["samesite"] for cookie in r.cookies):
        return Result(
            "cookies", "cookies-secure-with-httponly-sessions-and-samesite", True
        )
    return Result("cookies", "cookies-secure-with-httponly-sessions", True)


# Cross-origin resource sharing and resource policy


def cross_origin_resource_sharing(r: Retrieval) -> Result:
    def result(name: str) -> Result:
        return Result(
            "cross-origin-resource-sharing", name, not name.endswith("universal-access")
        )

    allowed = (_header(r.cors, "Access-Control-Allow-Origin") or "").strip().lower()
    if not allowed:
        return result("cross-origin-resource-sharing-not-implemented")
    if allowed == "*":
        return result("cross-origin-resource-sharing-implemented-with-public-access")
    credentials = (_header(r.cors, "Access-Control-Allow-Credentials") or "").strip()
    if allowed == SCANNER_ORIGIN and credentials.lower() == "true":
        return result("cross-origin-resource-sharing-implemented-with-universal-access")
    return result("cross-origin-resource-sharing-implemented-with-restricted-access")


def cross_origin_resource_policy(r: Retrieval) -> Result:
    value = (_header(r.response, "Cross-Origin-Resource-Policy") or "").strip().lower()
    name = {
        "": "cross-origin-resource-policy-not-implemented",
        "same-origin": "cross-origin-resource-policy-implemented-with-same-origin",
        "same-site": "cross-origin-resource-policy-implemented-with-same-site",
        "cross-origin": "cross-origin-resource-policy-implemented-with-cross-origin",
    }.get(value, "cross-origin-resource-policy-header-invalid")
    return Result("cross-origin-resource-policy", name, not name.endswith("invalid"))


# Transport: redirection from http, HSTS


def redirection(r: Retrieval) -> Result:
    route = [urlsplit(url) for url in r.route]
    if len(route) == 1:
        name = "redirection-missing"
    elif route[-1].scheme != "https":
        name = "redirection-not-to-https"
    elif route[1].scheme == "http":
        name = "redirection-not-to-https-on-initial-redirection"
    elif route[0].hostname != route[1].hostname:
        name = "redirection-off-host-from-http"
    else:
        name = "redirection-to-https"
    return Result("redirection", name, name == "redirection-to-https")


_PRIVATE_REFERRERS = (
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
)
_UNSAFE_REFERRERS = (
    "origin",
    "origin-when-cross-origin",
    "unsafe-url",
    "no-referrer-when-downgrade",
)


def referrer_policy(r: Retrieval) -> Result:
    header = _header(r.response, "Referrer-Policy")
    if header is None:
        return Result("referrer-policy", "referrer-policy-not-implemented", True)
    # Browsers apply the last value they know.
    known = [
        value
        for value in (v.strip().lower() for v in header.split(","))
        if value in _PRIVATE_REFERRERS + _UNSAFE_REFERRERS
    ]
    if known and known[-1] in _PRIVATE_REFERRERS:
        return Result("referrer-policy", "referrer-policy-private", True)
    if known:
        return Result("referrer-policy", "referrer-policy-unsafe", False)
    return Result("referrer-policy", "referrer-policy-header-invalid", False)


# 15768000 s is six months; the scanner accepts the common 15552000 (180 days).
SIX_MONTHS = 15_552_000


def strict_transport_security(r: Retrieval) -> Result:
    def result(name: str) -> Result:
        return Result(
            "strict-transport-security",
            name,
            name == "hsts-implemented-max-age-at-least-six-months",
        )

    header = _header(r.response, "Strict-Transport-Security")
    if not header:
        return result("hsts-not-implemented")
    if "," in header:
        return result("hsts-header-invalid")
    max_age = None
    for directive in header.split(";"):
        directive = directive.strip().lower()
        if directive.startswith("max-age="):
            try:
                max_age = int(directive.removeprefix("max-age=").strip('"'))
            except ValueError:
                return result("hsts-header-invalid")
    if max_age is None:
        return result("hsts-header-invalid")
    if max_age < SIX_MONTHS:
        return result("hsts-implemented-max-age-less-than-six-months")
    return result("hsts-implemented-max-age-at-least-six-months")


# The page itself: subresource integrity


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.http_equiv: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self.scripts.append(attributes)
        elif tag == "meta" and attributes.get("http-equiv"):
            self.http_equiv.add(attributes["http-equiv"].lower())


def _mime(response) -> str:
    return (_header(response, "Content-Type") or "").split(";")[0].strip().lower()


def _parse_html(response) -> _Page:
    page = _Page()
    if _mime(response) in HTML_TYPES or not _mime(response):
        page.feed(response.content.decode(errors="replace"))
    return page


_SRI_PROBLEMS = [
    "sri-implemented-and-all-scripts-loaded-securely",
    "sri-implemented-and-external-scripts-loaded-securely",
    "sri-implemented-but-external-scripts-not-loaded-securely",
    "sri-not-implemented-but-external-scripts-loaded-securely",
    "sri-not-implemented-and-external-scripts-not-loaded-securely",
    "sri-not-implemented-response-not-html",
]


def subresource_integrity(r: Retrieval, page: _Page) -> Result:
    passing = {
        "sri-implemented-and-all-scripts-loaded-securely",
        "sri-implemented-and-external-scripts-loaded-securely",
        "sri-not-implemented-response-not-html",
        "sri-not-implemented-but-all-scripts-loaded-from-secure-origin",
        "sri-not-implemented-but-no-scripts-loaded",
    }

    def result(name: str) -> Result:
        return Result("subresource-integrity", name, name in passing)

    if _mime(r.response) and _mime(r.response) not in HTML_TYPES:
        return result("sri-not-implemented-response-not-html")
    if not page.scripts:
        return result("sri-not-implemented-but-no-scripts-loaded")
    host = urlsplit(r.url).hostname
    found: str | None = None
    foreign = False

    def worse(name: str) -> str:
        if found is None:
            return name
        return max(found, name, key=_SRI_PROBLEMS.index)

    for script in page.scripts:
        src, integrity = script.get("src"), script.get("integrity")
        if not src:
            continue
        protocol_relative = src.startswith("//")
        absolute = src.startswith(("http://", "https://"))
        # The scanner compares registrable domains; the same host is stricter.
        same_site = not protocol_relative and (
            not absolute or urlsplit(src).hostname == host
        )
        secure = (src.startswith("https://")) or (
            not absolute and not protocol_relative and _is_https(r.url)
        )
        if not same_site:
            foreign = True
            if integrity and not secure:
                found = worse(
                    "sri-implemented-but-external-scripts-not-loaded-securely"
                )
            elif not integrity and secure:
                found = worse(
                    "sri-not-implemented-but-external-scripts-loaded-securely"
                )
            elif not integrity:
                found = worse(
                    "sri-not-implemented-and-external-scripts-not-loaded-securely"
                )
        elif integrity and secure and found is None:
            found = "sri-implemented-and-all-scripts-loaded-securely"
    if found is None:
        found = (
            "sri-implemented-and-external-scripts-loaded-securely"
            if foreign
            else "sri-not-implemented-but-all-scripts-loaded-from-secure-origin"
        )
    return result(found)


# Framing and sniffing


def x_content_type_options(r: Retrieval) -> Result:
    value = _header(r.response, "X-Content-Type-Options")
    if value is None:
        name = "x-content-type-options-not-implemented"
    elif value.strip().lower() == "nosniff":
        name = "x-content-type-options-nosniff"
    else:
        name = "x-content-type-options-header-invalid"
    return Result("x-content-type-options", name, name.endswith("nosniff"))


def x_frame_options(r: Retrieval, policy: dict[str, set[str]]) -> Result:
    value = (_header(r.response, "X-Frame-Options") or "").strip().lower()
    if "frame-ancestors" in policy:
        name = "x-frame-options-implemented-via-csp"
    elif value in ("deny", "sameorigin"):
        name = "x-frame-options-sameorigin-or-deny"
    elif value.startswith("allow-from"):
        name = "x-frame-options-allow-from-origin"
    elif value:
        name = "x-frame-options-header-invalid"
    else:
        name = "x-frame-options-not-implemented"
    passed = not name.endswith(("not-implemented", "header-invalid"))
    return Result("x-frame-options", name, passed)
