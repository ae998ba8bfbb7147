"""A fictitious catalogue for demos and load tests: invented services, incubators
and sponsors, written in bulk and always the same for a given seed.

Every name, mission and description is composed here from word lists; nothing is
taken from the real network's data."""

from __future__ import annotations

import random
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import count
from operator import attrgetter
from types import SimpleNamespace
from typing import Any, NamedTuple

from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext

from startups.demo_results import fill_results
from startups.history import save_sheet_versions
from startups.models import (
    AccessibilityStatus,
    Audience,
    Event,
    EventKind,
    FormerSlug,
    Incubator,
    MinisterialDomain,
    Organisation,
    OrganisationKind,
    Phase,
    Startup,
    StartupPhase,
    Theme,
    current_phase_entry,
)
from startups.search import SEARCH_INDEXES, search_fields_of
from startups.services import catalogue_write, refresh_technologies

# "Today" for the generator: a fixed date, so that a seed gives the same catalogue
# whatever the day it runs.
REFERENCE_DATE = date(2026, 6, 30)
FIRST_START = date(2015, 1, 1)
FAST_FIRST_DAY = date(2019, 7, 1)
DEMO_DOMAIN = "demo.beta.gouv.fr"
# Start-ups are built and written this many at a time, so memory stays bounded.
CHUNK_SIZE = 5_000
BATCH_SIZE = 5_000
# From this many start-ups, a load rebuilds the full-text index at the end.
BULK_LOAD_MIN = 10_000

# The word lists are text tables: short to read, and the formatter leaves them be.

# A theme (label; ministerial domain; words for titles), then what its services'
# users want to do: infinitives that read after "aider les jeunes à".
_SECTORS = """
Logement; territoires; Logement, Habitat, Loyer, Colocation
    trouver un logement adapté à leurs revenus
    constituer un dossier de location complet
    signaler un logement indigne
    financer la rénovation de leur habitat
Emploi; travail; Emploi, Embauche, Recrutement, Métiers
    trouver une offre d'emploi près de chez eux
    préparer un entretien d'embauche
    recruter sans intermédiaire
    découvrir les métiers qui recrutent
Formation professionnelle; travail; Formation, Apprentissage, Compétences, Stage
    choisir une formation financée
    trouver un contrat d'apprentissage
    faire reconnaître leurs compétences
    décrocher un stage
Santé; solidarite-sante; Santé, Soins, Prévention, Vaccins
    trouver un professionnel de santé disponible
    suivre leurs rendez-vous de prévention
    comprendre leurs remboursements
    participer à un dépistage
Solidarités; solidarite-sante; Solidarité, Entraide, Aidants, Autonomie
    connaître les aides auxquelles ils ont droit
    trouver une solution de répit
    demander une aide à domicile
    rejoindre un réseau d'entraide
Éducation; education; École, Collège, Devoirs, Orientation
    préparer la rentrée scolaire
    suivre la scolarité d'un enfant
    trouver une aide aux devoirs
    choisir une orientation après la troisième
Enseignement supérieur et recherche; enseignement-sup; Campus, Recherche, Thèse, Bourse
    demander une bourse d'études
    trouver un logement étudiant
    partager des données de recherche
    financer un projet de thèse
Environnement; environnement; Climat, Biodiversité, Déchets, Rivières
    mesurer l'empreinte carbone de leur activité
    signaler une atteinte à la biodiversité
    trier et réduire leurs déchets
    suivre la qualité de l'eau près de chez eux
Énergie; environnement; Énergie, Rénovation, Chauffage, Solaire
    réduire leur facture d'énergie
    trouver un artisan pour une rénovation énergétique
    changer de mode de chauffage
    installer des panneaux solaires
Mobilités; environnement; Mobilité, Transport, Covoiturage, Vélo
    se déplacer sans voiture
    organiser un covoiturage domicile-travail
    préparer leur permis de conduire
    trouver un transport adapté
Agriculture; agriculture; Agriculture, Ferme, Récolte, Élevage
    déclarer leurs surfaces cultivées
    trouver des terres à reprendre
    demander une aide à l'installation
    suivre la santé de leur troupeau
Alimentation; agriculture; Cantine, Alimentation, Repas, Marché
    servir des produits locaux à la cantine
    limiter le gaspillage alimentaire
    vendre en circuit court
    accéder à une aide alimentaire
Justice; justice; Justice, Droit, Médiation, Tribunal
    comprendre leurs droits
    préparer une audience
    trouver un médiateur
    suivre une procédure judiciaire
Sécurité; interieur; Sécurité, Secours, Vigilance, Sinistre
    déclarer un sinistre
    se préparer aux risques naturels
    porter plainte en ligne
    alerter les secours
Entreprises; bercy; Entreprise, Commerce, Artisanat, Export
    créer leur entreprise
    répondre à un marché public
    trouver un repreneur
    vendre à l'étranger
Fiscalité; bercy; Impôts, Fiscalité, Taxes, Budget
    déclarer leurs revenus
    estimer leurs impôts locaux
    payer une amende
    suivre le budget de leur commune
Consommation; bercy; Conso, Achats, Garantie, Réclamation
    faire valoir une garantie
    signaler une pratique commerciale abusive
    comparer des offres
    résilier un abonnement
Culture; culture; Culture, Patrimoine, Musée, Lecture
    réserver une sortie culturelle
    découvrir le patrimoine de leur région
    emprunter des livres
    financer un projet artistique
Sport; sport; Sport, Club, Piscine, Randonnée
    trouver un club près de chez eux
    réserver un équipement sportif
    organiser un événement sportif
    reprendre une activité physique
Numérique; spm; Numérique, Données, Connexion, Code
    publier des données ouvertes
    sécuriser leurs services en ligne
    se former aux outils numériques
    partager du code source
Collectivités; territoires; Mairie, Commune, Village, Quartier
    tenir l'état civil de leur commune
    consulter les habitants
    entretenir la voirie
    signaler un problème dans leur quartier
Citoyenneté; interieur; Citoyen, Élections, Papiers, Identité
    s'inscrire sur les listes électorales
    renouveler leurs papiers d'identité
    participer à une consultation publique
    devenir bénévoles
Outre-mer; outre-mer; Outre-mer, Îles, Lagon, Océan
    préparer un séjour en métropole
    protéger le littoral
    accéder aux services publics à distance
    développer une activité locale
International; affaires-etrangeres; Visa, Consulat, Expatriés, Voyage
    demander un visa
    préparer une expatriation
    voyager en sécurité
    joindre leur consulat
Défense et mémoire; armees; Défense, Réserve, Mémoire, Vétérans
    rejoindre la réserve
    retrouver l'histoire d'un ancêtre combattant
    préparer une reconversion
    faire valoir leurs droits d'ancien combattant
Vie associative; autres; Association, Bénévolat, Subvention, Engagement
    demander une subvention
    trouver des bénévoles
    déclarer leur association
    s'engager dans un service civique
"""

# kind; ministerial domain; name. Acronyms are made from the names.
_ORGANISATIONS = """
administration-centrale; agriculture; Direction générale des Haies et Bocages
operateur; agriculture; Agence nationale des Filières d'élevage
administration-centrale; environnement; Délégation interministérielle à la Sobriété
operateur; environnement; Office national des Milieux aquatiques
administration-centrale; environnement; Direction générale des Mobilités douces
operateur; bercy; Agence nationale des Très Petites Entreprises
administration-centrale; bercy; Délégation interministérielle à l'Achat local
operateur; bercy; Office national des Recettes locales
administration-centrale; culture; Direction générale du Patrimoine vivant
operateur; culture; Agence nationale de la Lecture publique
administration-centrale; education; Délégation interministérielle à la Vie scolaire
operateur; education; Office national du Numérique éducatif
administration-centrale; enseignement-sup; Direction générale de la Vie étudiante
operateur; enseignement-sup; Agence nationale des Données de la recherche
administration-centrale; interieur; Délégation interministérielle à la Vigilance
operateur; interieur; Office national des Titres simplifiés
administration-centrale; justice; Direction générale de l'Accès au droit
operateur; justice; Agence nationale de la Médiation de proximité
administration-centrale; outre-mer; Délégation interministérielle aux Lagons
operateur; outre-mer; Office national du Développement ultramarin
administration-centrale; solidarite-sante; Direction générale de la Prévention
operateur; solidarite-sante; Agence nationale de l'Autonomie à domicile
administration-centrale; solidarite-sante; Délégation aux Solidarités familiales
operateur; spm; Office national de l'Administration agile
administration-centrale; spm; Direction générale des Services numériques partagés
operateur; sport; Agence nationale du Sport pour tous
administration-centrale; sport; Délégation interministérielle aux Équipements sportifs
operateur; travail; Office national de l'Insertion professionnelle
administration-centrale; travail; Direction générale des Métiers en tension
operateur; territoires; Agence nationale de l'Habitat partagé
administration-centrale; territoires; Délégation aux Territoires ruraux
operateur; territoires; Office national des Quartiers en transition
administration-centrale; affaires-etrangeres; Direction générale des Français expatriés
operateur; affaires-etrangeres; Agence nationale de la Coopération culturelle
administration-centrale; armees; Délégation interministérielle aux Réservistes
operateur; armees; Office national de la Mémoire combattante
securite-sociale; travail; Caisse nationale de Prévoyance des Saisonniers
securite-sociale; solidarite-sante; Caisse commune des Aidants
securite-sociale; bercy; Caisse de Solidarité des Indépendants
securite-sociale; solidarite-sante; Mutuelle publique des Artisans
autre; territoires; Groupement d'intérêt public des Tiers-lieux ruraux
autre; culture; Groupement d'intérêt public des Archives partagées
service-deconcentre; interieur; Préfecture des Monts-de-Brume
service-deconcentre; interieur; Préfecture du Val-d'Argence
service-deconcentre; solidarite-sante; Direction régionale des Solidarités d'Ajoncs
service-deconcentre; territoires; Direction départementale des Territoires de Vézeronce
service-deconcentre; education; Rectorat de l'académie de Villebrune
service-deconcentre; agriculture; Direction régionale de l'Agriculture de Sorel
service-deconcentre; bercy; Direction régionale de l'Économie de Port-Amarre
service-deconcentre; sport; Délégation régionale au Sport de Morlanges
collectivite-territoriale; territoires; Département des Monts-de-Brume
collectivite-territoriale; territoires; Département du Val-d'Argence
collectivite-territoriale; territoires; Département de Haute-Vézeronce
collectivite-territoriale; territoires; Région Côte-des-Ajoncs
collectivite-territoriale; territoires; Métropole de Villebrune
collectivite-territoriale; territoires; Métropole de Port-Amarre
collectivite-territoriale; territoires; Ville de Castelverd
collectivite-territoriale; territoires; Ville de Saint-Élouan
collectivite-territoriale; territoires; Communauté de communes de la Plaine de Sorel
collectivite-territoriale; territoires; Communauté d'agglomération de Morlanges
"""

# ministerial domain; name (its owner is the domain's first organisation above)
_INCUBATORS = """
territoires; Fabrique numérique des Territoires
solidarite-sante; Atelier numérique des Solidarités
environnement; Incubateur des Mobilités douces
education; Laboratoire d'innovation de la Vie scolaire
enseignement-sup; Fabrique des Campus connectés
environnement; Incubateur de la Transition écologique locale
agriculture; Atelier des Filières agricoles
travail; Fabrique numérique de l'Emploi
justice; Incubateur de l'Accès au droit
interieur; Atelier numérique de la Vigilance civile
bercy; Fabrique des Très Petites Entreprises
bercy; Incubateur des Finances locales
culture; Atelier du Patrimoine vivant
sport; Incubateur du Sport pour tous
outre-mer; Fabrique numérique des Océans
affaires-etrangeres; Incubateur des Français expatriés
armees; Atelier numérique de la Réserve
solidarite-sante; Laboratoire de la Santé de proximité
spm; Fabrique interministérielle des Données
autres; Incubateur des Services publics de demain
"""
_TOWNS = "Villebrune; Port-Amarre; Castelverd; Saint-Élouan; Morlanges".split("; ")

# Plural audiences: each reads after "les", "aux" and "des".
AUDIENCES = (
    "Particuliers; Entreprises; Collectivités territoriales; Agents publics; Jeunes; "
    "Étudiants; Agriculteurs; Associations; Professionnels de santé; "
    "Demandeurs d'emploi; Seniors; Élus locaux"
).split("; ")

# Service nouns with the possessive that goes before them; adjectives that agree
# with all of them; who a service is for; where.
NOUNS = [
    tuple(pair.split())
    for pair in (
        "Mon Aide; Mon Dossier; Mon Signal; Mon Pass; Mon Portail; Mon Guichet; "
        "Mon Carnet; Ma Boussole; Mon Radar; Mon Simulateur; Mon Annuaire; Ma Carte; "
        "Mon Agenda; Ma Trousse; Mon Kit; Mon Réseau; Mon Relais; Ma Plateforme; "
        "Ma Démarche; Mon Suivi; Mon Espace; Mon Chèque; Mon Appli; Mon Compas; "
        "Mon Fil; Mon Repère; Mon Tableau; Mon Registre; Mon Atlas; Mon Diag; "
        "Ma Boîte; Ma Passerelle; Mon Point; Mon Coffre; Ma Balise; Mon Tremplin; "
        "Mon Parcours; Ma Base; Ma Fiche; Mon Alerte"
    ).split("; ")
]
ADJECTIVES = (
    "Facile Simple Rapide Pratique Express Solidaire Utile Agile Mobile Fiable "
    "Lisible Zen Flash Pro Plus"
).split()
PUBLICS = (
    "Jeunes Seniors Pros Familles Étudiants Agriculteurs Élus Agents Artisans Parents "
    "Locataires Voyageurs Bénévoles Patients Apprentis Commerçants Retraités "
    "Saisonniers Éleveurs Riverains"
).split()
PLACES = (
    "Littoral Montagne Ruralité Quartiers Territoires Métropole Campagne Vallée "
    "Bocage Banlieue Centre-ville Frontière Plaine Estuaire Causses"
).split()

MISSIONS = (
    "Permettre {aux} {de_action}{complement}.",
    "Aider {les} à {action}{complement}.",
    "Donner {aux} un moyen simple {de_action}{complement}.",
    "Simplifier la vie {des} qui veulent {action}.",
    "Accompagner {les} pour {action}{complement}.",
)
COMPLEMENTS = (
    "",
    "",
    " en quelques minutes",
    " sans se déplacer",
    " depuis leur téléphone",
    " sans fournir deux fois les mêmes informations",
    " au bon moment",
    " sans attendre un rendez-vous",
    " avec l'aide d'un conseiller si besoin",
)
PROBLEMS = (
    "Aujourd'hui, {les} qui veulent {action} doivent passer par {channel}.",
    "Beaucoup {de_audience} renoncent à {action} : l'information est dispersée "
    "entre {channel}.",
    "Pour {action}, {les} perdent du temps avec {channel}.",
)
CHANNELS = (
    "des formulaires papier; plusieurs guichets; des échanges de courriels; "
    "des tableurs partagés; des sites qui se contredisent; "
    "un standard téléphonique saturé"
).split("; ")
SOLUTIONS = (
    "{title} réunit au même endroit tout ce qu'il faut savoir et guide pas à pas.",
    "{title} propose un parcours en ligne court, testé avec ses usagers.",
    "{title} remplace {channel} par un service en ligne simple.",
)
FEATURES = (
    "un simulateur pour connaître ses droits; le suivi du dossier en temps réel; "
    "des rappels par SMS ou par courriel; un tableau de bord pour les agents; "
    "une carte des lieux d'accueil; des données ouvertes réutilisables; "
    "un formulaire prérempli avec les informations déjà connues; "
    "une messagerie avec un conseiller; des statistiques d'usage publiques; "
    "une version qui fonctionne hors connexion"
).split("; ")
TECHNOLOGIES = (
    "Django; React; Vue.js; PostgreSQL; Ruby on Rails; Node.js; TypeScript; "
    "Metabase; Python; DSFR"
).split("; ")
EVENT_COMMENTS = {
    EventKind.PRODUCT_LAUNCH: "Ouverture du service au public.",
    EventKind.COMMITTEE: "Comité d'investissement : poursuite validée.",
    EventKind.NATIONAL_IMPACT: "Déploiement sur tout le territoire.",
    EventKind.FAST: "Financement FAST obtenu.",
    EventKind.EIG: "Arrivée d'entrepreneurs d'intérêt général dans l'équipe.",
    EventKind.END: "Arrêt du service.",
    EventKind.OTHER: "Présentation du service lors d'une journée portes ouvertes.",
}
# The kinds drawn for the other events: committees and launches twice as often.
_EVENT_KINDS = (
    *(EventKind.COMMITTEE, EventKind.PRODUCT_LAUNCH) * 2,
    EventKind.NATIONAL_IMPACT,
    EventKind.EIG,
    EventKind.OTHER,
)

# Where a phase may lead, with cumulative weights: along the life cycle, stopped by
# an inconclusive investigation or an abandon, or left by integration or operation.
NEXT_PHASES = {
    Phase.INVESTIGATION: ((Phase.CONSTRUCTION, Phase.INCONCLUSIVE), (85, 100)),
    Phase.CONSTRUCTION: ((Phase.ACCELERATION, Phase.ABANDONED), (88, 100)),
    Phase.ACCELERATION: ((Phase.CONSOLIDATION, Phase.ABANDONED), (90, 100)),
    Phase.CONSOLIDATION: (
        (Phase.INTEGRATION, Phase.OPERATED, Phase.ABANDONED),
        (50, 92, 100),
    ),
}
_ACCESSIBILITY = (
    (
        AccessibilityStatus.NOT_ASSESSED,
        AccessibilityStatus.PARTIALLY_COMPLIANT,
        AccessibilityStatus.NOT_COMPLIANT,
        AccessibilityStatus.FULLY_COMPLIANT,
    ),
    (50, 80, 92, 100),
)


class Sector(NamedTuple):
    theme: str
    domain: MinisterialDomain
    words: list[str]
    actions: list[str]


def _sectors(text: str) -> list[Sector]:
    sectors = []
    for line in text.strip().splitlines():
        if line.startswith(" "):
            sectors[-1].actions.append(line.strip())
        else:
            theme, domain, words = line.split("; ")
            sectors.append(
                Sector(theme, MinisterialDomain(domain), words.split(", "), [])
            )
    return sectors


SECTORS = _sectors(_SECTORS)
ORGANISATIONS = [
    (OrganisationKind(kind), MinisterialDomain(domain), name)
    for kind, domain, name in (
        line.split("; ") for line in _ORGANISATIONS.strip().splitlines()
    )
]
INCUBATORS = [
    (MinisterialDomain(domain), name)
    for domain, name in (line.split("; ") for line in _INCUBATORS.strip().splitlines())
]
_LITTLE_WORDS = {"a", "au", "aux", "d", "de", "des", "du", "en", "et", "l", "la", "le"}


def _acronym(name: str) -> str:
    words = slugify(name.replace("'", " ")).split("-")
    return "".join(w[0].upper() for w in words if w not in _LITTLE_WORDS)


@dataclass(frozen=True)
class DemoSummary:
    startups: int
    phases: int
    events: int
    links: int  # rows of the sponsor, theme, audience and co-incubator tables
    incubators_created: int
    organisations_created: int
    themes_created: int
    audiences_created: int

    def __str__(self) -> str:
        return (
            f"{self.startups} start-ups, {self.phases} phases, {self.events} events, "
            f"{self.links} links; created {self.incubators_created} incubators, "
            f"{self.organisations_created} organisations, {self.themes_created} "
            f"themes, {self.audiences_created} audiences"
        )


def seed_demo(*, startups: int, seed: int = 1, history: bool = True) -> DemoSummary:
    """Add `startups` fictitious start-ups after those the database holds, with
    the incubators, organisations, themes and audiences they use (reused when
    their slugs exist). The same seed on the same database gives the same rows.
    Each new sheet gets a complete first version in its history (`history`)."""
    if startups < 0:
        raise ValueError(f"startups must be 0 or more, not {startups}")
    rng = random.Random(seed)
    with transaction.atomic(), catalogue_write(), _bulk_load(startups):
        vocabulary = _Vocabulary()
        # Explicit primary keys: the children's rows are built without reading
        # ids back, the same way on SQLite and PostgreSQL.
        next_pk = (Startup.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        names = _Names(
            slugs=[
                *Startup.objects.values_list("slug", flat=True),
                *FormerSlug.objects.values_list("slug", flat=True),
            ],
            titles=Startup.objects.values_list("title", flat=True),
        )
        with _Writer() as writer:
            for first in range(next_pk, next_pk + startups, CHUNK_SIZE):
                chunk = _Chunk()
                for pk in range(first, min(first + CHUNK_SIZE, next_pk + startups)):
                    _build_startup(rng, pk, vocabulary, names, chunk)
                writer.write(chunk)
        totals = writer.totals
        # The technology facet's entries (services.refresh_technologies).
        refresh_technologies(
            Startup.objects.filter(pk__gte=next_pk).only("pk", "technologies")
        )
        fill_results(range(next_pk, next_pk + startups), seed=seed)
        if history:
            # Each new sheet's history starts with a complete version of it.
            save_sheet_versions(
                range(next_pk, next_pk + startups), comment=gettext("Demo data")
            )
        # PostgreSQL's id sequence did not see the explicit keys.
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Startup]):
                cursor.execute(sql)
    return DemoSummary(startups=startups, **totals, **vocabulary.created)


class _Vocabulary:
    """The demo's incubators, organisations, themes and audiences, created unless
    their slugs exist, as ids in the order of the tables above."""

    def __init__(self):
        self.created = {}
        # Rows by model and id, as the database has them (for search texts).
        self.rows: dict[type, dict[int, Any]] = {}
        self.organisations = self._ensure(
            Organisation,
            [
                {
                    "slug": slugify(name),
                    "name": name,
                    "kind": kind,
                    "ministerial_domain": domain,
                    "acronym": _acronym(name) if kind in _ACRONYM_KINDS else "",
                }
                for kind, domain, name in ORGANISATIONS
            ],
        )
        owner_of = {}
        for (_, domain, _), pk in zip(ORGANISATIONS, self.organisations, strict=True):
            owner_of.setdefault(domain, pk)
        self.incubators = self._ensure(
            Incubator,
            [
                _incubator(i, name, owner_of.get(domain))
                for i, (domain, name) in enumerate(INCUBATORS)
            ],
        )
        self.themes = self._ensure(
            Theme, [{"slug": slugify(s.theme), "label": s.theme} for s in SECTORS]
        )
        self.audiences = self._ensure(
            Audience, [{"slug": slugify(label), "label": label} for label in AUDIENCES]
        )
        # Per sector, the incubators and sponsors of its ministerial domain.
        self.incubators_of = self._by_domain(
            self.incubators, [domain for domain, _ in INCUBATORS]
        )
        self.sponsors_of = self._by_domain(
            self.organisations, [domain for _, domain, _ in ORGANISATIONS]
        )

    def _ensure(self, model, specs: list[dict]) -> list[int]:
        slugs = [spec["slug"] for spec in specs]
        known = set(model.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        missing = [model(**spec) for spec in specs if spec["slug"] not in known]
        model.objects.bulk_create(missing, batch_size=BATCH_SIZE)
        self.created[f"{model._meta.model_name}s_created"] = len(missing)
        rows = model.objects.in_bulk(slugs, field_name="slug")
        self.rows[model] = {row.pk: row for row in rows.values()}
        return [rows[slug].pk for slug in slugs]

    @staticmethod
    def _by_domain(ids: list[int], domains: list[str]) -> list[list[int]]:
        of_domain = {}
        for pk, domain in zip(ids, domains, strict=True):
            of_domain.setdefault(domain, []).append(pk)
        return [of_domain.get(sector.domain, ids) for sector in SECTORS]


_ACRONYM_KINDS = {
    OrganisationKind.CENTRAL_ADMINISTRATION,
    OrganisationKind.OPERATOR,
    OrganisationKind.SOCIAL_SECURITY,
    OrganisationKind.OTHER,
}


def _incubator(i: int, name: str, owner_id: int | None) -> dict:
    slug = slugify(name)
    return {
        "slug": slug,
        "name": name,
        "owner_id": owner_id,
        "short_description": "Incubateur fictif, créé pour la démonstration.",
        "description": (
            f"{name} accompagne des services publics numériques imaginaires.\n\n"
            "_Données de démonstration._"
        ),
        "contact": f"contact@{slug}.{DEMO_DOMAIN}",
        "website": f"https://{slug}.{DEMO_DOMAIN}",
        "address": f"{3 + 7 * i} rue des Tilleuls, {_TOWNS[i % len(_TOWNS)]}",
    }


class _Names:
    """Titles and slugs not used yet, by the database or by this run."""

    def __init__(self, *, slugs, titles):
        self.slugs = set(slugs)
        self.titles = {t.casefold() for t in titles}
        self.next_suffix: dict[str, int] = {}

    def pick(self, rng: random.Random, words: list[str]) -> tuple[str, str]:
        for _ in range(8):
            title = _title(rng, words)
            if self._free(title):
                return self._take(title)
        # Crowded: number the last title drawn, "Mon Aide Logement 2".
        base = title
        for n in count(self.next_suffix.get(base, 2)):
            if self._free(f"{base} {n}"):
                self.next_suffix[base] = n + 1
                return self._take(f"{base} {n}")
        raise AssertionError("unreachable")

    def _free(self, title: str) -> bool:
        return title.casefold() not in self.titles and slugify(title) not in self.slugs

    def _take(self, title: str) -> tuple[str, str]:
        slug = slugify(title)
        self.slugs.add(slug)
        self.titles.add(title.casefold())
        return title, slug


def _title(rng: random.Random, words: list[str]) -> str:
    possessive, noun = rng.choice(NOUNS)
    word = rng.choice(words)
    pattern = rng.random()
    if pattern < 0.25:
        return f"{possessive} {noun} {word}"
    if pattern < 0.45:
        return f"{noun} {rng.choice(ADJECTIVES)} {word}"
    if pattern < 0.70:
        return f"{noun} {word} {rng.choice(PUBLICS)}"
    if pattern < 0.85:
        return f"{noun} {word} {rng.choice(PLACES)}"
    return f"{possessive} {noun} {word} {rng.choice(PUBLICS)}"


class _PhaseRow(NamedTuple):
    phase: str
    start: date
    end: date | None
    position: int


class _Chunk:
    """Rows of a chunk of start-ups, waiting to be written. The children are
    tuples in the order of the columns `write` names."""

    def __init__(self):
        self.startups: list[Startup] = []
        self.phases: list[tuple] = []
        self.events: list[tuple] = []
        self.links: dict[str, list[tuple[int, int]]] = {
            "sponsors": [],
            "themes": [],
            "audiences": [],
            "co_incubators": [],
        }

    def write(self, *, using) -> dict[str, int]:
        # Not bulk_create: compiling its SQL, and a model instance per child row,
        # took most of the run time (100,000 start-ups have about a million
        # child rows).
        _insert_objects(Startup, self.startups, using=using)
        _insert(
            StartupPhase,
            ("startup", "phase", "start", "end", "comment", "position"),
            self.phases,
            using=using,
        )
        _insert(Event, ("startup", "kind", "date", "comment"), self.events, using=using)
        for name, rows in self.links.items():
            field = Startup._meta.get_field(name)
            _insert(
                field.remote_field.through,
                (field.m2m_field_name(), field.m2m_reverse_field_name()),
                rows,
                using=using,
            )
        return {
            "phases": len(self.phases),
            "events": len(self.events),
            "links": sum(len(rows) for rows in self.links.values()),
        }


def _insert_objects(model, objects: list, *, using) -> None:
    """What bulk_create does with explicit keys, at a fraction of the cost: no
    SQL compiled per batch, and only the fields whose values need preparing
    (dates, JSON, auto_now timestamps, files) prepare them; text, numbers,
    booleans and keys go to the driver as they are."""
    fields = [f for f in model._meta.concrete_fields if not f.generated]
    as_is = (models.CharField, models.TextField, models.BooleanField)
    as_is += (models.IntegerField, models.ForeignKey)

    def prepared(field):
        return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), using)

    getters = [
        attrgetter(f.attname) if isinstance(f, as_is) else prepared(f) for f in fields
    ]
    _insert(
        model,
        tuple(field.name for field in fields),
        [tuple(get(obj) for get in getters) for obj in objects],
        using=using,
    )


def _insert(model, field_names: tuple[str, ...], rows: list[tuple], *, using) -> None:
    if not rows:
        return
    quote = using.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(n).column) for n in field_names)
    with using.cursor() as cursor:
        if using.vendor == "postgresql":
            # COPY is several times faster than executemany on PostgreSQL.
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(field_names))
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows
            )


class _Writer:
    """Writes each chunk in a second thread, on the same connection (so in the
    same transaction), while the next chunk is built: the database computes
    search vectors and indexes while Python draws start-ups. One chunk at a
    time, in order; an error in a write comes back at the next call."""

    def __init__(self):
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.pending: Future | None = None
        self.totals = {"phases": 0, "events": 0, "links": 0}

    def __enter__(self):
        self.connection.inc_thread_sharing()
        self.executor = ThreadPoolExecutor(max_workers=1)
        return self

    def write(self, chunk: _Chunk) -> None:
        self.wait()
        self.pending = self.executor.submit(chunk.write, using=self.connection)

    def wait(self) -> None:
        if self.pending is not None:
            pending, self.pending = self.pending, None
            for name, written in pending.result().items():
                self.totals[name] += written

    def __exit__(self, *exc_info):
        try:
            if exc_info[0] is None:
                self.wait()
        finally:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.connection.dec_thread_sharing()


@contextmanager
def _bulk_load(startups: int):
    """For a large load on PostgreSQL, the search indexes are built once at
    the end rather than updated row by row (several times faster; the table is
    locked until the transaction ends, which a seeding run can afford). Then
    the planner's statistics are refreshed, so that the next queries are
    planned for the new number of rows."""
    rebuild = connection.vendor == "postgresql" and startups >= BULK_LOAD_MIN
    with connection.cursor() as cursor:
        if rebuild:
            for name in SEARCH_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
    yield
    with connection.cursor() as cursor:
        if rebuild:
            # The foreign keys are checked at commit (deferred); an index
            # cannot be built while checks are pending: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for create in SEARCH_INDEXES.values():
                cursor.execute(create)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("ANALYZE")


def _build_startup(
    rng: random.Random, pk: int, vocabulary: _Vocabulary, names: _Names, chunk: _Chunk
) -> None:
    sector_index = rng.randrange(len(SECTORS))
    sector = SECTORS[sector_index]
    title, slug = names.pick(rng, sector.words)
    phases = _phase_history(rng)
    current = current_phase_entry(phases)
    audiences = _pick_some(rng, range(len(AUDIENCES)), 1 + (rng.random() < 0.3))
    mission, description = _texts(rng, sector, title, AUDIENCES[audiences[0]])
    events, fast = _events(rng, phases)
    launched = len(phases) > 1 and phases[1].phase == Phase.CONSTRUCTION
    accelerated = len(phases) > 2 and phases[2].phase == Phase.ACCELERATION
    website = f"https://{slug}.{DEMO_DOMAIN}" if launched else ""
    stats = accelerated and rng.random() < 0.6
    sponsors = []
    for _ in range(rng.choices((0, 1, 2, 3), cum_weights=(15, 60, 90, 100))[0]):
        sponsor = rng.choice(
            vocabulary.sponsors_of[sector_index]
            if rng.random() < 0.6
            else vocabulary.organisations
        )
        if sponsor not in sponsors:
            sponsors.append(sponsor)
    themes = [vocabulary.themes[sector_index]]
    for _ in range(rng.choices((0, 1, 2), cum_weights=(50, 85, 100))[0]):
        theme = rng.choice(vocabulary.themes)
        if theme not in themes:
            themes.append(theme)
    incubator = rng.choice(
        vocabulary.incubators_of[sector_index]
        if rng.random() < 0.6
        else vocabulary.incubators
    )
    technologies = _pick_some(rng, TECHNOLOGIES, rng.randint(1, 3)) if launched else []
    chunk.startups.append(
        Startup(
            pk=pk,
            slug=slug,
            title=title,
            mission=mission,
            description=description,
            incubator_id=incubator,
            technologies=technologies,
            website=website,
            repository=f"https://code.{DEMO_DOMAIN}/{slug}"
            if launched and rng.random() < 0.7
            else "",
            has_stats_page=stats,
            stats_url=f"{website}/stats" if stats else "",
            budget_url=f"{website}/budget" if launched and rng.random() < 0.2 else "",
            contact=f"contact@{slug}.{DEMO_DOMAIN}",
            accessibility_status=rng.choices(
                _ACCESSIBILITY[0], cum_weights=_ACCESSIBILITY[1]
            )[0]
            if launched
            else AccessibilityStatus.NOT_ASSESSED,
            risk_analysis_done=launched and rng.random() < 0.4,
            mon_service_securise=launched and rng.random() < 0.3,
            fast_promotion=fast[0] if fast else None,
            fast_amount=fast[1] if fast else None,
            is_published=rng.random() < 0.97,
            current_phase=current.phase,
            current_phase_start=current.start,
            started_on=phases[0].start,
            **search_fields_of(
                SimpleNamespace(
                    title=title,
                    slug=slug,
                    former_slugs=_Prefetched({}, [], "slug"),
                    mission=mission,
                    description=description,
                    technologies=technologies,
                    themes=_Prefetched(vocabulary.rows[Theme], themes, "label"),
                    sponsors=_Prefetched(
                        vocabulary.rows[Organisation], sponsors, "name"
                    ),
                )
            ),
        )
    )
    to_db = connection.ops.adapt_datefield_value
    chunk.phases.extend(
        (pk, p.phase, to_db(p.start), to_db(p.end), "", p.position) for p in phases
    )
    chunk.events.extend(
        (pk, kind, to_db(day), EVENT_COMMENTS[kind]) for kind, day in events
    )

    links = chunk.links
    links["sponsors"].extend((pk, o) for o in sponsors)
    links["themes"].extend((pk, t) for t in themes)
    links["audiences"].extend((pk, vocabulary.audiences[i]) for i in audiences)
    if rng.random() < 0.15:
        co_incubator = rng.choice(vocabulary.incubators)
        if co_incubator != incubator:
            links["co_incubators"].append((pk, co_incubator))


class _Prefetched(list):
    """Rows that answer .all() like a prefetched relation (in the model's
    order), for search_fields_of."""

    def __init__(self, rows: dict[int, Any], pks: list[int], ordering: str):
        super().__init__(sorted((rows[pk] for pk in pks), key=attrgetter(ordering)))

    def all(self):
        return self


_SPAN = (REFERENCE_DATE - FIRST_START).days


def _phase_history(rng: random.Random) -> list[_PhaseRow]:
    """Phases along the life cycle from a start between 2015 and the reference
    date (more of them recent), each lasting 3 to 18 months; each phase ends
    when the next starts, and the last one is usually still open."""
    start = FIRST_START + timedelta(days=int(_SPAN * rng.random() ** 0.7))
    steps = [(Phase.INVESTIGATION, start)]
    phase = Phase.INVESTIGATION
    while phase in NEXT_PHASES:
        start += timedelta(days=rng.randint(91, 548))
        if start > REFERENCE_DATE:
            break
        options, cum_weights = NEXT_PHASES[phase]
        phase = rng.choices(options, cum_weights=cum_weights)[0]
        steps.append((phase, start))
    ends: list[date | None] = [day for _, day in steps[1:]]
    # Now and then a sheet closes its last phase without saying what came next.
    last_start = steps[-1][1]
    ends.append(
        min(last_start + timedelta(days=rng.randint(91, 548)), REFERENCE_DATE)
        if rng.random() < 0.05
        else None
    )
    return [
        _PhaseRow(phase, day, end, position)
        for position, ((phase, day), end) in enumerate(zip(steps, ends, strict=True))
    ]


def _texts(
    rng: random.Random, sector: Sector, title: str, audience: str
) -> tuple[str, str]:
    """A one-sentence mission and a short Markdown description."""
    audience = audience.lower()
    action = rng.choice(sector.actions)
    forms = {
        "aux": f"aux {audience}",
        "les": f"les {audience}",
        "des": f"des {audience}",
        "de_audience": _de(audience),
        "action": action,
        "de_action": _de(action),
        "complement": rng.choice(COMPLEMENTS),
        "channel": rng.choice(CHANNELS),
        "title": title,
    }
    mission = rng.choice(MISSIONS).format_map(forms)
    features = _pick_some(rng, FEATURES, 2 + (rng.random() < 0.5))
    description = (
        rng.choice(PROBLEMS).format_map(forms)
        + "\n\n## Notre solution\n\n"
        + rng.choice(SOLUTIONS).format_map(forms)
        + "\n\n"
        + "".join(f"- {feature}\n" for feature in features)
        + "\n_Service fictif, créé pour la démonstration._\n"
    )
    return mission, description


def _de(phrase: str) -> str:
    return f"d'{phrase}" if phrase[0] in "aeiouyéèêàâîôû" else f"de {phrase}"


def _events(
    rng: random.Random, phases: list[_PhaseRow]
) -> tuple[list[tuple[str, date]], tuple[int, int] | None]:
    """Up to four (kind, date) inside the history, in date order, and the FAST
    (promotion, amount) if one of them is a FAST funding."""
    by_phase = {p.phase: p for p in phases}
    last = phases[-1]
    stopped = last.phase in (Phase.ABANDONED, Phase.INCONCLUSIVE)
    history_end = last.end or (last.start if stopped else REFERENCE_DATE)
    events = []
    fast = None
    if rng.random() < 0.08 and history_end >= FAST_FIRST_DAY:
        day = _day_between(rng, max(phases[0].start, FAST_FIRST_DAY), history_end)
        # Two FAST promotions a year since mid-2019.
        fast = (2 * (day.year - 2019) + (day.month > 6), rng.randrange(5, 51) * 10_000)
        events.append((EventKind.FAST, day))
    if last.phase == Phase.ABANDONED:
        events.append((EventKind.END, last.start))
    for _ in range(rng.randint(0, 4) - len(events)):
        kind = rng.choice(_EVENT_KINDS)
        since, until = phases[0].start, history_end
        # A launch happens in construction or acceleration, a national impact
        # from acceleration on.
        if kind == EventKind.PRODUCT_LAUNCH and Phase.CONSTRUCTION in by_phase:
            construction = by_phase[Phase.CONSTRUCTION]
            since = construction.start
            until = by_phase.get(Phase.ACCELERATION, construction).end or until
        elif kind == EventKind.NATIONAL_IMPACT and Phase.ACCELERATION in by_phase:
            since = by_phase[Phase.ACCELERATION].start
        elif kind in (EventKind.PRODUCT_LAUNCH, EventKind.NATIONAL_IMPACT):
            kind = EventKind.COMMITTEE
        events.append((kind, _day_between(rng, since, until)))
    events.sort()
    return events, fast


def _day_between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _pick_some(rng: random.Random, population, k: int) -> list:
    """k distinct items, in the population's order."""
    return [population[i] for i in sorted(rng.sample(range(len(population)), k))]
