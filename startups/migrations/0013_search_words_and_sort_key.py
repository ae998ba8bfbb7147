import django.contrib.postgres.search
from django.db import migrations, models

import startups.search
from startups.search import (
    SEARCH_INDEXES,
    drop_sqlite_index,
    ensure_sqlite_index,
    search_fields,
)

SORT_INDEX = "startup_published_sort_idx"


def fill_search_fields(apps, schema_editor):
    # Same rule as startups.search.search_fields_of, on the historical models.
    Startup = apps.get_model("startups", "Startup")
    changed = []
    for startup in Startup.objects.prefetch_related(
        "themes", "sponsors", "former_slugs"
    ):
        sponsors = []
        for sponsor in startup.sponsors.all():
            sponsors += [s for s in (sponsor.name, sponsor.acronym) if s]
        fields = search_fields(
            title=startup.title,
            slug=startup.slug,
            former_slugs=[f.slug for f in startup.former_slugs.all()],
            mission=startup.mission,
            description=startup.description,
            themes=[t.label for t in startup.themes.all()],
            sponsors=sponsors,
            technologies=[str(t) for t in startup.technologies or ()],
        )
        for name, value in fields.items():
            setattr(startup, name, value)
        changed.append(startup)
    if changed:
        Startup.objects.bulk_update(changed, list(fields), batch_size=500)


def byte_order_on_postgresql(apps, schema_editor):
    # The sort key is compared byte by byte, as SQLite does: a locale's
    # collation would skip the spaces between words ("la poste" after
    # "laboratoire") and disagree with SQLite.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'ALTER TABLE startups_startup ALTER COLUMN sort_title TYPE varchar(200) COLLATE "C"'
        )


def index_search_words(apps, schema_editor):
    # PostgreSQL: the GIN index of the new vector (dropped with the old
    # column), and no more trigram index of titles (typing mistakes are found
    # in Python, startups.search.Vocabulary). SQLite: the FTS5 table.
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS startup_title_trigram_idx")
        for create in SEARCH_INDEXES.values():
            schema_editor.execute(create)
    ensure_sqlite_index(connection)


def unindex_search_words(apps, schema_editor):
    drop_sqlite_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("startups", "0012_catalogue_version_changed_at"),
    ]

    operations = [
        migrations.RunPython(unindex_search_words, index_search_words),
        migrations.AlterModelOptions(
            name="startup",
            options={
                "ordering": ["sort_title", "id"],
                "verbose_name": "start-up",
                "verbose_name_plural": "start-ups",
            },
        ),
        migrations.RemoveIndex(
            model_name="startup",
            name="startup_published_title_idx",
        ),
        migrations.RemoveField(model_name="startup", name="search_vector"),
        migrations.AddField(
            model_name="startup",
            name="search_body",
            field=models.TextField(
                blank=True, default="", editable=False, verbose_name="search body"
            ),
        ),
        migrations.AddField(
            model_name="startup",
            name="search_title",
            field=models.TextField(
                blank=True, default="", editable=False, verbose_name="search title"
            ),
        ),
        migrations.AddField(
            model_name="startup",
            name="sort_title",
            field=models.CharField(
                blank=True,
                default="",
                editable=False,
                max_length=200,
                verbose_name="sort key",
            ),
        ),
        migrations.RunPython(fill_search_fields, migrations.RunPython.noop),
        migrations.RunPython(byte_order_on_postgresql, migrations.RunPython.noop),
        migrations.AddField(
            model_name="startup",
            name="search_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=startups.search.SearchWords(),
                output_field=django.contrib.postgres.search.SearchVectorField(
                    null=True
                ),
                verbose_name="search vector",
            ),
        ),
        migrations.AddIndex(
            model_name="startup",
            index=models.Index(
                fields=["is_published", "sort_title", "id"], name=SORT_INDEX
            ),
        ),
        migrations.RunPython(index_search_words, unindex_search_words),
    ]
