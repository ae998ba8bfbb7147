"""Text search over the catalogue: one normalisation for what is stored and what
is typed, and the database-specific query built on it."""

from __future__ import annotations

import functools
import re
import sys
import unicodedata

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.db import connection
from django.db.models import (
    BooleanField,
    F,
    FloatField,
    Func,
    QuerySet,
    TextField,
    Value,
)


@functools.cache
def _combining_marks() -> dict[int, None]:
    """Every combining mark (accents, cedillas…), for str.translate: several
    times faster than testing each character, which the seeding of 100,000 demo
    start-ups (50 million characters) noticed. Built on first use (70 ms)."""
    return dict.fromkeys(
        c for c in range(sys.maxunicode + 1) if unicodedata.combining(chr(c))
    )


def normalise_text(text: str) -> str:
    """Lower case, accents removed, whitespace collapsed: "Santé " -> "sante"."""
    if text.isascii():
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join(decomposed.translate(_combining_marks()).split())


def search_text_of(startup) -> str:
    """What a start-up is found by: its title on the first line (it weighs more
    when ranking, see SearchDocument), then mission, description, theme labels
    and sponsors' names and acronyms (themes and sponsors should be
    prefetched)."""
    parts = [startup.mission, startup.description]
    parts += [theme.label for theme in startup.themes.all()]
    for sponsor in startup.sponsors.all():
        parts += [sponsor.name, sponsor.acronym]
    rest = normalise_text(" ".join(p for p in parts if p))
    return f"{normalise_text(startup.title)}\n{rest}"


def query_words(text: str) -> list[str]:
    """The words of what the visitor typed, normalised like search_text."""
    return re.findall(r"[^\W_]+", normalise_text(text))


def _singular(word: str) -> str:
    """A final s or x dropped from words of four letters or more, so that
    "emplois" finds "emploi" and "emplois" (as a prefix or a substring)."""
    return word[:-1] if len(word) > 3 and word[-1] in "sx" else word


def _tsquery(words: list[str]) -> str:
    """to_tsquery() syntax: every word required, as a prefix of a stemmed word.
    The French stemmer keeps the "s" of "emplois" (it only drops an "s" after
    certain letters), so the word is made singular first: "emplois" becomes
    emploi:* and finds "emploi" and "emplois". Words are letters and digits only,
    so what the visitor types cannot break the syntax."""
    terms = []
    for word in map(_singular, words):
        terms.append(f"{word}:*" if len(word) >= 3 else word)
    return " & ".join(terms)


class SearchDocument(Func):
    """What a start-up's stored search vector is made of, on PostgreSQL: the
    title (first line of search_text) with weight A, the rest with weight D, in
    French. Stored (models.Startup.search_vector, a generated column) and
    indexed with GIN, so that neither matching nor ranking computes a vector
    per row. Other databases store NULL and search search_text with LIKE."""

    def __init__(self):
        title, rest = (
            Func(
                F("search_text"),
                Value("\n"),
                Value(line),
                function="split_part",
                output_field=TextField(),
            )
            for line in (1, 2)
        )
        super().__init__(
            SearchVector(title, config="french", weight="A")
            + SearchVector(rest, config="french", weight="D"),
            output_field=SearchVectorField(),
        )

    def as_sql(self, compiler, connection, **extra_context):
        return "NULL", []

    def as_postgresql(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[0])


class _Title(Func):
    """The normalised title: the first line of search_text."""

    function = "split_part"
    output_field = TextField()

    def __init__(self):
        super().__init__(F("search_text"), Value("\n"), Value(1))


class _ResemblesAWordOf(Func):
    """PostgreSQL's pg_trgm `%>`: the text (second) is close, by its trigrams,
    to some run of words of the first (word_similarity above 0.6), so that
    "justise" finds "mon suivi justice"."""

    arg_joiner = " %%> "
    template = "(%(expressions)s)"
    output_field = BooleanField()


# Shorter searches are not looked for by resemblance.
RESEMBLANCE_MIN_LENGTH = 4

# PostgreSQL's GIN indexes for search (created by migrations 0006 and 0009; a
# large load drops them and builds them again at the end, see demo._bulk_load):
# the stored vector, and the trigrams of the normalised title. The title's
# expression must be the one _Title compiles to, for the planner to use it.
SEARCH_INDEXES = {
    "startup_search_vector_idx": (
        "CREATE INDEX IF NOT EXISTS startup_search_vector_idx "
        "ON startups_startup USING gin (search_vector)"
    ),
    "startup_title_trigram_idx": (
        "CREATE INDEX IF NOT EXISTS startup_title_trigram_idx ON startups_startup "
        "USING gin ((split_part(search_text, E'\\n', 1)) gin_trgm_ops)"
    ),
}


def _unaccent(expression):
    return Func(expression, function="UNACCENT")


def can_resemble(text: str) -> bool:
    """Whether titles resembling `text` can be looked for: on PostgreSQL, for
    four letters or more (too many titles resemble "cap" or "rdv")."""
    phrase = " ".join(query_words(text))
    return connection.vendor == "postgresql" and len(phrase) >= RESEMBLANCE_MIN_LENGTH


def search(queryset: QuerySet, text: str, *, resembling: bool = False) -> QuerySet:
    """Start-ups matching every word of `text`. On PostgreSQL, French full-text
    search on the stored vector (stemmed, word starts: "emplois" finds "emploi")
    with a `search_rank` alias for ordering by relevance; elsewhere, each word
    (made singular) must appear somewhere in search_text.

    With `resembling` (for when the words find nothing, see can_resemble), the
    start-ups whose title resembles `text` instead, closest first: "justise"
    finds "Mon suivi justice". A fallback rather than an addition to every
    search: OR-ing the two conditions doubled the planner's estimate of the
    selection and the cost of the facet counts over it."""
    words = query_words(text)
    if not words:
        return queryset
    if resembling:
        phrase = Value(" ".join(words))
        return queryset.alias(
            search_rank=Func(
                phrase, _Title(), function="word_similarity", output_field=FloatField()
            )
        ).filter(_ResemblesAWordOf(_Title(), phrase))
    if connection.vendor != "postgresql":
        for word in map(_singular, words):
            queryset = queryset.filter(search_text__contains=word)
        return queryset

    # search_text is already unaccented; unaccent() the query in the database too
    # so that the stemmer sees the same spelling on both sides.
    query = SearchQuery(
        _unaccent(Value(_tsquery(words))), config="french", search_type="raw"
    )
    return queryset.alias(search_rank=SearchRank(F("search_vector"), query)).filter(
        search_vector=query
    )
