"""Every row of the catalogue saved or deleted raises the catalogue version; and
a person's role follows their memberships, editor rights and groups.

Why signals and not calls in each admin method: the admin is only one of the paths
that write rows one by one. django-reversion's revert and recover write the
stored rows back themselves (Model.save_base(raw=True), which sends post_save),
inlines save through formsets, and many-to-many links change through
`.set()`/`.add()`. A receiver on post_save, post_delete and m2m_changed sees them
all, including any write path added later, in the writer's transaction. What
signals do not see (bulk_create, bulk_update, QuerySet.update) is only done in
startups.services and startups.demo, which call bump_catalogue_version()
themselves; large writes group their bumps with catalogue_write(). Which models
raise the version is declared in startups.catalogue_version."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from startups.catalogue_version import bump_catalogue_version, public_models
from startups.models import IncubatorMembership, StartupEditor


def _bump(sender, **kwargs):
    bump_catalogue_version()


def _bump_m2m(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        bump_catalogue_version()


def _sync_roles(sender, instance, **kwargs):
    # A membership or editor right added or removed, by whatever path (the
    # admin's inlines, an invitation, a cascade when an incubator or a sheet is
    # deleted): the person's role follows (startups.policy).
    from startups.policy import sync_roles

    user = (
        type(instance)
        .user.field.related_model._default_manager.filter(pk=instance.user_id)
        .first()
    )
    if user is not None:
        sync_roles(user)


def _national_team_changed(sender, instance, action, pk_set, reverse, **kwargs):
    # Someone put in (or taken out of) the national team's group on their
    # account page: the staff space opens (or closes) accordingly.
    from django.contrib.auth.models import Group

    from startups.policy import NATIONAL_TEAM, sync_roles

    if reverse or action not in ("post_add", "post_remove", "post_clear"):
        return
    national = Group.objects.filter(name=NATIONAL_TEAM).values_list("pk", flat=True)
    if action == "post_clear" or set(pk_set or ()) & set(national):
        sync_roles(instance)


def connect() -> None:
    from django.contrib.auth import get_user_model

    m2m_changed.connect(
        _national_team_changed,
        sender=get_user_model().groups.through,
        dispatch_uid="roles-national-team",
    )
    for model in (IncubatorMembership, StartupEditor):
        uid = f"roles-{model._meta.label}"
        post_save.connect(_sync_roles, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(_sync_roles, sender=model, dispatch_uid=uid + "-delete")
    for model in public_models():
        uid = f"catalogue-version-{model._meta.label}"
        post_save.connect(_bump, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(_bump, sender=model, dispatch_uid=uid + "-delete")
        if model._meta.auto_created:
            m2m_changed.connect(
                _bump_m2m, sender=model, dispatch_uid=f"catalogue-m2m-{model}"
            )
