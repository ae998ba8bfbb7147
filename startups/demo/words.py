"""The tables of words the demo catalogue is composed from: themes with their
users' wishes, sponsors, incubators, towns, and the words of titles, missions,
descriptions and events. Invented or common words only: nothing is taken from
the real network's data."""

from __future__ import annotations

from typing import NamedTuple

from django.utils.text import slugify

from startups.models import (
    AccessibilityStatus,
    EventKind,
    MinisterialDomain,
    OrganisationKind,
    Phase,
)

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
TOWNS = "Villebrune; Port-Amarre; Castelverd; Saint-Élouan; Morlanges".split("; ")

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
EVENT_KINDS = (
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
ACCESSIBILITY = (
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
    sectors: list[Sector] = []
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


def acronym(name: str) -> str:
    words = slugify(name.replace("'", " ")).split("-")
    return "".join(w[0].upper() for w in words if w not in _LITTLE_WORDS)
