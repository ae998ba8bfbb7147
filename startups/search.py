"""Text search over the catalogue, the same on SQLite and PostgreSQL.

Python writes what is searched (search_fields_of) and what is asked
(Terms.match): the words without accents or capitals, their French stems
(Snowball, PyStemmer), the titles' words glued together ("dossierfacile") and
split at capitals ("DossierFacile" -> "dossier facile"). Each database only
matches these tokens with its full-text index: on PostgreSQL the stored vector
(models.Startup.search_vector, 'simple' configuration, GIN index), on SQLite an
FTS5 table kept in step by triggers (SQLITE_FTS). The ranking (Terms.rank)
is portable SQL over the same index, so both databases give the same order.
"""

from __future__ import annotations

import bisect
import functools
import re
import sys
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import Stemmer
from django.contrib.postgres.search import (
    SearchQuery,
    SearchVector,
    SearchVectorField,
)
from django.db import connection
from django.db.models import (
    Case,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.db.models.lookups import In


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


_WORD = re.compile(r"[^\W_]+")
# A capital after a lower-case letter starts a word: "DossierFacile", "uMap".
_CAMEL = re.compile(r"(?<=[a-zß-öø-ÿ])(?=[A-ZÀ-ÖØ-Þ])")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "Œ": "oe", "Æ": "ae"})


def words_of(text: str) -> list[str]:
    """The words of a text, normalised: "RDV-Solidarités" -> ["rdv", "solidarites"]."""
    return _WORD.findall(normalise_text(text))


def query_words(text: str) -> list[str]:
    """The words of what the visitor typed, normalised like the stored text."""
    return words_of(text)


def glued(text: str) -> str:
    """A name's words glued together, so that "Dossier facile",
    "DossierFacile" and "dossier-facile" are one: "dossierfacile"."""
    return "".join(words_of(text))


def _name_words(text: str) -> list[str]:
    """A name's words, and those its capitals mark: "DossierFacile" gives
    "dossierfacile", "dossier" and "facile"."""
    words = words_of(text)
    split = _CAMEL.sub(" ", text)
    if split == text:
        return words
    known = set(words)
    return words + [w for w in words_of(split) if w not in known]


def sort_key(title: str) -> str:
    """Where a title goes in alphabetical order, as a French reader expects it:
    case, accents, ligatures and punctuation do not count, digits do, words stay
    apart ("1 élève" < "1 Jeune" < "data.gouv.fr" < "Éoliennes"). Compared
    byte by byte (SQLite's BINARY, the "C" collation on PostgreSQL: see the
    migration), so that both databases agree."""
    key = " ".join(words_of(title.translate(_LIGATURES))) or normalise_text(title)
    return key[:SORT_KEY_LENGTH]


SORT_KEY_LENGTH = 200  # models.Startup.sort_title


_stemmers = threading.local()  # a PyStemmer Stemmer is not thread-safe


def stems(words: Iterable[str]) -> list[str]:
    """The French Snowball stems of the words (four letters or more)."""
    stemmer = getattr(_stemmers, "french", None)
    if stemmer is None:
        stemmer = _stemmers.french = Stemmer.Stemmer("french")
    return stemmer.stemWords([w for w in words if len(w) > 3])


def _indexed(words: list[str]) -> str:
    """Words and their stems, once each, spaced on both sides."""
    tokens = dict.fromkeys(words)
    tokens.update(dict.fromkeys(stems(tokens)))
    return f" {' '.join(tokens)} "


def search_fields(
    *,
    title: str,
    slug: str,
    former_slugs: Iterable[str] = (),
    mission: str = "",
    description: str = "",
    themes: Iterable[str] = (),
    sponsors: Iterable[str] = (),
    technologies: Iterable[str] = (),
) -> dict[str, str]:
    """The stored columns a start-up is found and sorted by:
    - search_title: "<glued title>|<glued former identifiers>| <title words,
      the former identifiers' words, their stems> " (the glued forms first, for
      the exact-name tiers of Terms.rank, which read it with LIKE);
    - search_text: the identifier's words, mission, themes, sponsors,
      technologies, with their stems;
    - search_body: the description's words with their stems;
    - sort_title: see sort_key."""
    formers = list(former_slugs)
    names = [glued(title), *(glued(f) for f in formers)]
    title_words = _name_words(title) + names
    for former in formers:
        title_words += _name_words(former)
    head = _name_words(slug) + words_of(mission)
    for text in (*themes, *sponsors, *technologies):
        head += _name_words(text)
    return {
        "search_title": "|".join(names) + "|" + _indexed(title_words),
        "search_text": _indexed(head),
        "search_body": _indexed(words_of(description)),
        "sort_title": sort_key(title),
    }


def search_fields_of(startup) -> dict[str, str]:
    """search_fields of a start-up (themes, sponsors and former_slugs
    prefetched)."""
    sponsors = []
    for sponsor in startup.sponsors.all():
        sponsors += [sponsor.name, sponsor.acronym]
    return search_fields(
        title=startup.title,
        slug=startup.slug,
        former_slugs=[f.slug for f in startup.former_slugs.all()],
        mission=startup.mission,
        description=startup.description,
        themes=[theme.label for theme in startup.themes.all()],
        sponsors=[s for s in sponsors if s],
        technologies=[str(t) for t in startup.technologies or ()],
    )


SEARCH_COLUMNS = ("search_title", "search_text", "search_body")
# The weights of the columns in PostgreSQL's vector, and the FTS5 columns.
_WEIGHTS = dict(zip(SEARCH_COLUMNS, "ABC", strict=True))


class SearchDocument(Func):
    """The stored vector of migrations 0006 to 0009 (the first line of
    search_text in French with weight A, the rest with weight D), kept for the
    migration history: SearchWords replaced it."""

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


class SearchWords(Func):
    """The stored vector, on PostgreSQL: the three columns' tokens (already
    normalised and stemmed by Python) with the weights A, B, C, in the 'simple'
    configuration, which adds nothing of its own. Stored (a generated column)
    and indexed with GIN. Other databases store NULL and search an FTS5 table."""

    def __init__(self):
        vector = None
        for column, weight in _WEIGHTS.items():
            part = SearchVector(F(column), config="simple", weight=weight)
            vector = part if vector is None else vector + part
        super().__init__(vector, output_field=SearchVectorField())

    def as_sql(self, compiler, connection, **extra_context):
        return "NULL", []

    def as_postgresql(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[0])


# PostgreSQL's GIN index of the stored vector (created by the migrations; a
# large load drops it and builds it again at the end, see startups.demo.bulk.bulk_load).
SEARCH_INDEXES = {
    "startup_search_vector_idx": (
        "CREATE INDEX IF NOT EXISTS startup_search_vector_idx "
        "ON startups_startup USING gin (search_vector)"
    ),
}

# SQLite: an FTS5 index of the three columns (external content: the rows stay
# in startups_startup), kept in step by triggers whoever writes (services,
# reversion's restore, the demo's bulk writer). Django rebuilds a table to alter
# it on SQLite, which drops its triggers: ensure_sqlite_index() runs after every
# migrate and puts them back.
FTS_TABLE = "startups_startup_fts"
_COLUMNS = ", ".join(SEARCH_COLUMNS)
_NEW = ", ".join(f"new.{c}" for c in SEARCH_COLUMNS)
_OLD = ", ".join(f"old.{c}" for c in SEARCH_COLUMNS)
SQLITE_FTS = {
    "table": (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5({_COLUMNS}, "
        "content='startups_startup', content_rowid='id')"
    ),
    f"{FTS_TABLE}_insert": (
        f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_insert AFTER INSERT ON "
        f"startups_startup BEGIN INSERT INTO {FTS_TABLE}(rowid, {_COLUMNS}) "
        f"VALUES (new.id, {_NEW}); END"
    ),
    f"{FTS_TABLE}_delete": (
        f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_delete AFTER DELETE ON "
        f"startups_startup BEGIN INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, "
        f"{_COLUMNS}) VALUES ('delete', old.id, {_OLD}); END"
    ),
    f"{FTS_TABLE}_update": (
        f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_update AFTER UPDATE OF "
        f"{_COLUMNS} ON startups_startup BEGIN "
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_COLUMNS}) "
        f"VALUES ('delete', old.id, {_OLD}); "
        f"INSERT INTO {FTS_TABLE}(rowid, {_COLUMNS}) VALUES (new.id, {_NEW}); END"
    ),
}


def ensure_sqlite_index(using) -> None:
    """Create the FTS5 table and its triggers where missing, and fill the table
    again from the rows if any was missing (writes made meanwhile were not
    indexed). Nothing to do on other databases."""
    if using.vendor != "sqlite" or "startups_startup" not in set(
        using.introspection.table_names()
    ):
        return
    with using.cursor() as cursor:
        wanted = {FTS_TABLE if n == "table" else n for n in SQLITE_FTS}
        cursor.execute("SELECT name FROM sqlite_master")
        present = {name for (name,) in cursor.fetchall()} & wanted
        if present == wanted:
            return
        for create in SQLITE_FTS.values():
            cursor.execute(create)
        cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


def drop_sqlite_index(using) -> None:
    if using.vendor != "sqlite":
        return
    with using.cursor() as cursor:
        for name in SQLITE_FTS:
            if name != "table":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def _singular(word: str) -> str:
    """A final s or x dropped from words of four letters or more, so that
    "emplois" finds "emploi" and "emplois" (the French stemmer keeps that s)."""
    return word[:-1] if len(word) > 3 and word[-1] in "sx" else word


# Shorter words are matched whole, not as the start of longer ones.
PREFIX_MIN_LENGTH = 3


@dataclass(frozen=True)
class Terms:
    """What the visitor typed, ready to match: each word with the spellings it
    stands for (itself, and the corrections of a typing mistake)."""

    words: tuple[str, ...]
    spellings: tuple[tuple[str, ...], ...]

    @classmethod
    def of(cls, text: str) -> Terms:
        words = tuple(query_words(text))
        return cls(words, tuple((w,) for w in words))

    def __bool__(self) -> bool:
        return bool(self.words)

    @property
    def glued(self) -> str:
        return "".join(self.words)

    @property
    def corrected(self) -> bool:
        return any(len(s) > 1 for s in self.spellings)

    @property
    def corrected_text(self) -> str:
        """The words searched for, a typing mistake's corrections in place of
        the word: "mon suivi justise" -> "mon suivi justice"."""
        return " ".join(
            " / ".join(s[1:]) if len(s) > 1 else s[0] for s in self.spellings
        )

    def with_spellings(self, corrections: dict[str, list[str]]) -> Terms:
        return Terms(
            self.words,
            tuple((w, *corrections.get(w, ())) for w in self.words),
        )

    # The match, in each database's syntax

    def _forms(self, spellings, form: str) -> list[tuple[str, bool]]:
        """(token, is a prefix) for a word in the given `form`: "whole", the
        word or its singular; "start", the start of a word (from three
        letters); "any", the start of a word or the word's stem."""
        forms: dict[tuple[str, bool], None] = {}
        for word in spellings:
            singular = _singular(word)
            if form == "whole":
                forms.update(dict.fromkeys([(word, False), (singular, False)]))
                continue
            forms[(singular, len(singular) >= PREFIX_MIN_LENGTH)] = None
            if form == "any":
                forms.update(dict.fromkeys((s, False) for s in stems([word, singular])))
        return list(forms)

    def match(self, *, columns=SEARCH_COLUMNS, form="any", or_glued=False) -> str:
        """Every word in one of `columns`, in the given form (see _forms); with
        `or_glued`, or the glued words starting a title ("dossier facile" finds
        "DossierFacile")."""
        postgresql = connection.vendor == "postgresql"
        weights = "".join(_WEIGHTS[c] for c in columns)
        every = len(columns) == len(SEARCH_COLUMNS)

        def token(text: str, prefix: bool, weights: str = "" if every else weights):
            if postgresql:
                return f"{text}:{'*' if prefix else ''}{weights}".rstrip(":")
            return f'"{text}"{"*" if prefix else ""}'

        alternatives = []
        for spellings in self.spellings:
            forms = self._forms(spellings, form)
            either = (" | " if postgresql else " OR ").join(token(*f) for f in forms)
            alternatives.append(f"({either})")
        query = (" & " if postgresql else " AND ").join(alternatives)
        if not postgresql and not every:
            query = f"{{{' '.join(columns)}}} : ({query})"
        if or_glued and len(self.words) > 1:
            if postgresql:
                query = f"({query}) | {token(self.glued, True, 'A')}"
            else:
                query = f'({query}) OR {{search_title}} : "{self.glued}"*'
        return query

    def matching(self, **kwargs) -> Q | In:
        """Rows matching Terms.match(**kwargs), through the database's index."""
        query = self.match(**kwargs)
        if connection.vendor == "postgresql":
            return Q(
                search_vector=SearchQuery(query, config="simple", search_type="raw")
            )
        # id + 0: not the key itself, so that SQLite does not fetch every
        # matching row by its key (wide rows) but reads the rows it scans
        # anyway, the facets' covering index for the counts.
        return In(
            ExpressionWrapper(F("pk") + 0, output_field=IntegerField()),
            RawSQL(
                f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", (query,)
            ),
        )

    def _in(self, columns: list[str], form: str) -> Q:
        """Every word in one of `columns`, in the given form, read in the short
        stored columns themselves (their words are spaced on both sides): for
        ranking rows already matched, cheaper than the index's vector on
        PostgreSQL, and the same SQL on both databases."""
        every = Q()
        for spellings in self.spellings:
            either = Q()
            for token, prefix in self._forms(spellings, form):
                pattern = f" {token}" if prefix else f" {token} "
                for column in columns:
                    either |= Q(**{f"{column}__contains": pattern})
            every &= either
        return every

    def rank(self) -> Case:
        """Lower ranks first: the exact title, an exact former identifier,
        titles starting with the words, titles with every word whole, titles
        with every word at the start of one of their words (or the glued words
        inside them), then the other fields: every word whole in the
        identifier, mission, themes, sponsors or technologies, every word whole
        anywhere, then what only shares a stem or the start of a word. A whole
        word so beats a shared stem: "école" puts the sheets that say "école"
        before "écol'lieu" (stem "écol") and never finds "écologie"."""
        glued = self.glued
        title, head = ["search_title"], ["search_title", "search_text"]
        return Case(
            When(search_title__startswith=f"{glued}|", then=0),
            When(search_title__contains=f"|{glued}|", then=1),
            When(search_title__startswith=glued, then=2),
            When(self._in(title, "whole"), then=3),
            When(self._in(title, "start") | Q(search_title__contains=glued), then=4),
            When(self._in(head, "whole"), then=5),
            # The description is long: its words through the index.
            When(self.matching(form="whole"), then=6),
            When(self._in(title, "any"), then=7),
            default=8,
            output_field=IntegerField(),
        )


def search(queryset: QuerySet, terms: Terms | str) -> QuerySet:
    """Start-ups matching every word (or the glued words), with a `search_rank`
    alias to order them by (Terms.rank)."""
    if isinstance(terms, str):
        terms = Terms.of(terms)
    if not terms:
        return queryset
    return queryset.filter(terms.matching(or_glued=True)).alias(
        search_rank=terms.rank()
    )


# Typing mistakes. When no start-up has the words, each word that is not the
# start of a word of the vocabulary (titles, themes, sponsors, technologies) is
# looked for among the vocabulary's words one edit away (a letter missing, added,
# changed, or two swapped; two edits from eight letters), the same in Python for
# both databases.

# Shorter words are not corrected (too many words are one edit from "cap").
CORRECTION_MIN_LENGTH = 4
MAX_CORRECTIONS = 3


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, or limit + 1
    once it is sure to exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous, current = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        before, previous, current = previous, current, [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(
                previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost
            )
            if (
                i > 1
                and j > 1
                and a[i - 1] == b[j - 2]
                and a[i - 2] == b[j - 1]
                and before is not None
            ):
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
    return current[-1]


class Vocabulary:
    """The catalogue's words, indexed by their one-letter deletions (the
    "symmetric delete" method: two words one edit apart share a deletion or
    are one), so that a word's neighbours are found without comparing it to
    every word."""

    def __init__(self, words: Iterable[str]):
        self.words = sorted({w for w in words if len(w) >= 2})
        self.by_deletion: dict[str, list[str]] = {}
        for word in self.words:
            if len(word) >= CORRECTION_MIN_LENGTH - 1:
                for key in _deletions(word) | {word}:
                    self.by_deletion.setdefault(key, []).append(word)

    def knows(self, word: str) -> bool:
        """Whether the word is one of the vocabulary or starts one."""
        i = bisect.bisect_left(self.words, word)
        return i < len(self.words) and self.words[i].startswith(word)

    def corrections(self, word: str) -> list[str]:
        if len(word) < CORRECTION_MIN_LENGTH or word.isdigit() or self.knows(word):
            return []
        limit = 1 if len(word) < 8 else 2
        candidates: set[str] = set()
        for key in _deletions(word) | {word}:
            candidates.update(self.by_deletion.get(key, ()))
        scored = sorted(
            (edit_distance(word, c, limit), c) for c in candidates if c != word
        )
        best = [c for d, c in scored if d <= limit and d == scored[0][0]]
        return best[:MAX_CORRECTIONS]


_vocabulary: dict[str, tuple[int, Vocabulary]] = {}
_vocabulary_lock = threading.Lock()


def catalogue_vocabulary(version: int) -> Vocabulary:
    """The vocabulary of the published catalogue at `version` (the catalogue
    version, models.CatalogueVersion): read once per version and process."""
    from startups.models import Organisation, Startup, Theme

    alias = connection.alias
    with _vocabulary_lock:
        known = _vocabulary.get(alias)
        if known and known[0] == version:
            return known[1]
    published = Startup.objects.published()
    # The technologies' JSON as text: its brackets and quotes are not words.
    texts = [
        f"{title} {technologies}"
        for title, technologies in published.values_list(
            "title", Cast("technologies", output_field=TextField())
        )
    ]
    texts += (
        Theme.objects.filter(startups__in=published)
        .values_list("label", flat=True)
        .distinct()
    )
    for name, acronym in (
        Organisation.objects.filter(sponsored_startups__in=published)
        .values_list("name", "acronym")
        .distinct()
    ):
        texts += [name, acronym]
    # One text: normalising it at once costs a fraction of one call per name.
    words = _name_words("\n".join(set(texts)))
    vocabulary = Vocabulary(words)
    with _vocabulary_lock:
        _vocabulary[alias] = (version, vocabulary)
    return vocabulary


def corrected(terms: Terms, vocabulary: Vocabulary) -> Terms | None:
    """The terms with the corrections of the words the vocabulary does not
    know, or None if there is none."""
    fixes = {w: vocabulary.corrections(w) for w in terms.words}
    fixes = {w: c for w, c in fixes.items() if c}
    return terms.with_spellings(fixes) if fixes else None
