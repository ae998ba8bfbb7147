"""The open-data API, /api/v1/: read-only JSON for start-ups, incubators,
sponsors, phases, themes and audiences, and its documentation page at /api/.

The start-up list reads its parameters through the catalogue's own
StartupFilter, so that the page, its CSV export and the API cannot disagree.
Where the page shows a message for a parameter it cannot use (an unknown
identifier, a year that is not a number) and lists what it can, the API answers
400 with the reasons: a script should learn that it asked for nothing."""

from __future__ import annotations

import functools

from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    OpenApiTypes,
    extend_schema,
)
from drf_spectacular.views import SpectacularAPIView
from rest_framework import viewsets
from rest_framework.decorators import api_view, schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from startups.api import serializers as s
from startups.api.http import add_open_data_headers, open_data
from startups.betagouv.writer import CLEAN_UPS
from startups.filters import MultipleValueField, MultipleValueFilter, StartupFilter
from startups.models import (
    Audience,
    FormerSlug,
    Incubator,
    Organisation,
    Phase,
    Startup,
    Theme,
)

INVALID_PARAMETERS = "Paramètres invalides : corrigez-les ou retirez-les."


def exception_handler(exc, context):
    """DRF's, with one shape for every 400: {"detail": …, "errors": {parameter:
    [reasons]}}."""
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError):
        errors = response.data if isinstance(response.data, dict) else {}
        response.data = {"detail": INVALID_PARAMETERS, "errors": errors}
    return response


# Parameters that take one value, and those whose value must be a whole number
# or one of a list: an empty value is none of these (the schema says so).
SINGLE_VALUED = ("q", "year", "sort", "page", "page_size")
WHOLE_NUMBERS = ("year", "page", "page_size")
# (hide_stopped: the schema says boolean, which an empty value is not.)
ENUMERATED = (
    "sort",
    "phase",
    "accessibility",
    "budget",
    "hide_stopped",
    "certification",
    "recognition",
)


def _reject_repeated_or_empty(request) -> None:
    """A parameter given twice, or a number or a listed value left empty, is
    refused rather than one value picked or the parameter dropped silently."""
    errors = {}
    for name in dict.fromkeys(SINGLE_VALUED + ENUMERATED):
        values = request.GET.getlist(name)
        if name in SINGLE_VALUED and len(values) > 1:
            errors[name] = [
                f"Paramètre donné {len(values)} fois, requête refusée : "
                "indiquez-le une seule fois."
            ]
        elif any(not v.strip() for v in values):
            wanted = (
                "un nombre entier" if name in WHOLE_NUMBERS else "une valeur admise"
            )
            errors[name] = [f"Valeur vide, requête refusée : indiquez {wanted}."]
    if errors:
        raise ValidationError(errors)


def filter_errors(form) -> dict[str, list[str]]:
    """What is wrong with each parameter, as the API refuses it (the page
    ignores such values and says so; the API names them and stops):
    {parameter: [reasons]}."""
    errors: dict[str, list[str]] = {}
    for name, field in form.fields.items():
        if not isinstance(field, MultipleValueField) or name not in form.data:
            continue
        cleaned = form.cleaned_data.get(name) or []
        kept = field.kept(cleaned)
        unknown = [v for v in field.to_python(form.data.getlist(name)) if v not in kept]
        if unknown:
            errors[name] = [
                "Valeur inconnue, requête refusée : "
                + ", ".join(f"« {v} »" for v in unknown)
                + "."
                + _known_values(name, field)
            ]
    for name, messages in form.errors.items():
        if name == "__all__":
            continue  # the unknown values above, worded for the page
        errors[name] = [str(message) for message in messages]
    return errors


def _known_values(name: str, field: MultipleValueField) -> str:
    if field.model is None:
        values = dict.fromkeys([*field.choices, *field.aliases])
        return " Valeurs admises : " + ", ".join(values) + "."
    if name not in _LIST_OF:
        # Technologies have no list of their own: the start-ups name them.
        return " Les identifiants admis sont ceux des technologies des start-ups."
    return f" Les identifiants admis sont ceux de /api/v1/{_LIST_OF[name]}/."


_LIST_OF = {
    "incubator": "incubators",
    "sponsor": "sponsors",
    "thematic": "themes",
    "usertype": "audiences",
}


# French, cacheable, open to every origin (startups.api.http.open_data). No
# docstrings on the view sets: the schema would show them as descriptions.
class OpenDataViewSet(viewsets.GenericViewSet):
    lookup_field = "slug"
    # beta.gouv.fr's identifiers hold dots, capitals and accents.
    lookup_value_regex = "[^/]+"

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        view = open_data(super().as_view(actions, **initkwargs))

        @functools.wraps(view)
        def checked(request, *args, **kwargs):
            # Before the cache, whose keys leave empty parameters out.
            try:
                _reject_repeated_or_empty(request)
            except ValidationError as exc:
                response = JsonResponse(
                    {"detail": INVALID_PARAMETERS, "errors": exc.detail},
                    status=400,
                    json_dumps_params={"ensure_ascii": False},
                )
                add_open_data_headers(response)
                return response
            return view(request, *args, **kwargs)

        return checked

    def paginated(self, rows, serializer_class, **context):
        page = self.paginate_queryset(rows)
        data = serializer_class(
            page, many=True, context={"request": self.request, **context}
        ).data
        return self.get_paginated_response(data)

    def one(self, row, serializer_class, **context):
        if row is None:
            raise NotFound("Aucune fiche publique n'a cet identifiant.")
        return Response(
            serializer_class(row, context={"request": self.request, **context}).data
        )


# The start-up list's parameters, as the documentation tells them; every
# StartupFilter parameter must have one (tests/test_api.py checks).
FILTER_DESCRIPTIONS = {
    "q": (
        "Recherche dans le nom, les anciens identifiants, la mission, la "
        "présentation, les thématiques, les sponsors et les technologies (200 "
        "caractères au plus) ; sans accents ni majuscules requis. Les résultats "
        "sont alors classés par pertinence (le nom exact d'abord), sauf avec "
        "sort ; si aucune start-up n'a ces mots, une faute de frappe est corrigée."
    ),
    "phase": (
        "Phase actuelle. Répétable : ?phase=construction&phase=acceleration. Les "
        "noms de beta.gouv.fr sont admis aussi (transfere = integration, opere = "
        "operated, abandon = abandoned, abandon-investigation = inconclusive…)."
    ),
    "incubator": (
        "Identifiant d'incubateur, principal ou co-incubateur (voir "
        "/api/v1/incubators/). Répétable."
    ),
    "sponsor": (
        "Identifiant d'organisation sponsor (voir /api/v1/sponsors/). Répétable."
    ),
    "thematic": "Identifiant de thématique (voir /api/v1/themes/). Répétable.",
    "usertype": "Identifiant de public visé (voir /api/v1/audiences/). Répétable.",
    "accessibility": (
        "Conformité au RGAA : fully (totale), partially (partielle), not_compliant "
        "(non conforme), not_assessed (non évaluée). Répétable."
    ),
    "technology": (
        "Identifiant de technologie (« react » pour React et react). Répétable."
    ),
    "budget": (
        "Budget publié : figures (des lignes de budget, dans la fiche), link (un "
        "lien vers un document de budget). Répétable : les deux donnent les "
        "fiches qui ont l'un ou l'autre."
    ),
    "certification": (
        "Niveau de la matrice d'impact : none (aucune), published (publiée), "
        "reviewed (revue par les coachs), certified (certifiée : impact "
        "national). Répétable."
    ),
    "recognition": (
        "Ce que l'équipe nationale a reconnu : national_impact (impact national), "
        "fast (financement FAST). Répétable : l'une ou l'autre."
    ),
    "hide_stopped": (
        "1 pour laisser de côté les services arrêtés (abandonnés, investigations "
        "non concluantes) ; par défaut, tout le catalogue."
    ),
    "year": ("Année de début (celle de la première phase), entre 1900 et 2999."),
    "sort": (
        "Ordre des résultats : name (par nom, par défaut), -updated (dernières "
        "mises à jour d'abord), -started (derniers commencés d'abord), phase (par "
        "phase du cycle de vie), -transparency (score de transparence le plus "
        "haut d'abord)."
    ),
}


# Bounds the filter enforces, stated in the schema.
PARAMETER_SCHEMAS = {
    "q": {"type": "string", "maxLength": 200},
    "year": {"type": "integer", "minimum": 1900, "maximum": 2999},
    "hide_stopped": OpenApiTypes.BOOL,
}


def startup_filter_parameters() -> list[OpenApiParameter]:
    parameters = []
    for name, filter_ in StartupFilter.base_filters.items():
        choices = filter_.extra.get("choices")
        enum = [value for value, _label in choices] if choices else None
        if enum is not None:
            enum += list(filter_.extra.get("aliases", {}))
        many = isinstance(filter_, MultipleValueFilter)
        parameters.append(
            OpenApiParameter(
                name,
                PARAMETER_SCHEMAS.get(name, OpenApiTypes.STR),
                OpenApiParameter.QUERY,
                description=FILTER_DESCRIPTIONS[name],
                enum=enum,
                many=many,
                explode=True if many else None,
            )
        )
    return parameters


BAD_REQUEST = OpenApiResponse(
    description=(
        "Paramètre refusé : identifiant ou valeur inconnus, année, page ou "
        "taille de page hors limites, texte trop long, caractère NUL… Le corps "
        "nomme chaque paramètre refusé et dit pourquoi : "
        '{"detail": "…", "errors": {"year": ["…"], "phase": ["Valeur inconnue, '
        'requête refusée : « x ». Valeurs admises : …"]}}.'
    )
)
NOT_FOUND = OpenApiResponse(description="Aucune fiche publique n'a cet identifiant.")
IDENTIFIER = OpenApiParameter(
    "slug",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description=(
        "Identifiant (champ id des listes), encodé dans l'adresse : il peut "
        "contenir points, majuscules et accents."
    ),
)


class StartupViewSet(OpenDataViewSet):
    serializer_class = s.StartupSerializer
    queryset = Startup.objects.none()

    @extend_schema(
        summary="Liste des startups d'État",
        description=(
            "Les startups publiées, filtrées par les mêmes paramètres que le "
            "catalogue (/startups/), paginées (page, page_size) avec leur "
            "nombre total (count). Un identifiant inconnu ou une valeur "
            "invalide donne une erreur 400 qui les énumère (la page du "
            "catalogue, elle, les ignore en le signalant)."
        ),
        parameters=startup_filter_parameters(),
        responses={200: s.StartupSerializer(many=True), 400: BAD_REQUEST},
    )
    def list(self, request):
        startups = StartupFilter(
            request.GET,
            queryset=Startup.objects.for_api(),
            # The page's own request, on which the catalogue version is read.
            request=request._request,
        )
        if not startups.is_valid():
            raise ValidationError(filter_errors(startups.form))
        return self.paginated(startups.rows(), s.StartupSerializer)

    @extend_schema(
        summary="Fiche d'une startup d'État",
        description=(
            "Avec son historique de phases, ses événements, ses liens et ses "
            "lignes de budget (budget_lines, vide si l'équipe ne publie pas ses "
            "chiffres ; links.budget donne alors son document de budget, s'il y "
            "en a un) et ses indicateurs d'impact avec leurs valeurs datées. Un "
            "ancien identifiant redirige (301) vers l'actuel."
        ),
        responses={200: s.StartupDetailSerializer, 404: NOT_FOUND},
        parameters=[IDENTIFIER],
    )
    def retrieve(self, request, slug):
        startup = Startup.objects.for_api_detail().filter(slug=slug).first()
        if startup is None:
            new_slug = (
                FormerSlug.objects.filter(slug=slug, startup__is_published=True)
                .values_list("startup__slug", flat=True)
                .first()
            )
            if new_slug is not None:
                return redirect(
                    reverse("api:startup-detail", args=[new_slug]), permanent=True
                )
        return self.one(startup, s.StartupDetailSerializer)


class IncubatorViewSet(OpenDataViewSet):
    serializer_class = s.IncubatorSerializer
    queryset = Incubator.objects.none()

    @extend_schema(
        summary="Liste des incubateurs",
        description="Les incubateurs affichés sur le site, par nom.",
        responses={200: s.IncubatorSerializer(many=True), 400: BAD_REQUEST},
    )
    def list(self, request):
        return self.paginated(
            Incubator.objects.for_incubator_list(), self.serializer_class
        )

    @extend_schema(
        summary="Fiche d'un incubateur",
        responses={200: s.IncubatorDetailSerializer, 404: NOT_FOUND},
        parameters=[IDENTIFIER],
    )
    def retrieve(self, request, slug):
        incubator = Incubator.objects.select_related("owner").filter(slug=slug)
        return self.one(incubator.first(), s.IncubatorDetailSerializer)


class SponsorViewSet(OpenDataViewSet):
    serializer_class = s.SponsorSerializer
    queryset = Organisation.objects.none()

    @extend_schema(
        summary="Liste des organisations",
        description=(
            "Les organisations publiques qui sponsorisent des startups ou portent "
            "un incubateur, par nom."
        ),
        responses={200: s.SponsorSerializer(many=True), 400: BAD_REQUEST},
    )
    def list(self, request):
        return self.paginated(
            Organisation.objects.order_by("name", "pk"), self.serializer_class
        )

    @extend_schema(
        summary="Fiche d'une organisation",
        responses={200: s.SponsorSerializer, 404: NOT_FOUND},
        parameters=[IDENTIFIER],
    )
    def retrieve(self, request, slug):
        organisation = Organisation.objects.filter(slug=slug).first()
        return self.one(organisation, self.serializer_class)


class TermViewSet(OpenDataViewSet):
    serializer_class = s.TermSerializer
    model: type[Theme] | type[Audience]
    parameter: str  # the StartupFilter parameter that selects by this term

    def list(self, request):
        return self.paginated(
            self.model.objects.order_by("label", "pk"),
            self.serializer_class,
            parameter=self.parameter,
        )

    def retrieve(self, request, slug):
        term = self.model.objects.filter(slug=slug).first()
        return self.one(term, self.serializer_class, parameter=self.parameter)


class ThemeViewSet(TermViewSet):
    queryset = Theme.objects.none()
    model = Theme
    parameter = "thematic"

    @extend_schema(
        summary="Liste des thématiques",
        responses={200: s.TermSerializer(many=True), 400: BAD_REQUEST},
    )
    def list(self, request):
        return super().list(request)

    @extend_schema(
        summary="Une thématique",
        responses={200: s.TermSerializer, 404: NOT_FOUND},
        parameters=[IDENTIFIER],
    )
    def retrieve(self, request, slug):
        return super().retrieve(request, slug)


class AudienceViewSet(TermViewSet):
    queryset = Audience.objects.none()
    model = Audience
    parameter = "usertype"

    @extend_schema(
        summary="Liste des publics visés",
        responses={200: s.TermSerializer(many=True), 400: BAD_REQUEST},
    )
    def list(self, request):
        return super().list(request)

    @extend_schema(
        summary="Un public visé",
        responses={200: s.TermSerializer, 404: NOT_FOUND},
        parameters=[IDENTIFIER],
    )
    def retrieve(self, request, slug):
        return super().retrieve(request, slug)


class PhaseViewSet(OpenDataViewSet):
    serializer_class = s.PhaseSerializer
    queryset = Startup.objects.none()

    @extend_schema(
        summary="Les phases du cycle de vie",
        description="Dans l'ordre du cycle de vie d'une startup d'État.",
        responses={200: s.PhaseSerializer(many=True), 400: BAD_REQUEST},
    )
    def list(self, request):
        return self.paginated(list(Phase), self.serializer_class)

    @extend_schema(
        summary="Une phase",
        responses={200: s.PhaseSerializer, 404: NOT_FOUND},
        parameters=[IDENTIFIER],
    )
    def retrieve(self, request, slug):
        phase = Phase(slug) if slug in Phase.values else None
        return self.one(phase, self.serializer_class)


@api_view(["GET"])
@schema(None)
def api_root(request):
    def link(name):
        return request.build_absolute_uri(reverse(name))

    return Response(
        {
            "startups": link("api:startup-list"),
            "incubators": link("api:incubator-list"),
            "sponsors": link("api:sponsor-list"),
            "phases": link("api:phase-list"),
            "themes": link("api:theme-list"),
            "audiences": link("api:audience-list"),
            "schema": link("api:schema"),
            "documentation": link("api:documentation"),
        }
    )


api_root = open_data(api_root)


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema, in JSON (YAML with Accept: application/yaml)."""

    renderer_classes = [OpenApiJsonRenderer, *SpectacularAPIView.renderer_classes]


schema_view = open_data(SchemaView.as_view())


# Documentation page


@functools.cache
def _schema() -> dict:
    with translation.override("fr"):
        return SchemaGenerator().get_schema(request=None, public=True)


def _type_of(schema_: dict, components: dict) -> str:
    if "$ref" in schema_:
        name = schema_["$ref"].rsplit("/", 1)[-1]
        return "objet " + name if name in components else "objet"
    if "allOf" in schema_:
        return _type_of(schema_["allOf"][0], components)
    kind = schema_.get("type", "objet")
    if kind == "array":
        return "liste de " + _type_of(schema_.get("items", {}), components)
    names = {
        "string": "texte",
        "integer": "entier",
        "boolean": "booléen",
        "object": "objet",
        "number": "nombre",
    }
    text = names.get(kind, kind)
    if schema_.get("format") == "date":
        text = "date"
    elif schema_.get("format") == "date-time":
        text = "date et heure"
    elif schema_.get("format") == "uri":
        text = "adresse web"
    if schema_.get("nullable"):
        text += " ou null"
    return text


def documentation_context() -> dict:
    """The schema, arranged for the documentation page."""
    schema_ = _schema()
    components = schema_.get("components", {}).get("schemas", {})
    operations = []
    for path, methods in schema_["paths"].items():
        for method, op in methods.items():
            parameters = []
            for p in op.get("parameters", []):
                p_schema = p.get("schema", {})
                enum = p_schema.get("enum") or p_schema.get("items", {}).get("enum")
                parameters.append(
                    {
                        "name": p["name"],
                        "location": "chemin" if p["in"] == "path" else "requête",
                        "type": _type_of(p_schema, components),
                        "required": p.get("required", False),
                        "description": p.get("description", ""),
                        "enum": [v for v in enum or [] if v],
                    }
                )
            operations.append(
                {
                    "id": op["operationId"],
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": parameters,
                    "responses": [
                        {"status": status, "description": r.get("description", "")}
                        for status, r in op.get("responses", {}).items()
                    ],
                }
            )
    models = []
    for name, component in components.items():
        if name.startswith("Paginated") or "properties" not in component:
            continue
        models.append(
            {
                "name": name,
                "fields": [
                    {
                        "name": field,
                        "type": _type_of(spec, components),
                        "description": spec.get("description", ""),
                        "enum": [v for v in spec.get("enum", []) if v],
                    }
                    for field, spec in component["properties"].items()
                ],
            }
        )
    return {
        "operations": operations,
        "models": models,
        "info": schema_["info"],
        "clean_ups": CLEAN_UPS,
    }


def documentation(request):
    """/api/: the API's documentation, written from its OpenAPI schema, in
    French only."""
    with translation.override("fr"):
        response = render(request, "api/documentation.html", documentation_context())
    return response
