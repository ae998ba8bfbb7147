from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations, models

from startups.search import normalise_text


def fill_search_text(apps, schema_editor):
    # Same rule as startups.search.search_text_of, on the historical models.
    Startup = apps.get_model("startups", "Startup")
    changed = []
    for startup in Startup.objects.prefetch_related("themes", "sponsors"):
        parts = [startup.title, startup.mission, startup.description]
        parts += [theme.label for theme in startup.themes.all()]
        for sponsor in startup.sponsors.all():
            parts += [sponsor.name, sponsor.acronym]
        startup.search_text = normalise_text(" ".join(p for p in parts if p))
        changed.append(startup)
    Startup.objects.bulk_update(changed, ["search_text"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("startups", "0001_initial"),
    ]

    operations = [
        # Does nothing on databases other than PostgreSQL.
        UnaccentExtension(),
        migrations.AddField(
            model_name="startup",
            name="search_text",
            field=models.TextField(
                blank=True, default="", editable=False, verbose_name="search text"
            ),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
    ]
