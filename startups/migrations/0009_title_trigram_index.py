from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from startups.search import SEARCH_INDEXES

INDEX = "startup_title_trigram_idx"


# PostgreSQL only (SQLite has neither pg_trgm nor GIN): titles found by
# resemblance, for typing mistakes (startups.search.search).
def index_title_trigrams(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SEARCH_INDEXES[INDEX])


def drop_title_trigrams(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("startups", "0008_count_and_page_indexes"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(index_title_trigrams, drop_title_trigrams),
    ]
