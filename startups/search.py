"""Text search over the catalogue: one normalisation for what is stored and what
is typed, and the database-specific query built on it."""

from __future__ import annotations

import re
import unicodedata

from django.db import connection
from django.db.models import F, Func, QuerySet, Value


def normalise_text(text: str) -> str:
    """Lower case, accents removed, whitespace collapsed: "Santé " -> "sante"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.split())


def search_text_of(startup) -> str:
    """What a start-up is found by: title, mission, description, theme labels and
    sponsors' names and acronyms (themes and sponsors should be prefetched)."""
    parts = [startup.title, startup.mission, startup.description]
    parts += [theme.label for theme in startup.themes.all()]
    for sponsor in startup.sponsors.all():
        parts += [sponsor.name, sponsor.acronym]
    return normalise_text(" ".join(p for p in parts if p))


def query_words(text: str) -> list[str]:
    """The words of what the visitor typed, normalised like search_text."""
    return re.findall(r"[^\W_]+", normalise_text(text))


def _unaccent(expression):
    return Func(expression, function="UNACCENT")


def _tsquery(words: list[str]) -> str:
    """to_tsquery() syntax: every word required, as a prefix of a stemmed word.
    The French stemmer keeps the "s" of "emplois" (it only drops an "s" after
    certain letters), so a final s or x is dropped first: "emplois" becomes
    emploi:* and finds "emploi" and "emplois". Words are letters and digits only,
    so what the visitor types cannot break the syntax."""
    terms = []
    for word in words:
        if len(word) > 3 and word[-1] in "sx":
            word = word[:-1]
        terms.append(f"{word}:*" if len(word) >= 3 else word)
    return " & ".join(terms)


def search(queryset: QuerySet, text: str) -> QuerySet:
    """Start-ups matching every word of `text`. On PostgreSQL, French full-text
    search (stemmed, word starts: "emplois" finds "emploi") with a `search_rank`
    alias for ordering by relevance; elsewhere, each word must appear somewhere
    in search_text."""
    words = query_words(text)
    if not words:
        return queryset
    if connection.vendor != "postgresql":
        for word in words:
            queryset = queryset.filter(search_text__contains=word)
        return queryset

    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    # search_text is already unaccented; unaccent() the query in the database too
    # so that the stemmer sees the same spelling on both sides.
    query = SearchQuery(
        _unaccent(Value(_tsquery(words))), config="french", search_type="raw"
    )
    document = SearchVector("search_text", config="french")
    # The title weighs more than the rest when ranking.
    ranked = SearchVector(
        _unaccent(F("title")), config="french", weight="A"
    ) + SearchVector("search_text", config="french", weight="D")
    return queryset.alias(
        search_document=document, search_rank=SearchRank(ranked, query)
    ).filter(search_document=query)
