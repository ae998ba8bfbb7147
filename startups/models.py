"""The catalogue's nouns: start-ups, their phase history and events, incubators,
sponsoring organisations and the two vocabularies (themes, audiences)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol, TypeVar

import reversion
from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from startups.expressions import joined_list
from startups.media import StoredImages
from startups.rules import (
    DESCRIPTION_MAX_LENGTH,
    MISSION_MAX_LENGTH,
    catalogue_slug_validator,
    validate_image,
)
from startups.search import SearchWords

StrOrPromise = str | Promise  # a text, or one translated when it is shown

# Links are web addresses: no ftp:, javascript: or data: ones.
web_address_validator = URLValidator(
    schemes=["http", "https"],
    message=_("Enter a web address starting with http:// or https://."),
    # Not "invalid": the field would put its generic message in place of ours.
    code="not_web_address",
)


def web_link(verbose_name) -> models.URLField:
    """An optional link to a web page: http(s) only, long addresses allowed."""
    return models.URLField(
        verbose_name, max_length=500, blank=True, validators=[web_address_validator]
    )


class Phase(models.TextChoices):
    """The life cycle of a start-up d'État, in order."""

    INVESTIGATION = "investigation", _("Investigation")
    CONSTRUCTION = "construction", _("Construction")
    ACCELERATION = "acceleration", _("Acceleration")
    CONSOLIDATION = "consolidation", _("Consolidation")
    INTEGRATION = "integration", _("Integration")
    OPERATED = "operated", _("Operated")
    ABANDONED = "abandoned", _("Abandoned")
    INCONCLUSIVE = "inconclusive", _("Inconclusive investigation")

    @property
    def description(self) -> StrOrPromise:
        return PHASE_DESCRIPTIONS[self]

    @property
    def rank(self) -> int:
        return list(Phase).index(self)


PHASE_DESCRIPTIONS = {
    Phase.INVESTIGATION: _(
        "A public servant and a coach check that the problem is real, who has it "
        "and what already exists."
    ),
    Phase.CONSTRUCTION: _(
        "A small team builds a first version and tests it with real users."
    ),
    Phase.ACCELERATION: _(
        "The service has proved useful; the team spreads it to more users while "
        "improving it."
    ),
    Phase.CONSOLIDATION: _(
        "The team prepares the service's life after incubation: who runs it, who "
        "pays for it."
    ),
    Phase.INTEGRATION: _(
        "The service has left the programme and lives on in its administration."
    ),
    Phase.OPERATED: _(
        "The mature service is run within the network, which keeps following its "
        "impact."
    ),
    Phase.ABANDONED: _("The service was stopped during incubation."),
    Phase.INCONCLUSIVE: _("The investigation did not lead to a digital service."),
}


class OrganisationKind(models.TextChoices):
    CENTRAL_ADMINISTRATION = "administration-centrale", _("Central administration")
    DECONCENTRATED_SERVICE = "service-deconcentre", _("Deconcentrated service")
    OPERATOR = "operateur", _("State operator")
    SOCIAL_SECURITY = "securite-sociale", _("Social security")
    LOCAL_AUTHORITY = "collectivite-territoriale", _("Local authority")
    OTHER = "autre", _("Other")


class MinisterialDomain(models.TextChoices):
    FOREIGN_AFFAIRS = "affaires-etrangeres", _("Foreign affairs")
    AGRICULTURE = "agriculture", _("Agriculture")
    ARMED_FORCES = "armees", _("Armed forces")
    ECONOMY = "bercy", _("Economy and finance")
    CULTURE = "culture", _("Culture")
    EDUCATION = "education", _("Education")
    HIGHER_EDUCATION = "enseignement-sup", _("Higher education and research")
    ENVIRONMENT = "environnement", _("Ecological transition")
    INTERIOR = "interieur", _("Interior")
    JUSTICE = "justice", _("Justice")
    OVERSEAS = "outre-mer", _("Overseas")
    HEALTH_SOLIDARITY = "solidarite-sante", _("Health and solidarity")
    PRIME_MINISTER = "spm", _("Prime Minister's services")
    SPORT = "sport", _("Sport")
    LABOUR = "travail", _("Labour and employment")
    TERRITORIES = "territoires", _("Territorial cohesion")
    OTHER = "autres", _("Other")


class OrganisationQuerySet(models.QuerySet):
    def for_sponsor_list(self):
        """The sponsors page: organisations that sponsor at least one published
        start-up, each with its `startup_count`, in one query."""
        return (
            self.annotate(
                startup_count=models.Count(
                    "sponsored_startups",
                    filter=Q(sponsored_startups__is_published=True),
                    distinct=True,
                )
            )
            .filter(startup_count__gt=0)
            .order_by("name", "pk")
        )

    def for_sponsor_page(self):
        """A sponsor's page: the organisation, then the listed incubators it owns."""
        return self.prefetch_related(
            models.Prefetch(
                "owned_incubators",
                queryset=Incubator.objects.visible().order_by("name", "pk"),
            )
        )


class Organisation(models.Model):
    """A public body that sponsors start-ups or owns an incubator."""

    Kind = OrganisationKind
    MinisterialDomain = MinisterialDomain

    slug = models.CharField(
        _("identifier"),
        max_length=200,
        unique=True,
        validators=[catalogue_slug_validator],
    )
    name = models.CharField(_("name"), max_length=300)
    acronym = models.CharField(_("acronym"), max_length=100, blank=True)
    kind = models.CharField(
        _("type"), max_length=30, choices=Kind.choices, default=Kind.OTHER
    )
    ministerial_domain = models.CharField(
        _("ministerial domain"),
        max_length=30,
        choices=MinisterialDomain,
        default=MinisterialDomain.OTHER,
    )
    directory_url = web_link(_("public directory page"))

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=OrganisationKind.values),
                name="organisation_kind_known",
            ),
            models.CheckConstraint(
                condition=Q(ministerial_domain__in=MinisterialDomain.values),
                name="organisation_ministerial_domain_known",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("startups:sponsor_detail", kwargs={"slug": self.slug})

    @property
    def label(self) -> str:
        """How pages, files, the API and the admin name an organisation."""
        return self.label_of(self.name, self.acronym)

    @staticmethod
    def label_of(name: str, acronym: str | None) -> str:
        """The label's one rule, "Name (ACRONYM)" or the name alone, for the
        callers that hold the two texts without the row (facet counts)."""
        return f"{name} ({acronym})" if acronym else name

    @staticmethod
    def str_in_sql(path: str) -> models.Expression:
        """label_of as an SQL expression, for the organisation reached through
        `path` ("organisation__" from a link table): the same rule, where a
        query must build the text itself."""
        name, acronym = f"{path}name", f"{path}acronym"
        return models.Case(
            models.When(**{acronym: ""}, then=name),
            default=Concat(name, models.Value(" ("), acronym, models.Value(")")),
        )


class IncubatorQuerySet(models.QuerySet):
    def kept_by(self, user):
        """The incubators whose sheets a staff member keeps (every one for the
        national team)."""
        from startups.policy import is_national_team

        if is_national_team(user):
            return self
        return self.filter(memberships__user=user)

    def visible(self):
        """The incubators listed on the public site (a hidden one keeps its page)."""
        return self.filter(is_hidden=False)

    def for_incubator_list(self):
        """The incubators page: listed incubators with their owner, in one query;
        their counts come from Startup.objects.count_by_incubator_and_phase()."""
        return self.visible().select_related("owner").order_by("name", "pk")

    def for_incubator_page(self):
        """An incubator's page: the incubator with its owner, then its published
        highlighted start-ups."""
        return self.select_related("owner").prefetch_related(
            models.Prefetch(
                "highlighted_startups",
                queryset=Startup.objects.published().order_by("sort_title", "pk"),
            )
        )


class Incubator(StoredImages, models.Model):
    slug = models.CharField(
        _("identifier"),
        max_length=200,
        unique=True,
        validators=[catalogue_slug_validator],
    )
    name = models.CharField(_("name"), max_length=300)
    short_description = models.TextField(_("short description"), blank=True)
    description = models.TextField(
        _("description (Markdown)"),
        blank=True,
        validators=[MaxLengthValidator(DESCRIPTION_MAX_LENGTH)],
    )
    owner = models.ForeignKey(
        Organisation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_incubators",
        verbose_name=_("owner organisation"),
    )
    contact = models.EmailField(_("contact e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    website = web_link(_("website"))
    source_code_url = web_link(_("source code host"))
    logo = models.ImageField(
        _("logo"),
        upload_to="incubators/",
        blank=True,
        validators=[validate_image],
        help_text=_("PNG, JPEG or WebP, 2 MB and 4000 × 4000 pixels at most."),
    )
    highlighted_startups = models.ManyToManyField(
        "Startup",
        blank=True,
        related_name="highlighted_by",
        verbose_name=_("highlighted start-ups"),
    )
    is_hidden = models.BooleanField(
        _("hidden"),
        default=False,
        help_text=_("Hidden incubators are not listed on the public site."),
    )

    objects = IncubatorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("incubator")
        verbose_name_plural = _("incubators")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("startups:incubator_detail", kwargs={"slug": self.slug})


class IncubatorMembership(models.Model):
    """A staff member's attachment to an incubator whose sheets they keep."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="incubator_memberships"
    )
    incubator = models.ForeignKey(Incubator, models.CASCADE, related_name="memberships")

    class Meta:
        verbose_name = _("incubator membership")
        verbose_name_plural = _("incubator memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "incubator"], name="incubatormembership_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.incubator}"


class Term(models.Model):
    """A normalised vocabulary entry: one slug for every spelling of a word."""

    slug = models.SlugField(_("identifier"), max_length=200, unique=True)
    label = models.CharField(_("label"), max_length=200)

    class Meta:
        abstract = True
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class Theme(Term):
    class Meta(Term.Meta):
        verbose_name = _("theme")
        verbose_name_plural = _("themes")


class Audience(Term):
    class Meta(Term.Meta):
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")


class Technology(Term):
    """One entry per technology whatever its spelling ("React" = "react"):
    derived from the start-ups' `technologies` by services.refresh_technologies,
    for the catalogue's facet and the start-up page's links."""

    class Meta(Term.Meta):
        verbose_name = _("technology")
        verbose_name_plural = _("technologies")


class StopReason(Term):
    """Why a service stopped (an abandon, an inconclusive investigation): a
    vocabulary the staff keep, with defaults made by migration 0018."""

    class Meta(Term.Meta):
        verbose_name = _("reason for stopping")
        verbose_name_plural = _("reasons for stopping")


class ImpactCertification(models.TextChoices):
    """How far the national team has checked a sheet's impact matrix."""

    NONE = "none", _("None")
    PUBLISHED = "published", _("Published")
    REVIEWED = "reviewed", _("Reviewed by the coaches")
    CERTIFIED = "certified", _("Certified: national impact")


class AccessibilityStatus(models.TextChoices):
    FULLY_COMPLIANT = "fully", _("Fully compliant")
    PARTIALLY_COMPLIANT = "partially", _("Partially compliant")
    NOT_COMPLIANT = "not_compliant", _("Not compliant")
    NOT_ASSESSED = "not_assessed", _("Not assessed")


# What a start-up's card shows (catalogue, incubator and sponsor pages).
CARD_FIELDS = (
    "slug",
    "title",
    "mission",
    "current_phase",
    "incubator",
    "screenshot",
    "impact_certification",
    "fast_promotion",
)
# The widest columns of a start-up (about 1.5 kB together), which only search
# reads, in SQL: pages that list start-ups leave them in the database.
SEARCH_FIELDS = ("search_title", "search_text", "search_body", "search_vector")


class StartupQuerySet(models.QuerySet):
    def incubated_by(self, incubators):
        """The start-ups whose main incubator or a co-incubator is among
        `incubators` (a queryset or a list of incubators or their ids)."""
        co_incubated = Startup.co_incubators.through.objects.filter(
            incubator__in=incubators
        ).values("startup_id")
        return self.filter(Q(incubator__in=incubators) | Q(pk__in=co_incubated))

    def incubated_by_staff(self, user):
        """The start-ups a staff member keeps as incubator staff (every one for
        the national team)."""
        from startups.policy import is_national_team

        if is_national_team(user):
            return self
        return self.incubated_by(Incubator.objects.kept_by(user))

    def kept_by(self, user):
        """The start-ups a staff member may edit: those of their incubators, and
        those they are a sheet editor of (every one for the national team)."""
        from startups.policy import is_national_team

        if is_national_team(user):
            return self
        edited = StartupEditor.objects.filter(user=user).values("startup_id")
        return self.incubated_by_staff(user) | self.filter(pk__in=edited)

    def visible_to(self, user):
        """What a visitor may open: published sheets, and for staff the sheets
        they keep (a preview), every sheet for the national team."""
        if not (user.is_authenticated and user.is_staff):
            return self.published()
        return self.filter(
            Q(is_published=True)
            | Q(pk__in=self.model.objects.kept_by(user).values("pk"))
        )

    def published(self):
        return self.filter(is_published=True)

    def for_catalogue(self):
        """The catalogue page's cards: each row with its main incubator's name,
        and only what a card shows, in one query whatever the page size."""
        return (
            self.published()
            .select_related("incubator")
            .only(*CARD_FIELDS, "incubator__slug", "incubator__name")
            .with_national_impact()
        )

    def with_national_impact(self):
        """Each row's `has_national_impact` (a national impact event), for its
        card's badge: a subquery in the same query."""
        return self.annotate(
            has_national_impact=models.Exists(
                Event.objects.filter(
                    startup=models.OuterRef("pk"), kind=EventKind.NATIONAL_IMPACT
                )
            )
        )

    def in_phase_order(self):
        """Life-cycle order of the current phase (start-ups without a phase
        last), then alphabetical order."""
        rank = models.Case(
            *(models.When(current_phase=p.value, then=p.rank) for p in Phase),
            default=len(Phase),
        )
        return self.alias(phase_rank=rank).order_by("phase_rank", "sort_title", "pk")

    def for_export(self):
        """The CSV export: each row with its main incubator and its lists
        (`co_incubator_names`, `sponsor_names`, `theme_labels`,
        `audience_labels`, read with expressions.listed()) in one query, so
        that a download of 100,000 rows read a chunk at a time costs one query,
        not one more per list and chunk."""
        startup = self.model
        return (
            self.published()
            .select_related("incubator")
            .defer(*SEARCH_FIELDS)
            .annotate(
                co_incubator_names=joined_list(
                    startup.co_incubators.through, "incubator__name"
                ),
                sponsor_names=joined_list(
                    startup.sponsors.through, Organisation.str_in_sql("organisation__")
                ),
                theme_labels=joined_list(startup.themes.through, "theme__label"),
                audience_labels=joined_list(
                    startup.audiences.through, "audience__label"
                ),
            )
        )

    def for_startup_page(self):
        """A start-up's own page: the row with its main incubator, then one query
        per list it shows, whatever their lengths (its impact indicators and
        all their values: two). Not limited to published sheets: staff may
        preview the others."""
        return (
            self.select_related("incubator", "stop_reason", "successor")
            .defer(*SEARCH_FIELDS)
            .prefetch_related(
                models.Prefetch(
                    "predecessors",
                    queryset=Startup.objects.published()
                    .only("slug", "title", "successor")
                    .order_by("sort_title", "pk"),
                ),
                "co_incubators",
                "sponsors",
                "themes",
                "audiences",
                "technology_terms",
                "phases",
                "events",
                models.Prefetch(
                    "budget_lines", queryset=BudgetLine.objects.for_startup_page()
                ),
                models.Prefetch(
                    "indicators", queryset=Indicator.objects.for_public_page()
                ),
            )
        )

    def of_incubator(self, incubator):
        """Start-ups incubated by `incubator`, as main or co-incubator, once each."""
        return self.incubated_by([incubator])

    def sponsored_by(self, organisation):
        sponsored = Startup.sponsors.through.objects.filter(
            organisation=organisation
        ).values("startup_id")
        return self.filter(pk__in=sponsored)

    def for_api(self):
        """The API's start-ups (/api/v1/ and beta.gouv.fr's /api/v2.7/ files):
        published rows with their main incubator, then one query per list they
        show, whatever the number of start-ups."""
        return (
            self.published()
            .select_related("incubator", "stop_reason")
            .defer(*SEARCH_FIELDS)
            .annotate(successor_slug=Startup.public_successor_slug())
            .prefetch_related(
                "co_incubators", "sponsors", "themes", "audiences", "phases", "events"
            )
        )

    def for_api_detail(self):
        """One start-up in the API: for_api(), its budget lines (with their
        categories and sponsors: one query more) and its impact indicators with
        all their values (two more)."""
        return self.for_api().prefetch_related(
            models.Prefetch(
                "budget_lines", queryset=BudgetLine.objects.for_startup_page()
            ),
            models.Prefetch("indicators", queryset=Indicator.objects.for_public_page()),
        )

    def for_feed(self):
        """The feeds of new start-ups: published, begun by today (not those
        whose first phase is planned), most recently started first, with their
        main incubator."""
        return (
            self.published()
            .select_related("incubator")
            .defer(*SEARCH_FIELDS)
            .filter(started_on__lte=timezone.localdate())
            .order_by("-started_on", "-pk")
        )

    def for_directory_page(self):
        """The start-ups listed on an incubator's or a sponsor's page, a page at
        a time, in life-cycle order: what a card shows, in one query."""
        return (
            self.published()
            .select_related("incubator")
            .only(*CARD_FIELDS, "incubator__slug", "incubator__name")
            .with_national_impact()
            .in_phase_order()
        )

    def count_by_incubator_and_phase(self) -> dict[int, dict[str, int]]:
        """{incubator id: {phase: number of start-ups}}, counting co-incubated
        start-ups too but each start-up once per incubator: two grouped queries,
        whatever the number of start-ups or incubators."""
        main = (
            self.order_by()
            .values_list("incubator_id", "current_phase")
            .annotate(n=models.Count("pk"))
        )
        co_incubated = (
            Startup.co_incubators.through.objects.filter(
                startup__in=self.order_by().values("pk")
            )
            .exclude(startup__incubator=models.F("incubator"))
            .values_list("incubator_id", "startup__current_phase")
            .annotate(n=models.Count("startup_id"))
        )
        counts: dict[int, dict[str, int]] = {}
        for rows in (main, co_incubated):
            for incubator_id, phase, n in rows:
                by_phase = counts.setdefault(incubator_id, {})
                by_phase[phase] = by_phase.get(phase, 0) + n
        return counts

    def for_sitemap(self):
        """The sitemap's start-ups: published, open to search engines, with what a
        <url> needs (address and last modification) and nothing more."""
        return (
            self.published()
            .filter(allow_indexing=True)
            .only("slug", "updated_at")
            .order_by("slug")
        )

    def count_by_current_phase(self) -> dict[str, int]:
        """{phase: number of start-ups}, in one grouped query."""
        rows = (
            self.order_by().values_list("current_phase").annotate(n=models.Count("pk"))
        )
        return dict(rows)

    def with_current_phase_due(self, today: date):
        """The start-ups whose stored current phase is not the one their history
        makes current on `today`: a planned phase has started since the phase
        was stored (or the stored one has not started yet, the clock having
        been set back). Equal start dates are settled when the history is
        saved and do not change with the date."""
        began = StartupPhase.objects.filter(
            startup=models.OuterRef("pk"), start__lte=today
        )
        later = began.filter(start__gt=models.OuterRef("current_phase_start"))
        return self.alias(
            has_begun=models.Exists(began), has_later=models.Exists(later)
        ).filter(
            Q(current_phase_start__gt=today)
            | Q(current_phase_start__isnull=True, has_begun=True)
            | Q(has_later=True)
        )

    def successors_of(self, startup_id: int, *, limit: int = 100) -> list[int]:
        """The chain of successors from `startup_id` on (itself first), one
        query a step, `limit` steps at most: what a "continued as" must not
        loop back to."""
        chain = [startup_id]
        while len(chain) <= limit:
            following = (
                Startup.objects.filter(pk=chain[-1])
                .values_list("successor_id", flat=True)
                .first()
            )
            if following is None or following in chain:
                break
            chain.append(following)
        return chain

    def for_staff_home(self):
        """The staff home's list: least recently updated first, so that the stale
        sheets lead, each with its main incubator, in one query."""
        return self.select_related("incubator").order_by("updated_at", "pk")

    def for_transparency_list(self):
        """The staff home's least complete sheets: lowest transparency score
        first, with their main incubator, in one query."""
        return (
            self.select_related("incubator")
            .defer(*SEARCH_FIELDS, "description")
            .order_by("transparency_score", "sort_title", "pk")
        )

    def count_stale(self, *, before) -> dict[str, int]:
        """{"total": start-ups, "stale": those not updated since `before`}, in one
        query."""
        return self.order_by().aggregate(
            total=models.Count("pk"),
            stale=models.Count("pk", filter=Q(updated_at__lt=before)),
        )

    def for_stale_reminders(self, *, before, incubator_ids):
        """The sheets of these incubators (main or co-incubator) not updated since
        `before`, oldest first, with their incubators: two queries."""
        return (
            self.incubated_by(incubator_ids)
            .filter(updated_at__lt=before)
            .select_related("incubator")
            .prefetch_related("co_incubators")
            .order_by("updated_at", "pk")
        )


class Startup(StoredImages, models.Model):
    AccessibilityStatus = AccessibilityStatus

    slug = models.CharField(
        _("identifier"),
        max_length=200,
        unique=True,
        validators=[catalogue_slug_validator],
        help_text=_(
            "Part of the page's address; beta.gouv.fr's id for imported start-ups."
        ),
    )
    title = models.CharField(_("title"), max_length=200)
    mission = models.TextField(
        _("mission"),
        help_text=_("One sentence, 280 characters at most."),
        validators=[MaxLengthValidator(MISSION_MAX_LENGTH)],
    )
    description = models.TextField(
        _("description (Markdown)"),
        blank=True,
        validators=[MaxLengthValidator(DESCRIPTION_MAX_LENGTH)],
    )
    incubator = models.ForeignKey(
        Incubator,
        models.PROTECT,
        related_name="startups",
        verbose_name=_("main incubator"),
    )
    co_incubators = models.ManyToManyField(
        Incubator,
        blank=True,
        related_name="co_incubated_startups",
        verbose_name=_("co-incubators"),
    )
    sponsors = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="sponsored_startups",
        verbose_name=_("sponsors"),
    )
    themes = models.ManyToManyField(
        Theme, blank=True, related_name="startups", verbose_name=_("themes")
    )
    audiences = models.ManyToManyField(
        Audience, blank=True, related_name="startups", verbose_name=_("audiences")
    )
    technologies = models.JSONField(_("technologies"), default=list, blank=True)
    # The entries of `technologies`, kept in step by services.refresh_technologies.
    technology_terms = models.ManyToManyField(
        Technology,
        blank=True,
        related_name="startups",
        editable=False,
        verbose_name=_("technology entries"),
    )

    website = web_link(_("website"))
    repository = web_link(_("source code repository"))
    has_stats_page = models.BooleanField(
        _("has a public statistics page"), default=False
    )
    stats_url = web_link(_("usage statistics"))
    budget_url = web_link(_("budget"))
    impact_url = web_link(_("impact"))
    risk_analysis_url = web_link(_("risk analysis"))
    dashlord_url = web_link(_("Dashlord report"))
    contact = models.EmailField(_("contact e-mail"), blank=True)

    accessibility_status = models.CharField(
        _("accessibility"),
        max_length=20,
        choices=AccessibilityStatus,
        default=AccessibilityStatus.NOT_ASSESSED,
    )
    risk_analysis_done = models.BooleanField(_("risk analysis done"), default=False)
    mon_service_securise = models.BooleanField(
        _("registered on MonServiceSécurisé"), default=False
    )
    fast_promotion = models.PositiveSmallIntegerField(
        _("FAST promotion"), null=True, blank=True
    )
    fast_amount = models.PositiveIntegerField(
        _("FAST funding (euros)"), null=True, blank=True
    )
    # What the national team certifies (policy.NATIONAL_TEAM_FIELDS): the
    # level and its date; who last changed any of it, and when, is written by
    # services.note_certification (never by a form or a restore).
    impact_certification = models.CharField(
        _("impact matrix certification"),
        max_length=20,
        choices=ImpactCertification,
        default=ImpactCertification.NONE,
    )
    impact_certification_on = models.DateField(
        _("impact matrix certified on"),
        null=True,
        blank=True,
        help_text=_("Today if left empty when the level changes."),
    )
    certification_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("certification last set by"),
    )
    certification_set_at = models.DateTimeField(
        _("certification last set"), null=True, blank=True, editable=False
    )
    # Why a stopped service stopped, and what continued it.
    stop_reason = models.ForeignKey(
        StopReason,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="startups",
        verbose_name=_("reason for stopping"),
        help_text=_("For an abandoned service or an inconclusive investigation."),
    )
    stop_comment = models.TextField(_("why it stopped"), blank=True)
    successor = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="predecessors",
        verbose_name=_("continued as"),
        help_text=_("The start-up that took over after a pivot or a merger."),
    )
    # Derived from the sheet by services.refresh_transparency (startups.
    # transparency): the share of its criteria met, in percent, and their keys
    # (",website,stats,"), so that the catalogue sorts and the stats page counts
    # in SQL.
    transparency_score = models.PositiveSmallIntegerField(
        _("transparency score"), default=0, editable=False
    )
    transparency_met = models.CharField(
        _("transparency criteria met"),
        max_length=300,
        blank=True,
        default="",
        editable=False,
    )
    screenshot = models.ImageField(
        _("screenshot"),
        upload_to="screenshots/",
        blank=True,
        validators=[validate_image],
        help_text=_("PNG, JPEG or WebP, 2 MB and 4000 × 4000 pixels at most."),
    )
    allow_indexing = models.BooleanField(
        _("search engines may index the page"), default=True
    )
    is_published = models.BooleanField(
        _("published"),
        default=True,
        help_text=_(
            "An unpublished sheet keeps its address but is hidden from the public."
        ),
    )

    # Derived from the phase history by services.set_phase_history(); stored so
    # that the catalogue can filter and count on it without a join.
    current_phase = models.CharField(
        _("current phase"),
        max_length=20,
        choices=Phase,
        blank=True,
        editable=False,
    )
    current_phase_start = models.DateField(
        _("current phase since"), null=True, blank=True, editable=False
    )
    # The first phase's start, stored beside the current phase by the same
    # service, for the "most recently started" order and the year filter.
    started_on = models.DateField(
        _("started on"), null=True, blank=True, editable=False
    )
    # What text search reads, written by services.refresh_search_text() from
    # search.search_fields(): the words (lower case, no accents) with their
    # French stems, of the title and former identifiers (search_title), of the
    # identifier, mission, themes, sponsors and technologies (search_text), and
    # of the description (search_body).
    search_title = models.TextField(
        _("search title"), blank=True, default="", editable=False
    )
    search_text = models.TextField(
        _("search text"), blank=True, default="", editable=False
    )
    search_body = models.TextField(
        _("search body"), blank=True, default="", editable=False
    )
    # PostgreSQL's weighted full-text vector of those three, computed by the
    # database on every write (whoever writes: services, reversion's restore,
    # bulk loads) and GIN-indexed; NULL on SQLite, which indexes the same
    # columns with FTS5 (search.SQLITE_FTS). See search.SearchWords.
    search_vector = models.GeneratedField(
        expression=SearchWords(),
        output_field=SearchVectorField(null=True),
        db_persist=True,
        verbose_name=_("search vector"),
    )
    # The title's place in alphabetical order (search.sort_key), written with
    # the search columns; "C" collation on PostgreSQL (migration 0013).
    sort_title = models.CharField(
        _("sort key"), max_length=200, blank=True, default="", editable=False
    )

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # When the sheet's content last changed: set on every save (the admin, an
    # import that changes the sheet), never by derived fields (current phase,
    # search text: queryset updates); a first import gives it the file's own
    # date when it has one (services.import_catalogue).
    updated_at = models.DateTimeField(_("last update"), auto_now=True)

    objects = StartupQuerySet.as_manager()

    class Meta:
        ordering = ["sort_title", "id"]
        verbose_name = _("start-up")
        verbose_name_plural = _("start-ups")
        constraints = [
            models.CheckConstraint(
                condition=Q(accessibility_status__in=AccessibilityStatus.values),
                name="startup_accessibility_status_known",
            ),
            models.CheckConstraint(
                condition=Q(current_phase__in=[*Phase.values, ""]),
                name="startup_current_phase_known",
            ),
            models.CheckConstraint(
                condition=(
                    Q(fast_promotion__isnull=True, fast_amount__isnull=True)
                    | Q(fast_promotion__isnull=False, fast_amount__isnull=False)
                ),
                name="startup_fast_promotion_and_amount_together",
            ),
            models.CheckConstraint(
                condition=~Q(title=""), name="startup_title_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(impact_certification__in=ImpactCertification.values),
                name="startup_impact_certification_known",
            ),
            models.CheckConstraint(
                condition=~Q(successor=models.F("pk")),
                name="startup_successor_not_itself",
            ),
        ]
        indexes = [
            # What the catalogue's counts read, for every published start-up:
            # on PostgreSQL an index-only scan of this small index instead of
            # the wide table (SQLite has no INCLUDE and skips it).
            models.Index(
                fields=[
                    "is_published",
                    "current_phase",
                    "accessibility_status",
                    "incubator",
                ],
                include=["id", "impact_certification", "fast_promotion"],
                name="startup_facets_idx",
            ),
            models.Index(fields=["-updated_at"], name="startup_updated_idx"),
            # The catalogue: published start-ups in alphabetical order, a page
            # at a time. With the id: a deep page's skipped rows are read from
            # the index alone (startups.paging.rows_between).
            models.Index(
                fields=["is_published", "sort_title", "id"],
                name="startup_published_sort_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("startups:detail", kwargs={"slug": self.slug})

    @staticmethod
    def public_successor_slug() -> models.Expression:
        """The successor's identifier when it is published, in SQL."""
        return models.Case(
            models.When(successor__is_published=True, then="successor__slug"),
            default=None,
            output_field=models.CharField(),
        )

    def clean(self):
        super().clean()
        if self.successor_id is None:
            return
        if self.pk is not None and self.successor_id == self.pk:
            raise ValidationError(
                {"successor": _("A start-up cannot continue as itself.")}
            )
        if self.pk is not None and self.pk in Startup.objects.successors_of(
            self.successor_id
        ):
            raise ValidationError(
                {
                    "successor": _(
                        "This start-up already continues, directly or not, as "
                        "this one: a sheet cannot continue as its own predecessor."
                    )
                }
            )

    @property
    def is_stopped(self) -> bool:
        return self.current_phase in (Phase.ABANDONED, Phase.INCONCLUSIVE)

    @property
    def national_impact_events(self) -> list:
        """The national impact certified, from the prefetched events."""
        return [e for e in self.events.all() if e.kind == EventKind.NATIONAL_IMPACT]

    @property
    def stats_address(self) -> str:
        """The usage statistics page: its own address, or beta.gouv.fr's
        convention ("stats: true" means a page at <website>/stats); "" for none."""
        if self.stats_url:
            return self.stats_url
        if self.has_stats_page and self.website:
            return self.website.rstrip("/") + "/stats"
        return ""

    @property
    def not_updated_since_added(self) -> bool:
        """Whether the sheet's content has not changed since it was added
        (imported without a date of its own: both dates are the same instant,
        see services.import_catalogue)."""
        return self.updated_at == self.created_at


class StartupPhaseQuerySet(models.QuerySet):
    def for_feed(self, *, until):
        """The feeds of phase changes: steps of published start-ups begun by
        `until`, latest first, each with its start-up and main incubator."""
        return (
            self.filter(startup__is_published=True, start__lte=until)
            .select_related("startup__incubator")
            .order_by("-start", "-position", "-pk")
        )


class StartupPhase(models.Model):
    """One step of a start-up's phase history."""

    startup = models.ForeignKey(Startup, models.CASCADE, related_name="phases")
    phase = models.CharField(_("phase"), max_length=20, choices=Phase)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # Order in the source file: on equal start dates the entry listed later is
    # the current one.
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = StartupPhaseQuerySet.as_manager()

    class Meta:
        ordering = ["start", "position"]
        verbose_name = _("phase")
        verbose_name_plural = _("phase history")
        constraints = [
            models.UniqueConstraint(
                fields=["startup", "phase"], name="startupphase_unique_phase"
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="startupphase_end_not_before_start",
                violation_error_message=_("A phase cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(phase__in=Phase.values), name="startupphase_phase_known"
            ),
        ]
        indexes = [
            # Phase histories in order (start-up pages, stats, feeds).
            models.Index(fields=["startup", "start"], name="startupphase_start_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_phase_display()} ({self.start})"


class EventKind(models.TextChoices):
    PRODUCT_LAUNCH = "product_launch", _("Product launch")
    COMMITTEE = "committee", _("Investment committee")
    NATIONAL_IMPACT = "national_impact", _("National impact")
    FAST = "fast", _("FAST funding")
    EIG = "eig", _("Entrepreneurs d'intérêt général")
    END = "end", _("End of the service")
    OTHER = "other", _("Other")


class Event(models.Model):
    Kind = EventKind

    startup = models.ForeignKey(Startup, models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    date = models.DateField(_("date"))
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=EventKind.values), name="event_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.date})"


class FormerSlug(models.Model):
    """An earlier identifier of a start-up: its old address redirects to the new."""

    startup = models.ForeignKey(Startup, models.CASCADE, related_name="former_slugs")
    slug = models.CharField(
        _("former identifier"),
        max_length=200,
        unique=True,
        validators=[catalogue_slug_validator],
    )

    class Meta:
        ordering = ["slug"]
        verbose_name = _("former identifier")
        verbose_name_plural = _("former identifiers")

    def __str__(self) -> str:
        return self.slug

    def clean(self):
        super().clean()
        # Another sheet's live address can't be taken over as a redirect (the
        # unique constraint already refuses another sheet's former one).
        taken = Startup.objects.filter(slug=self.slug)
        if self.startup_id:
            taken = taken.exclude(pk=self.startup_id)
        if self.slug and taken.exists():
            raise ValidationError(
                {"slug": _("This identifier is another start-up's address.")}
            )


class StartupEditor(models.Model):
    """A person given edit rights on one start-up by its incubator's staff: the
    sheet editor role (startups.policy)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="edited_startups",
        verbose_name=_("person"),
    )
    startup = models.ForeignKey(
        Startup, models.CASCADE, related_name="editors", verbose_name=_("start-up")
    )

    class Meta:
        verbose_name = _("sheet editor")
        verbose_name_plural = _("sheet editors")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "startup"], name="startupeditor_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.startup}"


# A sheet nobody has touched for six months is probably out of date: the staff
# home lists it first and `manage.py remind_stale` e-mails its incubator's staff.
STALE_AFTER_DAYS = 182


class StaleReminder(models.Model):
    """An e-mail sent by `manage.py remind_stale`: it does not write to the same
    person again for a week."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="stale_reminders"
    )
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    startup_count = models.PositiveIntegerField(_("stale start-ups"))

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("stale sheet reminder")
        verbose_name_plural = _("stale sheet reminders")

    def __str__(self) -> str:
        return f"{self.user} ({self.sent_at:%Y-%m-%d})"


class CatalogueVersion(models.Model):
    """One row: a number every write to the catalogue raises (services.
    bump_catalogue_version). Caches and ETags are keyed on it, and it lives in the
    database so that every worker and server sees the same number at once."""

    version = models.PositiveBigIntegerField(default=0)
    # When the version last changed: the Last-Modified of open data, the same
    # on every worker and server.
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("catalogue version")

    def __str__(self) -> str:
        return str(self.version)


class DatedPhase(Protocol):
    start: date
    position: int


P = TypeVar("P", bound=DatedPhase)


def current_phase_entry(entries: Iterable[P], today: date | None = None) -> P | None:
    """The entry that gives a start-up its current phase on `today` (by default
    the local date): the latest one that has started (start no later than
    today), and on equal start dates the one listed later (highest position).
    A phase that starts later is planned, not current."""
    today = timezone.localdate() if today is None else today
    return max(
        (e for e in entries if e.start <= today),
        key=lambda e: (e.start, e.position),
        default=None,
    )


# Budgets: the network's reference model asks each product to publish its
# budget twice a year, line by line (a category, an amount, actual or forecast,
# who paid). Years before the programme began are refused; so are forecasts
# past a few years ahead (checked when a line is entered: the database's own
# check holds a fixed upper bound, since "this year" can't be one).
BUDGET_FIRST_YEAR = 2013
BUDGET_YEARS_AHEAD = 5
BUDGET_LAST_YEAR_STORED = 2100


def last_budget_year() -> int:
    return timezone.localdate().year + BUDGET_YEARS_AHEAD


def validate_budget_year(value) -> None:
    if value is None:
        return
    if not BUDGET_FIRST_YEAR <= value <= last_budget_year():
        raise ValidationError(
            _("Enter a year from %(first)s to %(last)s."),
            code="budget_year_out_of_range",
            params={"first": BUDGET_FIRST_YEAR, "last": last_budget_year()},
        )


# The reference model's categories (slug, French label, English label), which
# migration 0016 creates; the national team may rename, add or reorder them.
DEFAULT_BUDGET_CATEGORIES = [
    ("product-management", "Gestion de produit", "Product management"),
    ("development", "Développement", "Development"),
    ("design", "Design", "Design"),
    ("coaching", "Coaching", "Coaching"),
    ("deployment-support", "Déploiement et support", "Deployment and support"),
    ("hosting-tools", "Hébergement et outils", "Hosting and tools"),
    ("other", "Autre", "Other"),
]


class BudgetCategory(Term):
    """A category of budget lines. `label` is the French one (the site's first
    language); `label_en` is shown on English pages, the French label without
    one."""

    label_en = models.CharField(_("label in English"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta(Term.Meta):
        ordering = ["position", "label"]
        verbose_name = _("budget category")
        verbose_name_plural = _("budget categories")

    def __str__(self) -> str:
        from django.utils.translation import get_language

        language = (get_language() or "fr").split("-")[0]
        return self.label_en if language == "en" and self.label_en else self.label


class BudgetKind(models.TextChoices):
    ACTUAL = "actual", _("Actual")
    FORECAST = "forecast", _("Forecast")


class FundingSource(models.TextChoices):
    SPONSOR = "sponsor", _("Sponsor")
    INCUBATOR = "incubator", _("Incubator")
    FAST = "fast", _("FAST")
    OTHER = "other", _("Other")


class BudgetLineQuerySet(models.QuerySet):
    def for_startup_page(self):
        """A sheet's budget section: its lines with their category and sponsor,
        by year and category (one query, prefetched with the sheet)."""
        return self.select_related("category", "sponsor").order_by(
            "year", "category__position", "category__label", "kind", "pk"
        )

    def for_export(self):
        """The budget-lines download: lines of published sheets with what a row
        shows, in one query (read a chunk at a time)."""
        return (
            self.filter(startup__is_published=True)
            .select_related("category", "sponsor")
            .annotate(
                startup_slug=models.F("startup__slug"),
                startup_title=models.F("startup__title"),
            )
            .order_by("startup__slug", "year", "category__position", "kind", "pk")
        )


class BudgetLine(models.Model):
    """One line of a start-up's budget: what a category cost (or is forecast to
    cost) in a year, and who paid."""

    Kind = BudgetKind
    Source = FundingSource

    startup = models.ForeignKey(
        Startup, models.CASCADE, related_name="budget_lines", verbose_name=_("start-up")
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[validate_budget_year]
    )
    category = models.ForeignKey(
        BudgetCategory,
        models.PROTECT,
        related_name="lines",
        verbose_name=_("category"),
    )
    amount = models.PositiveIntegerField(_("amount (euros)"))
    kind = models.CharField(
        _("actual or forecast"),
        max_length=10,
        choices=BudgetKind,
        default=BudgetKind.ACTUAL,
    )
    source = models.CharField(
        _("funding source"),
        max_length=10,
        choices=FundingSource,
        default=FundingSource.SPONSOR,
    )
    sponsor = models.ForeignKey(
        Organisation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="funded_budget_lines",
        verbose_name=_("sponsor organisation"),
        help_text=_("The organisation that paid, when the source is a sponsor."),
    )
    stated_on = models.DateField(_("statement date"))

    objects = BudgetLineQuerySet.as_manager()

    class Meta:
        ordering = ["year", "category__position", "kind", "pk"]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget")
        constraints = [
            models.UniqueConstraint(
                fields=["startup", "year", "category"],
                condition=Q(kind=BudgetKind.ACTUAL),
                name="budgetline_one_actual_per_year_and_category",
                violation_error_message=_(
                    "There is already an actual line for this year and category."
                ),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=BUDGET_FIRST_YEAR)
                & Q(year__lte=BUDGET_LAST_YEAR_STORED),
                name="budgetline_year_plausible",
                violation_error_message=_("This year is out of range."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="budgetline_amount_not_negative",
                violation_error_message=_("An amount cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=BudgetKind.values), name="budgetline_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(source__in=FundingSource.values),
                name="budgetline_source_known",
            ),
            models.CheckConstraint(
                condition=Q(source=FundingSource.SPONSOR, sponsor__isnull=False)
                | (~Q(source=FundingSource.SPONSOR) & Q(sponsor__isnull=True)),
                name="budgetline_sponsor_with_sponsor_source",
                violation_error_message=_(
                    "Name the sponsor organisation when the source is a sponsor, "
                    "and only then."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["startup", "year"], name="budgetline_startup_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.category} {self.get_kind_display()}"

    @property
    def source_display(self) -> str:
        if self.source == FundingSource.SPONSOR and self.sponsor is not None:
            return str(self.sponsor)
        return self.get_source_display()

    def clean(self):
        super().clean()
        if self.source == FundingSource.SPONSOR and self.sponsor_id is None:
            raise ValidationError(
                {"sponsor": _("Name the sponsor organisation that paid.")}
            )
        if self.source != FundingSource.SPONSOR and self.sponsor_id is not None:
            raise ValidationError(
                {
                    "sponsor": _(
                        "Leave the sponsor organisation empty unless the source "
                        "is a sponsor."
                    )
                }
            )


# Defined beside, part of the app's models (and of the sheet's versions below).
from startups.indicators import Indicator, IndicatorValue  # noqa: E402

# What history keeps (django-reversion): a start-up's version holds its phases,
# events, former addresses, budget lines and indicators with their values (and
# its many-to-many links), so that restoring it brings back the whole sheet.
# Registered here, before the admin looks.
_FOLLOWED = (
    StartupPhase,
    Event,
    FormerSlug,
    BudgetLine,
    IndicatorValue,
    Incubator,
    Organisation,
)
for _model in _FOLLOWED:
    reversion.register(_model)
reversion.register(Indicator, follow=["values"])
# The search vector is the database's to compute from the search columns; the
# technology entries are derived from `technologies` (services.
# refresh_technologies, run again after a restore).
reversion.register(
    Startup,
    follow=["phases", "events", "former_slugs", "budget_lines", "indicators"],
    exclude=["search_vector", "technology_terms"],
)
