from django.db import migrations, models
from django.db.models import Min, OuterRef, Subquery


def fill_started_on(apps, schema_editor):
    Startup = apps.get_model("startups", "Startup")
    StartupPhase = apps.get_model("startups", "StartupPhase")
    first_start = (
        StartupPhase.objects.filter(startup=OuterRef("pk"))
        .values("startup")
        .annotate(first=Min("start"))
        .values("first")
    )
    Startup.objects.update(started_on=Subquery(first_start))


# The "most recently started first" order of the catalogue, a page at a time:
# PostgreSQL reads it from an index in that exact order (nulls last), instead of
# sorting every start-up. SQLite has no NULLS LAST in an index definition.
def index_started_on(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS startup_started_on_idx ON startups_startup "
            "(started_on DESC NULLS LAST, title, id)"
        )


def drop_started_on_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS startup_started_on_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("startups", "0006_search_vector"),
    ]

    operations = [
        migrations.AddField(
            model_name="startup",
            name="started_on",
            field=models.DateField(
                blank=True, editable=False, null=True, verbose_name="started on"
            ),
        ),
        migrations.RunPython(fill_started_on, migrations.RunPython.noop),
        migrations.RunPython(index_started_on, drop_started_on_index),
    ]
