from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = "startup_title_trigram_idx"
# Written out here: migration 0013 drops the index.
CREATE = (
    "CREATE INDEX IF NOT EXISTS startup_title_trigram_idx ON startups_startup "
    "USING gin ((split_part(search_text, E'\\n', 1)) gin_trgm_ops)"
)


# PostgreSQL only (SQLite has neither pg_trgm nor GIN): titles found by
# resemblance, for typing mistakes (startups.search.search).
def index_title_trigrams(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


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
