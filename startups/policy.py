"""Who may do what in the staff space: the three roles, in one place.

- **The national team**: superusers, or members of the NATIONAL_TEAM group. They
  see and change everything, and alone set what the network certifies (the
  impact matrix's level, the national-impact event, FAST funding).
- **Incubator staff**: a membership of an incubator (IncubatorMembership) gives
  the role; they keep the sheets whose main incubator or a co-incubator is theirs.
- **Sheet editors**: given by incubator staff on one start-up (StartupEditor);
  they change its texts, links, phases, events, budget, impact indicators and
  images.

The roles' Django permissions are carried by groups that a data migration makes
(GROUP_PERMISSIONS) and that `sync_roles()` keeps each user in: a person is
never given a permission by hand. Which rows they reach is decided by the
querysets (`Startup.objects.kept_by()`, `Incubator.objects.kept_by()`); what
they may change on a row, by `role_on()` and the field lists below.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.contrib.auth.models import Group, Permission

if TYPE_CHECKING:
    from startups.models import Startup

NATIONAL_TEAM = "Équipe nationale"
INCUBATOR_STAFF = "Équipes d'incubateur"
SHEET_EDITORS = "Éditeurs de fiche"

_CRUD = ("view", "add", "change", "delete")
# The permissions each group carries (app "startups"); the national team's group
# has every permission of the app.
GROUP_PERMISSIONS: dict[str, list[str]] = {
    INCUBATOR_STAFF: [
        "view_startup", "add_startup", "change_startup",
        *(f"{verb}_startupphase" for verb in _CRUD),
        *(f"{verb}_event" for verb in _CRUD),
        *(f"{verb}_formerslug" for verb in _CRUD),
        *(f"{verb}_startupeditor" for verb in _CRUD),
        *(f"{verb}_budgetline" for verb in _CRUD),
        *(f"{verb}_indicator" for verb in _CRUD),
        *(f"{verb}_indicatorvalue" for verb in _CRUD),
        "view_incubator", "change_incubator",
        "view_organisation", "view_theme", "view_audience",
        "view_budgetcategory",
        "view_stopreason", "add_stopreason", "change_stopreason",
    ],
    SHEET_EDITORS: [
        "view_startup", "change_startup",
        *(f"{verb}_startupphase" for verb in _CRUD),
        *(f"{verb}_event" for verb in _CRUD),
        *(f"{verb}_indicator" for verb in _CRUD),
        *(f"{verb}_indicatorvalue" for verb in _CRUD),
        "view_formerslug",
        *(f"{verb}_budgetline" for verb in _CRUD),
        "view_theme", "view_audience", "view_budgetcategory", "view_stopreason",
    ],
}  # fmt: skip


class Role(StrEnum):
    NATIONAL_TEAM = "national_team"
    INCUBATOR_STAFF = "incubator_staff"
    SHEET_EDITOR = "sheet_editor"


# Fields of a sheet that only the national team sets: what the network
# certifies (the impact matrix's level and date, FAST funding).
NATIONAL_TEAM_FIELDS = (
    "impact_certification",
    "impact_certification_on",
    "fast_promotion",
    "fast_amount",
)
# Events that record what the network certifies (national impact, FAST): the
# national team's alone to add, change or delete (values of models.EventKind).
NATIONAL_TEAM_EVENTS = ("national_impact", "fast")
# Who last set any of those and when: written by services.note_certification,
# never by a form or a restore.
CERTIFICATION_TRAIL = ("certification_set_by", "certification_set_at")
# Fields of a sheet a sheet editor may not change: its identity, its place in the
# network and its publication, on top of the national team's.
EDITOR_READONLY_FIELDS = (
    "slug",
    "incubator",
    "co_incubators",
    "sponsors",
    "is_published",
    "allow_indexing",
    *NATIONAL_TEAM_FIELDS,
)


def is_national_team(user) -> bool:
    if not (user.is_active and user.is_authenticated):
        return False
    if user.is_superuser:
        return True
    # Asked on most admin requests: once per request (the user object is).
    if not hasattr(user, "_national_team"):
        user._national_team = user.groups.filter(name=NATIONAL_TEAM).exists()
    return user._national_team


def role_on(user, startup: Startup | None) -> Role | None:
    """The role a user holds on one sheet (on a new sheet: what they may create).
    The strongest wins: a member of the sheet's incubator who is also its editor
    is incubator staff there."""
    from startups.models import Startup

    if is_national_team(user):
        return Role.NATIONAL_TEAM
    if not (user.is_active and user.is_staff):
        return None
    if startup is None or startup.pk is None:
        return Role.INCUBATOR_STAFF if _has_memberships(user) else None
    if Startup.objects.incubated_by_staff(user).filter(pk=startup.pk).exists():
        return Role.INCUBATOR_STAFF
    if startup.editors.filter(user=user).exists():
        return Role.SHEET_EDITOR
    return None


def readonly_fields_for(role: Role | None) -> tuple[str, ...]:
    if role == Role.NATIONAL_TEAM:
        return ()
    if role == Role.INCUBATOR_STAFF:
        return NATIONAL_TEAM_FIELDS
    return EDITOR_READONLY_FIELDS


def _has_memberships(user) -> bool:
    if not hasattr(user, "_has_memberships"):
        user._has_memberships = user.incubator_memberships.exists()
    return user._has_memberships


def sync_groups() -> None:
    """Create the roles' groups and give them their permissions (idempotent: run
    by the data migration and after every migrate, so that a model added later
    brings its permissions along)."""
    app_permissions = Permission.objects.filter(content_type__app_label="startups")
    national, _created = Group.objects.get_or_create(name=NATIONAL_TEAM)
    national.permissions.set(app_permissions)
    for name, codenames in GROUP_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(app_permissions.filter(codename__in=codenames))


def sync_roles(user) -> None:
    """Put a user in the groups their memberships and editor rights give, and
    in the staff space while they hold a role; taken away with their last one."""
    groups = {g.name: g for g in Group.objects.filter(name__in=GROUP_PERMISSIONS)}
    if len(groups) < len(GROUP_PERMISSIONS):
        sync_groups()
        groups = {g.name: g for g in Group.objects.filter(name__in=GROUP_PERMISSIONS)}
    held = {
        INCUBATOR_STAFF: user.incubator_memberships.exists(),
        SHEET_EDITORS: user.edited_startups.exists(),
    }
    for name, has_role in held.items():
        if has_role:
            user.groups.add(groups[name])
        else:
            user.groups.remove(groups[name])
    for cached in ("_has_memberships", "_national_team"):
        user.__dict__.pop(cached, None)
    is_staff = any(held.values()) or is_national_team(user)
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
