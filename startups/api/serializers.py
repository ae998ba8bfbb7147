"""What the API shows of each row. Descriptions are in French: they are the
documentation at /api/ and in the OpenAPI schema. Related rows are named by
their identifier (slug); every list they read is prefetched by
Startup.objects.for_api()."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from startups import transparency
from startups.betagouv.vocabulary import BETAGOUV_NAME_OF_PHASE
from startups.indicators import ImpactPart, Periodicity
from startups.models import (
    BudgetKind,
    EventKind,
    FundingSource,
    ImpactCertification,
    Organisation,
    Phase,
    Startup,
)


def _absolute(serializer: serializers.Serializer, path: str) -> str:
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request else path


def _slugs(related) -> list[str]:
    return [o.slug for o in related.all()]


class ChoiceLabel(serializers.CharField):
    """The label of a choice field's value (get_FOO_display() without calling
    a method per row: DRF inspects every method it calls, a tenth of the time
    of a page of the API)."""

    def __init__(self, choices, **kwargs):
        self.labels = dict(choices)
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value) -> str:
        return str(self.labels.get(value, value))


class PhaseStepSerializer(serializers.Serializer):
    phase = serializers.ChoiceField(
        choices=Phase.choices, help_text="Identifiant de la phase."
    )
    label = ChoiceLabel(
        Phase.choices, source="phase", help_text="Nom de la phase, en français."
    )
    start = serializers.DateField(help_text="Date de début (AAAA-MM-JJ).")
    end = serializers.DateField(
        allow_null=True,
        help_text=(
            "Date de fin (AAAA-MM-JJ) ; null quand la phase dure jusqu'au début "
            "de la suivante ou jusqu'à aujourd'hui."
        ),
    )
    comment = serializers.CharField(help_text="Commentaire, souvent vide.")


class EventSerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text=(
            "Type d'événement : product_launch (lancement), committee (comité "
            "d'investissement), national_impact (impact national), fast "
            "(financement FAST), eig (entrepreneurs d'intérêt général), end (fin "
            "du service), other (autre)."
        )
    )
    label = ChoiceLabel(
        EventKind.choices, source="kind", help_text="Type d'événement, en français."
    )
    date = serializers.DateField(help_text="Date (AAAA-MM-JJ).")
    comment = serializers.CharField(help_text="Commentaire, souvent vide.")


class LinksSerializer(serializers.Serializer):
    website = serializers.CharField(
        help_text="Site du service ; vide s'il n'y en a pas."
    )
    repository = serializers.CharField(help_text="Dépôt du code source ; vide sinon.")
    stats = serializers.CharField(
        help_text="Statistiques d'usage publiques ; vide sinon."
    )
    budget = serializers.CharField(help_text="Page de budget ; vide sinon.")
    impact = serializers.CharField(help_text="Page de mesure d'impact ; vide sinon.")
    risk_analysis = serializers.CharField(
        help_text="Analyse de risques publiée ; vide sinon."
    )
    dashlord = serializers.CharField(help_text="Rapport Dashlord ; vide sinon.")


class FastSerializer(serializers.Serializer):
    promotion = serializers.IntegerField(help_text="Promotion FAST.")
    amount = serializers.IntegerField(help_text="Montant accordé, en euros.")


class CertificationSerializer(serializers.Serializer):
    impact_matrix = serializers.ChoiceField(
        choices=ImpactCertification.choices,
        help_text=(
            "Matrice d'impact : none (aucune), published (publiée), reviewed "
            "(revue par les coachs), certified (certifiée : impact national)."
        ),
    )
    impact_matrix_label = serializers.CharField(
        help_text="Niveau de la matrice d'impact, en français."
    )
    impact_matrix_on = serializers.DateField(
        allow_null=True, help_text="Date de ce niveau (AAAA-MM-JJ) ; null sinon."
    )
    national_impact = serializers.DateField(
        allow_null=True,
        help_text="Date du dernier événement « impact national » ; null sinon.",
    )
    fast = FastSerializer(
        allow_null=True, help_text="Financement FAST ; null s'il n'y en a pas."
    )


class CriterionSerializer(serializers.Serializer):
    key = serializers.ChoiceField(
        choices=list(transparency.KEYS), help_text="Identifiant du critère."
    )
    label = serializers.CharField(help_text="Critère, en français.")
    met = serializers.BooleanField(help_text="Si la fiche le remplit.")


class TransparencySerializer(serializers.Serializer):
    score = serializers.IntegerField(
        help_text="Part des critères remplis, en pourcentage (0 à 100)."
    )
    criteria = CriterionSerializer(many=True, help_text="Chaque critère.")


class StopSerializer(serializers.Serializer):
    reason = serializers.CharField(
        allow_null=True, help_text="Identifiant de la raison de l'arrêt ; null sinon."
    )
    reason_label = serializers.CharField(help_text="Raison de l'arrêt ; vide sinon.")
    comment = serializers.CharField(help_text="Explication ; vide sinon.")


class StartupSerializer(serializers.Serializer):
    id = serializers.CharField(
        source="slug",
        help_text=(
            "Identifiant de la startup, celui de beta.gouv.fr (il peut contenir "
            "points, majuscules et accents)."
        ),
    )
    url = serializers.SerializerMethodField(
        help_text="Adresse de cette fiche dans l'API."
    )
    html_url = serializers.SerializerMethodField(
        help_text="Adresse de la page de la startup sur le site."
    )
    title = serializers.CharField(help_text="Nom du service.")
    mission = serializers.CharField(help_text="Mission, en une phrase.")
    current_phase = serializers.CharField(
        help_text="Identifiant de la phase actuelle (vide si l'historique est vide)."
    )
    current_phase_label = ChoiceLabel(
        Phase.choices, source="current_phase", help_text="Phase actuelle, en français."
    )
    current_phase_start = serializers.DateField(
        allow_null=True, help_text="Début de la phase actuelle (AAAA-MM-JJ)."
    )
    incubator = serializers.CharField(
        source="incubator.slug", help_text="Identifiant de l'incubateur principal."
    )
    co_incubators = serializers.SerializerMethodField(
        help_text="Identifiants des autres incubateurs."
    )
    sponsors = serializers.SerializerMethodField(
        help_text="Identifiants des organisations sponsors (voir /api/v1/sponsors/)."
    )
    themes = serializers.SerializerMethodField(
        help_text="Identifiants des thématiques (voir /api/v1/themes/)."
    )
    audiences = serializers.SerializerMethodField(
        help_text="Identifiants des publics visés (voir /api/v1/audiences/)."
    )
    technologies = serializers.ListField(
        child=serializers.CharField(), help_text="Technologies employées."
    )
    accessibility_status = serializers.ChoiceField(
        choices=Startup.AccessibilityStatus.choices,
        help_text=(
            "Conformité au RGAA : fully (totale), partially (partielle), "
            "not_compliant (non conforme), not_assessed (non évaluée)."
        ),
    )
    contact = serializers.CharField(help_text="Adresse électronique de contact.")
    links = serializers.SerializerMethodField(help_text="Liens publics du service.")
    phases = PhaseStepSerializer(
        many=True, help_text="Historique des phases, dans l'ordre chronologique."
    )
    events = EventSerializer(many=True, help_text="Événements, par date.")
    certification = serializers.SerializerMethodField(
        help_text="Ce que certifie l'équipe nationale."
    )
    transparency = serializers.SerializerMethodField(
        help_text="Score de transparence de la fiche et ses critères."
    )
    stop = serializers.SerializerMethodField(
        help_text=(
            "Pourquoi le service s'est arrêté (abandon, investigation sans suite)."
        )
    )
    successor = serializers.CharField(
        source="successor_slug",
        allow_null=True,
        help_text=(
            "Identifiant de la startup qui l'a continué (pivot, fusion) ; null sinon."
        ),
    )
    updated_at = serializers.DateTimeField(
        help_text="Dernière mise à jour de la fiche (ISO 8601)."
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, startup) -> str:
        return _absolute(self, reverse("api:startup-detail", args=[startup.slug]))

    @extend_schema_field(OpenApiTypes.URI)
    def get_html_url(self, startup) -> str:
        return _absolute(self, startup.get_absolute_url())

    def get_co_incubators(self, startup) -> list[str]:
        return _slugs(startup.co_incubators)

    def get_sponsors(self, startup) -> list[str]:
        return _slugs(startup.sponsors)

    def get_themes(self, startup) -> list[str]:
        return _slugs(startup.themes)

    def get_audiences(self, startup) -> list[str]:
        return _slugs(startup.audiences)

    @extend_schema_field(LinksSerializer)
    def get_links(self, startup) -> dict[str, str]:
        return {
            "website": startup.website,
            "repository": startup.repository,
            "stats": startup.stats_address,
            "budget": startup.budget_url,
            "impact": startup.impact_url,
            "risk_analysis": startup.risk_analysis_url,
            "dashlord": startup.dashlord_url,
        }

    @extend_schema_field(CertificationSerializer)
    def get_certification(self, startup) -> dict:
        national = [e.date for e in startup.national_impact_events]
        fast = None
        if startup.fast_promotion is not None:
            fast = {"promotion": startup.fast_promotion, "amount": startup.fast_amount}
        return {
            "impact_matrix": startup.impact_certification,
            "impact_matrix_label": startup.get_impact_certification_display(),
            "impact_matrix_on": startup.impact_certification_on,
            "national_impact": max(national) if national else None,
            "fast": fast,
        }

    @extend_schema_field(TransparencySerializer)
    def get_transparency(self, startup) -> dict:
        return {
            "score": startup.transparency_score,
            "criteria": [
                {"key": c.key, "label": c.label, "met": c.met}
                for c in transparency.criteria_of(startup)
            ],
        }

    @extend_schema_field(StopSerializer)
    def get_stop(self, startup) -> dict:
        reason = startup.stop_reason
        return {
            "reason": reason.slug if reason else None,
            "reason_label": reason.label if reason else "",
            "comment": startup.stop_comment,
        }


class BudgetLineSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="Année.")
    category = serializers.CharField(
        source="category.slug",
        help_text=(
            "Identifiant de la catégorie (modèle de référence du réseau : "
            "product-management, development, design, coaching, "
            "deployment-support, hosting-tools, other…)."
        ),
    )
    category_label = serializers.CharField(
        source="category.label", help_text="Nom de la catégorie, en français."
    )
    amount = serializers.IntegerField(help_text="Montant, en euros (entier, ≥ 0).")
    kind = serializers.ChoiceField(
        choices=BudgetKind.choices,
        help_text="actual (réalisé) ou forecast (prévisionnel).",
    )
    source = serializers.ChoiceField(
        choices=FundingSource.choices,
        help_text=(
            "Source du financement : sponsor (une organisation sponsor, voir "
            "sponsor), incubator (l'incubateur), fast (le fonds FAST), other."
        ),
    )
    sponsor = serializers.CharField(
        source="sponsor.slug",
        allow_null=True,
        default=None,
        help_text=(
            "Identifiant de l'organisation qui finance (voir /api/v1/sponsors/) "
            "quand source vaut sponsor ; null sinon."
        ),
    )
    stated_on = serializers.DateField(help_text="Date du relevé (AAAA-MM-JJ).")


class IndicatorValueSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="Date de la valeur (AAAA-MM-JJ).")
    value = serializers.DecimalField(
        max_digits=24,
        decimal_places=6,
        coerce_to_string=False,
        normalize_output=True,
        help_text="Valeur (nombre décimal, six décimales au plus).",
    )


class IndicatorSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        source="pk", help_text="Identifiant de l'indicateur (ancre #indicator-<id>)."
    )
    label = serializers.CharField(help_text="Intitulé de l'indicateur.")
    unit = serializers.CharField(help_text="Unité (utilisateurs, %…) ; vide sinon.")
    description = serializers.CharField(help_text="Ce qu'il mesure ; vide sinon.")
    part = serializers.ChoiceField(
        choices=ImpactPart.choices,
        help_text=(
            "Partie de la matrice d'impact du réseau : usable (utilisable), used "
            "(utilisé), useful (utile), impactful (impactant), efficient "
            "(efficient)."
        ),
    )
    part_label = serializers.CharField(
        source="get_part_display", help_text="Partie de la matrice, en français."
    )
    periodicity = serializers.ChoiceField(
        choices=Periodicity.choices,
        help_text=(
            "Périodicité des valeurs : day, week, month, quarter, year (jour, "
            "semaine, mois, trimestre, année)."
        ),
    )
    source_url = serializers.CharField(
        help_text=(
            "Adresse des statistiques lisibles par machine d'où les valeurs sont "
            "reprises chaque jour ; vide si elles sont saisies par l'équipe."
        )
    )
    last_fetched_at = serializers.DateTimeField(
        allow_null=True,
        help_text=(
            "Dernière reprise réussie depuis cette adresse (ISO 8601) ; null sinon."
        ),
    )
    values = IndicatorValueSerializer(
        many=True, help_text="Valeurs datées, dans l'ordre chronologique."
    )


class StartupDetailSerializer(StartupSerializer):
    description = serializers.CharField(help_text="Présentation, en Markdown.")
    budget_lines = BudgetLineSerializer(
        many=True,
        help_text=(
            "Lignes de budget déclarées par l'équipe, par année et catégorie ; "
            "une seule ligne réalisée par année et catégorie."
        ),
    )
    indicators = IndicatorSerializer(
        many=True,
        help_text=(
            "Indicateurs d'impact, par partie de la matrice d'impact, avec leurs "
            "valeurs (vide si la fiche n'en a pas)."
        ),
    )


class IncubatorSerializer(serializers.Serializer):
    id = serializers.CharField(source="slug", help_text="Identifiant de l'incubateur.")
    url = serializers.SerializerMethodField(
        help_text="Adresse de cette fiche dans l'API."
    )
    html_url = serializers.SerializerMethodField(
        help_text="Adresse de la page de l'incubateur sur le site."
    )
    startups_url = serializers.SerializerMethodField(
        help_text="Ses startups dans l'API (incubateur principal ou co-incubateur)."
    )
    name = serializers.CharField(help_text="Nom.")
    short_description = serializers.CharField(help_text="Présentation courte.")
    owner = serializers.CharField(
        source="owner.slug",
        allow_null=True,
        default=None,
        help_text="Identifiant de l'organisation qui le porte (null si inconnue).",
    )
    website = serializers.CharField(help_text="Site ; vide s'il n'y en a pas.")
    source_code_url = serializers.CharField(
        help_text="Compte d'hébergement du code source ; vide sinon."
    )
    contact = serializers.CharField(help_text="Adresse électronique de contact.")
    address = serializers.CharField(help_text="Adresse postale.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, incubator) -> str:
        return _absolute(self, reverse("api:incubator-detail", args=[incubator.slug]))

    @extend_schema_field(OpenApiTypes.URI)
    def get_html_url(self, incubator) -> str:
        return _absolute(self, incubator.get_absolute_url())

    @extend_schema_field(OpenApiTypes.URI)
    def get_startups_url(self, incubator) -> str:
        return _catalogue_query(self, "incubator", incubator.slug)


class IncubatorDetailSerializer(IncubatorSerializer):
    description = serializers.CharField(help_text="Présentation, en Markdown.")


def _catalogue_query(serializer, parameter: str, value: str) -> str:
    path = reverse("api:startup-list") + "?" + urlencode({parameter: value})
    return _absolute(serializer, path)


class SponsorSerializer(serializers.Serializer):
    id = serializers.CharField(
        source="slug", help_text="Identifiant de l'organisation."
    )
    url = serializers.SerializerMethodField(
        help_text="Adresse de cette fiche dans l'API."
    )
    html_url = serializers.SerializerMethodField(
        help_text="Adresse de la page de l'organisation sur le site."
    )
    startups_url = serializers.SerializerMethodField(
        help_text="Les startups qu'elle sponsorise, dans l'API."
    )
    name = serializers.CharField(help_text="Nom.")
    acronym = serializers.CharField(help_text="Sigle ; vide s'il n'y en a pas.")
    kind = serializers.ChoiceField(
        choices=Organisation.Kind.choices,
        help_text="Type d'organisation.",
    )
    kind_label = ChoiceLabel(
        Organisation.Kind.choices,
        source="kind",
        help_text="Type d'organisation, en français.",
    )
    ministerial_domain = serializers.ChoiceField(
        choices=Organisation.MinisterialDomain.choices,
        help_text="Domaine ministériel.",
    )
    ministerial_domain_label = ChoiceLabel(
        Organisation.MinisterialDomain.choices,
        source="ministerial_domain",
        help_text="Domaine ministériel, en français.",
    )
    directory_url = serializers.CharField(
        help_text="Sa page dans l'annuaire de l'administration ; vide sinon."
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, organisation) -> str:
        return _absolute(self, reverse("api:sponsor-detail", args=[organisation.slug]))

    @extend_schema_field(OpenApiTypes.URI)
    def get_html_url(self, organisation) -> str:
        return _absolute(self, organisation.get_absolute_url())

    @extend_schema_field(OpenApiTypes.URI)
    def get_startups_url(self, organisation) -> str:
        return _catalogue_query(self, "sponsor", organisation.slug)


class TermSerializer(serializers.Serializer):
    id = serializers.CharField(source="slug", help_text="Identifiant.")
    label = serializers.CharField(help_text="Libellé.")
    startups_url = serializers.SerializerMethodField(
        help_text="Les startups qui portent ce terme, dans l'API."
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_startups_url(self, term) -> str:
        return _catalogue_query(self, self.context["parameter"], term.slug)


class PhaseSerializer(serializers.Serializer):
    id = serializers.CharField(source="value", help_text="Identifiant de la phase.")
    label = serializers.CharField(help_text="Nom de la phase, en français.")
    description = serializers.CharField(help_text="Ce qui se passe dans cette phase.")
    rank = serializers.IntegerField(
        help_text="Rang dans le cycle de vie, à partir de 0."
    )
    betagouv_name = serializers.SerializerMethodField(
        help_text="Nom de la phase dans les fichiers de beta.gouv.fr."
    )
    startups_url = serializers.SerializerMethodField(
        help_text="Les startups actuellement dans cette phase, dans l'API."
    )

    def get_betagouv_name(self, phase) -> str:
        return BETAGOUV_NAME_OF_PHASE[phase]

    @extend_schema_field(OpenApiTypes.URI)
    def get_startups_url(self, phase) -> str:
        return _catalogue_query(self, "phase", phase.value)
