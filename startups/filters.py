"""GET parameters -> published start-ups: the one FilterSet behind the catalogue
page, the CSV export and (later) the API, with the facet counts shown beside the
results. A parameter it cannot use is ignored and listed, never a server error."""

from __future__ import annotations

from array import array

import django_filters
from django import forms
from django.db.models import (
    F,
    Q,
    QuerySet,
)
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from pyroaring import BitMap

from startups.betagouv.vocabulary import PHASE_OF_BETAGOUV_NAME
from startups.caching import Parts, catalogue_version, normalised_query
from startups.catalogue_index import IndexedRows
from startups.facets import (
    BUDGET_CHOICES,
    CHOICE_FACETS,
    FACETS,
    FacetCounts,
    IndexSelection,
    Selection,
    count_facets,
)
from startups.models import (
    AccessibilityStatus,
    Audience,
    BudgetLine,
    Event,
    ImpactCertification,
    Incubator,
    Organisation,
    Phase,
    Startup,
    Technology,
    Theme,
)
from startups.search import (
    CORRECTION_MIN_LENGTH,
    Terms,
    catalogue_vocabulary,
    corrected,
    search,
)

PAGE_SIZE = 24
# A selection of so many start-ups found by words at most is ranked in one
# query of their identifiers; a broader one from every match's rank.
RANKED_IN_QUERY = 2000
# Words are looked for among so many start-ups chosen by the other filters at
# most (by identifier), else among every start-up.
CANDIDATES_SEARCHED = 5000
# What "hide the stopped services" leaves out: abandoned start-ups and
# investigations that led nowhere.
STOPPED_PHASES = [Phase.ABANDONED, Phase.INCONCLUSIVE]
# Filters on columns of the facets index (models.Startup): choosing their rows
# again costs less than keeping them (see startups.facets.Selection).
CHEAP_FILTERS = {"phase", "accessibility", "hide_stopped", "certification"}
# The recognitions the national team gives (startups.facets.RECOGNITIONS).
RECOGNITION_CHOICES = [
    ("national_impact", _("National impact")),
    ("fast", _("FAST funding")),
]


class MultipleValueField(forms.Field):
    """A repeatable parameter (?phase=a&phase=b). Known values are kept and
    unknown ones reported by the form, so that one stale slug in a bookmarked
    address does not throw away the visitor's other choices.

    Cleans to a list of values (`choices`) or of instances (`model`, by slug)."""

    widget = forms.SelectMultiple  # reads every value of the parameter

    def __init__(self, *, choices=None, model=None, aliases=None, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.choices = dict(choices or {})
        self.model = model
        # Other names of choices ({alias: value}), e.g. beta.gouv.fr's phases.
        self.aliases = dict(aliases or {})

    def to_python(self, value) -> list[str]:
        values = value if isinstance(value, list | tuple) else [value]
        # A NUL byte never gets here: portfolio.middleware answers 400 first.
        cleaned = (str(v).strip() for v in values if v)
        cleaned = (
            self.aliases.get(v, v) if v not in self.choices else v for v in cleaned
        )
        return list(dict.fromkeys(v for v in cleaned if v))

    def validate(self, value):
        pass

    def clean(self, value):
        values = self.to_python(value)
        if not values:
            return []
        if self.model is None:
            return [v for v in values if v in self.choices]
        found = {o.slug: o for o in self.model.objects.filter(slug__in=values)}
        return [found[v] for v in values if v in found]

    def kept(self, cleaned) -> set[str]:
        return {getattr(v, "slug", v) for v in cleaned}


class MultipleValueFilter(django_filters.Filter):
    field_class = MultipleValueField


class SwitchField(forms.Field):
    """An on/off parameter: 1, true or on; 0, false, off or absent. Anything
    else is reported, not taken for "on"."""

    # The raw text (a CheckboxInput takes "0" for on); the page draws its own
    # checkbox.
    widget = forms.TextInput
    ON, OFF = ("1", "true", "on"), ("", "0", "false", "off")

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, bool) or value is None:
            return bool(value)
        text = str(value).strip().lower()
        if text in self.ON:
            return True
        if text in self.OFF:
            return False
        raise forms.ValidationError(_("Use 1 (on) or 0 (off)."), code="invalid")


class SwitchFilter(django_filters.Filter):
    field_class = SwitchField


class YearFilter(django_filters.Filter):
    field_class = forms.IntegerField


class SortFilter(django_filters.ChoiceFilter):
    field_class = forms.ChoiceField


class StartupFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        for name, form_field in self.fields.items():
            if not isinstance(form_field, MultipleValueField) or name not in cleaned:
                continue
            kept = form_field.kept(cleaned[name])
            ignored = [
                v for v in form_field.to_python(self[name].data) if v not in kept
            ]
            if ignored:
                self.add_error(
                    None,
                    _("%(parameter)s: unknown value ignored: %(values)s")
                    % {
                        "parameter": form_field.label,
                        "values": ", ".join(
                            _("“%(value)s”") % {"value": v} for v in ignored
                        ),
                    },
                )
        return cleaned

    def ignored_parameters(self) -> list[str]:
        """One sentence per parameter the results leave out, for the visitor."""
        messages = list(self.non_field_errors())
        for name, errors in self.errors.items():
            if name == forms.forms.NON_FIELD_ERRORS:
                continue
            raw = self[name].data
            messages.append(
                _("%(parameter)s: “%(value)s” ignored (%(reason)s)")
                % {
                    "parameter": self.fields[name].label,
                    "value": ", ".join(raw) if isinstance(raw, list) else raw,
                    "reason": " ".join(errors),
                }
            )
        return messages


def ordered(queryset: QuerySet, sort: str) -> QuerySet:
    """The start-ups in one of the catalogue's orders (SORTS), the name and
    then the id breaking ties."""
    if sort == "-updated":
        return queryset.order_by("-updated_at", "sort_title", "pk")
    if sort == "-started":
        return queryset.order_by(
            F("started_on").desc(nulls_last=True), "sort_title", "pk"
        )
    if sort == "phase":
        return queryset.in_phase_order()
    if sort == "-transparency":
        return queryset.order_by("-transparency_score", "sort_title", "pk")
    return queryset.order_by("sort_title", "pk")


SORTS = {
    "name": _("Name"),
    "-updated": _("Last updated first"),
    "-started": _("Most recently started first"),
    "phase": _("Phase"),
    "-transparency": _("Most complete sheets first"),
}


class StartupFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="filter_text", max_length=200
    )
    phase = MultipleValueFilter(
        label=_("Phase"),
        choices=Phase.choices,
        aliases=PHASE_OF_BETAGOUV_NAME,
        method="filter_phase",
    )
    incubator = MultipleValueFilter(
        label=_("Incubator"), model=Incubator, method="filter_incubator"
    )
    sponsor = MultipleValueFilter(
        label=_("Sponsor"), model=Organisation, method="filter_sponsor"
    )
    thematic = MultipleValueFilter(
        label=_("Theme"), model=Theme, method="filter_thematic"
    )
    usertype = MultipleValueFilter(
        label=_("Audience"), model=Audience, method="filter_usertype"
    )
    technology = MultipleValueFilter(
        label=_("Technology"), model=Technology, method="filter_technology"
    )
    accessibility = MultipleValueFilter(
        label=_("Accessibility"),
        choices=AccessibilityStatus.choices,
        method="filter_accessibility",
    )
    budget = MultipleValueFilter(
        label=_("Budget published"),
        choices=BUDGET_CHOICES,
        method="filter_budget",
    )
    certification = MultipleValueFilter(
        label=_("Impact matrix"),
        choices=ImpactCertification.choices,
        method="filter_certification",
    )
    recognition = MultipleValueFilter(
        label=_("Certified by the national team"),
        choices=RECOGNITION_CHOICES,
        method="filter_recognition",
    )
    hide_stopped = SwitchFilter(
        label=_("Hide stopped services"), method="filter_hide_stopped"
    )
    year = YearFilter(
        label=_("Started in"),
        method="filter_year",
        min_value=1900,
        max_value=2999,
        required=False,
    )
    sort = SortFilter(
        label=_("Sort by"),
        choices=list(SORTS.items()),
        method="filter_nothing",
        required=False,
    )

    class Meta:
        form = StartupFilterForm

    def __init__(self, data=None, queryset=None, **kwargs):
        queryset = Startup.objects.all() if queryset is None else queryset
        # Whatever the caller passes, the public never sees unpublished sheets.
        super().__init__(data, queryset.published(), **kwargs)

    @cached_property
    def terms(self) -> Terms:
        """The words searched for. When no published start-up has the words
        typed, and some word is a typing mistake for words of the catalogue
        that do find start-ups, those words instead (search.corrected): the
        page, its CSV export and the API so show the same selection. One query
        (whether the words find anything) for a search, a few more when it
        finds nothing."""
        self.errors  # noqa: B018 (validates the form)
        terms = Terms.of(self.form.cleaned_data.get("q") or "")
        if not terms or len(terms.glued) < CORRECTION_MIN_LENGTH:
            return terms
        published = Startup.objects.published()
        if search(published, terms).exists():
            return terms
        fixed = corrected(terms, catalogue_vocabulary(catalogue_version()))
        if fixed is None or not search(published, fixed).exists():
            return terms
        return fixed

    @property
    def correction(self) -> Terms | None:
        """The corrected words, when the search used them."""
        return self.terms if self.terms.corrected else None

    # Filters. None of them joins a many-to-many table in the outer query, so
    # that results never repeat and facet counts can group on them.

    def filter_text(self, queryset, name, value):
        return search(queryset, self.terms)

    def filter_phase(self, queryset, name, value):
        return queryset.filter(current_phase__in=value)

    def filter_accessibility(self, queryset, name, value):
        return queryset.filter(accessibility_status__in=value)

    def filter_certification(self, queryset, name, value):
        return queryset.filter(impact_certification__in=value)

    def filter_recognition(self, queryset, name, value):
        # Either recognition, as the facet's other values (OR within a facet).
        condition = Q()
        if "national_impact" in value:
            condition |= Q(
                pk__in=Event.objects.filter(kind=Event.Kind.NATIONAL_IMPACT).values(
                    "startup_id"
                )
            )
        if "fast" in value:
            condition |= Q(fast_promotion__isnull=False)
        return queryset.filter(condition)

    def filter_incubator(self, queryset, name, value):
        return queryset.incubated_by(value)

    def _filter_relation(self, queryset, relation: str, value):
        through = getattr(Startup, relation).through
        target = Startup._meta.get_field(relation).m2m_reverse_name()
        return queryset.filter(
            pk__in=through.objects.filter(**{f"{target}__in": value}).values(
                "startup_id"
            )
        )

    def filter_sponsor(self, queryset, name, value):
        return self._filter_relation(queryset, "sponsors", value)

    def filter_thematic(self, queryset, name, value):
        return self._filter_relation(queryset, "themes", value)

    def filter_usertype(self, queryset, name, value):
        return self._filter_relation(queryset, "audiences", value)

    def filter_technology(self, queryset, name, value):
        return self._filter_relation(queryset, "technology_terms", value)

    def filter_budget(self, queryset, name, value):
        # Either way of publishing chosen: the sheets with one of them.
        condition = Q()
        if "figures" in value:
            condition |= Q(pk__in=BudgetLine.objects.values("startup_id"))
        if "link" in value:
            condition |= ~Q(budget_url="")
        return queryset.filter(condition) if condition else queryset

    def filter_hide_stopped(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.exclude(current_phase__in=STOPPED_PHASES)

    def filter_year(self, queryset, name, value):
        return queryset.filter(started_on__year=value)

    def filter_nothing(self, queryset, name, value):
        return queryset  # sorting is applied last, by filter_queryset

    # Results

    def filter_queryset(self, queryset):
        return self._sorted(self._filtered(queryset))

    def _filtered(self, queryset, *, leave_out: str | None = None) -> QuerySet:
        for name, value in self.form.cleaned_data.items():
            if name not in (leave_out, "sort"):
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def _sorted(self, queryset) -> QuerySet:
        sort = self.form.cleaned_data.get("sort")
        if not sort and "search_rank" in queryset.query.annotations:
            return queryset.order_by("search_rank", "sort_title", "pk")
        return ordered(queryset, sort or "name")

    # The in-memory index (startups.catalogue_index): the same selection,
    # counts and order without SQL, when it is built for the version read.

    @cached_property
    def _indexed(self):
        """(index, {filter name: the start-ups it keeps}) or None."""
        from startups import catalogue_index

        self.errors  # noqa: B018 (validates the form)
        request = getattr(self, "request", None)
        if request is None or not hasattr(self.queryset, "published"):
            return None
        index = catalogue_index.for_version(
            catalogue_version(request), using=self.queryset.db
        )
        if index is None:
            return None
        kept = {}
        for name, value in self.form.cleaned_data.items():
            if name in ("sort", "q") or value in (None, "", [], False):
                continue
            if name == "hide_stopped":
                kept[name] = index.published - index.union("phase", STOPPED_PHASES)
            elif name == "year":
                kept[name] = index.year(value)
            else:
                kept[name] = index.union(name, [getattr(v, "slug", v) for v in value])
        if self.terms:
            # Only the start-ups some count or the list may hold need to be
            # looked for by their words: those the other filters keep, each
            # facet's own filter aside.
            candidates = BitMap.union(
                BitMap(),
                *(
                    BitMap.intersection(
                        index.published, *(ids for n, ids in kept.items() if n != left)
                    )
                    for left in ({None} | (kept.keys() & set(FACETS)))
                ),
            )
            kept = {"q": self._hits(index, candidates), **kept}
        return index, kept

    def _hits(self, index, candidates):
        """The start-ups among `candidates` the words find: every match of the
        words when they are many (kept by the index), else the candidates'
        alone (a full-text search reads each match's row: 140 ms for a word of
        13,000 start-ups out of 100,000 on PostgreSQL)."""
        terms = self.terms
        published = Startup.objects.using(self.queryset.db).published()

        def found(queryset):
            return BitMap(
                search(queryset, terms).order_by().values_list("pk", flat=True)
            )

        if len(candidates) <= CANDIDATES_SEARCHED and len(candidates) * 4 < len(
            index.published
        ):
            return found(published.filter(pk__in=list(candidates)))
        return index.remember(
            ("hits", terms.match(or_glued=True)), lambda: found(published)
        )

    def _by_relevance(self, index, selection) -> array:
        """The selection in the search's order (Terms.rank, then the name): a
        few thousand ranked by the database at most, the rank of every match
        kept by the index for broader selections."""
        terms = self.terms
        matches = Startup.objects.using(self.queryset.db).published()

        def ranked(queryset):
            pairs = queryset.annotate(rank=terms.rank()).order_by()
            position = index.name_position
            return array(
                "q",
                (
                    pk
                    for pk, _rank in sorted(
                        pairs.values_list("pk", "rank"),
                        key=lambda pair: (pair[1], position[pair[0]]),
                    )
                ),
            )

        if len(selection) <= RANKED_IN_QUERY:
            # Kept for this selection: its other pages, and its other
            # addresses (a facet unfolded), rank nothing again.
            return index.remember(
                ("ranked-among", terms.match(or_glued=True), selection.serialize()),
                lambda: ranked(matches.filter(pk__in=list(selection))),
            )
        return index.remember(
            ("ranked", terms.match(or_glued=True)),
            lambda: ranked(search(matches, terms)),
        )

    def _selection(self, leave_out: str | None = None):
        index, kept = self._indexed
        selection = index.published
        for name, ids in kept.items():
            if name != leave_out:
                selection = selection & ids
        return selection

    def rows(self):
        """The results, as the paginators read them: from the index when it
        is built (IndexedRows), else the queryset."""
        if self._indexed is None:
            return self.qs
        index, kept = self._indexed
        sort = self.form.cleaned_data.get("sort")
        selection = self._selection()
        if not sort and "q" in kept:
            order = self._by_relevance(index, selection)
        else:
            order = sort or "name"
        return IndexedRows(index, selection, order, self.queryset)

    @property
    def searching(self) -> bool:
        return bool(self.terms)

    def ignored_parameters(self) -> list[str]:
        self.errors  # noqa: B018 (validates the form)
        return self.form.ignored_parameters()

    # Facet counts

    def facets(self, *, cache: Parts | None = None) -> FacetCounts:
        """The facets beside the results, and the number of results: one
        statement whatever the number of start-ups or of values (see
        startups.facets). With `cache`, each facet's counts are kept under the
        filters they depend on (all but the facet's own, the page and the
        sort) and read back for any selection that shares them: with one
        theme chosen, the theme facet counts within the whole catalogue, as
        with no filter at all."""
        self.errors  # noqa: B018 (validates the form)
        cleaned = self.form.cleaned_data

        def selection(leave_out: str | None = None) -> Selection:
            in_force = {
                n for n, v in cleaned.items() if v and n not in (leave_out, "sort")
            }
            return Selection(
                self._filtered(self.queryset, leave_out=leave_out),
                costly=bool(in_force - CHEAP_FILTERS),
            )

        if self._indexed is not None:
            index, kept = self._indexed
            everything = self._selection()
            counted = {
                name: self._selection(name) if name in kept else everything
                for name in FACETS
            }
            selections: dict = {
                name: IndexSelection(index, ids) for name, ids in counted.items()
            }
        else:
            everything = selection()
            selections = {
                name: selection(name) if cleaned.get(name) else everything
                for name in FACETS
            }
        # Unfolding a facet or finding its values (views.catalogue) changes
        # what is listed, not the counts.
        panel = tuple(k for k in self.data if k == "unfold" or k.startswith("find_"))
        parts = {
            name: normalised_query(self.data, leave_out=(name, "page", "sort", *panel))
            for name in (FACETS if cache else ())
        }
        known = cache.get_many(parts) if cache else {}
        counts, rows = count_facets(
            selections,
            labels={name: self.form.fields[name].label for name in FACETS},
            choices={name: self.form.fields[name].choices for name in CHOICE_FACETS},
            selected={name: cleaned.get(name) for name in FACETS},
            known=known,
        )
        if cache:
            cache.set_many(parts, {n: r for n, r in rows.items() if n not in known})
        return counts
