"""Template context shared by every page of the public site."""

from django.conf import settings
from django.urls import translate_url
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language, get_language_info


def _translations(request) -> dict[str, str]:
    """This page's path (with its query string) in each language; empty for a path
    that does not resolve, such as a 404 page."""
    path = request.get_full_path()
    paths = {code: translate_url(path, code) for code, _name in settings.LANGUAGES}
    # translate_url hands back its argument when it cannot resolve it.
    if len(set(paths.values())) < len(paths):
        return {}
    return paths


def language_alternates(request):
    """`language_alternates`: (hreflang, absolute URL) pairs for the <link
    rel="alternate"> tags, x-default being the default language.
    `language_versions`: one entry per language for the language switcher, whose
    `path` is this page's address in that language (the page itself where it
    has none, such as a 404 page)."""
    translations = SimpleLazyObject(lambda: _translations(request))

    def alternates():
        urls = [(c, request.build_absolute_uri(p)) for c, p in translations.items()]
        if not urls:
            return []
        return [*urls, ("x-default", dict(urls)[settings.LANGUAGE_CODE])]

    def versions():
        current = get_language()
        return [
            {
                **get_language_info(code),
                "path": translations.get(code) or request.get_full_path(),
                "is_current": code == current,
            }
            for code, _name in settings.LANGUAGES
        ]

    # Lazy: pages that do not print them (the admin) pay nothing.
    return {
        "language_alternates": SimpleLazyObject(alternates),
        "language_versions": SimpleLazyObject(versions),
    }
