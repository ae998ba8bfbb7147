"""The three roles' groups, with their permissions (startups.policy), and the
incubator-staff role for every person already attached to an incubator: from
now on nobody is given a permission by hand."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

NATIONAL_TEAM = "Équipe nationale"
INCUBATOR_STAFF = "Équipes d'incubateur"
SHEET_EDITORS = "Éditeurs de fiche"
CRUD = ("view", "add", "change", "delete")
# As in startups.policy.GROUP_PERMISSIONS when this migration was written (a
# migration keeps its own copy: the policy may change later, and
# policy.sync_groups() brings the groups in step after every migrate).
PERMISSIONS = {
    INCUBATOR_STAFF: [
        "view_startup", "add_startup", "change_startup",
        *(f"{verb}_startupphase" for verb in CRUD),
        *(f"{verb}_event" for verb in CRUD),
        *(f"{verb}_formerslug" for verb in CRUD),
        *(f"{verb}_startupeditor" for verb in CRUD),
        "view_incubator", "change_incubator",
        "view_organisation", "view_theme", "view_audience",
    ],
    SHEET_EDITORS: [
        "view_startup", "change_startup",
        *(f"{verb}_startupphase" for verb in CRUD),
        *(f"{verb}_event" for verb in CRUD),
        "view_formerslug", "view_theme", "view_audience",
    ],
}  # fmt: skip


def make_groups(apps, schema_editor):
    # Permissions are made after migrations; this one needs them now (the
    # historical app config has no models module: create_permissions wants one).
    app_config = apps.get_app_config("startups")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    User = apps.get_model("auth", "User")
    Membership = apps.get_model("startups", "IncubatorMembership")
    app_permissions = Permission.objects.filter(content_type__app_label="startups")
    national, _ = Group.objects.get_or_create(name=NATIONAL_TEAM)
    national.permissions.set(app_permissions)
    groups = {}
    for name, codenames in PERMISSIONS.items():
        groups[name], _ = Group.objects.get_or_create(name=name)
        groups[name].permissions.set(app_permissions.filter(codename__in=codenames))
    staff = User.objects.filter(
        pk__in=Membership.objects.values("user_id"), is_superuser=False
    )
    for user in staff:
        user.groups.add(groups[INCUBATOR_STAFF])
        # The permissions the group now carries, which the role used to give
        # one by one (any other permission given by hand stays).
        user.user_permissions.remove(*groups[INCUBATOR_STAFF].permissions.all())
    staff.update(is_staff=True)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("startups", "0010_sheet_editors"),
    ]

    operations = [migrations.RunPython(make_groups, migrations.RunPython.noop)]
