import django.contrib.postgres.search
from django.db import migrations, models

import startups.search
from startups.search import normalise_text


def title_on_first_line(apps, schema_editor):
    # search_text now holds the title on its first line, the rest on the second
    # (startups.search.search_text_of), so that the stored vector can weigh the
    # title more. Same rule, on the historical models.
    Startup = apps.get_model("startups", "Startup")
    changed = []
    for startup in Startup.objects.prefetch_related("themes", "sponsors"):
        parts = [startup.mission, startup.description]
        parts += [theme.label for theme in startup.themes.all()]
        for sponsor in startup.sponsors.all():
            parts += [sponsor.name, sponsor.acronym]
        rest = normalise_text(" ".join(p for p in parts if p))
        startup.search_text = f"{normalise_text(startup.title)}\n{rest}"
        changed.append(startup)
    Startup.objects.bulk_update(changed, ["search_text"], batch_size=500)


# PostgreSQL only (SQLite has no GIN, and stores NULL in search_vector): the
# index now covers the stored vector, which search matches and ranks with, instead
# of an expression that ranking had to compute again for every row.
def index_search_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS startup_search_gin_idx")
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS startup_search_vector_idx "
            "ON startups_startup USING gin (search_vector)"
        )


def index_search_expression(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS startup_search_vector_idx")
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS startup_search_gin_idx ON startups_startup "
            "USING gin (to_tsvector('french'::regconfig, COALESCE(search_text, '')))"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("startups", "0005_catalogue_version_and_indexes"),
    ]

    operations = [
        migrations.RunPython(title_on_first_line, migrations.RunPython.noop),
        migrations.AddField(
            model_name="startup",
            name="search_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=startups.search.SearchDocument(),
                output_field=django.contrib.postgres.search.SearchVectorField(
                    null=True
                ),
                verbose_name="search vector",
            ),
        ),
        migrations.RunPython(index_search_vector, index_search_expression),
    ]
