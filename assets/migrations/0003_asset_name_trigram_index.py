"""A trigram index for name search, where the server offers pg_trgm.

The index is not in the model state: the embedded PostgreSQL of the quick start has no
pg_trgm, and name search works without the index there (a sequential scan, fine for a
demo set). Production servers (Debian's postgresql-contrib, the postgres image) have it.
"""

from django.db import migrations


def create_index(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if cursor.fetchone() is None:
            return
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS asset_name_trigram_idx "
            "ON assets_asset USING gin (upper(name) gin_trgm_ops)"
        )


def drop_index(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS asset_name_trigram_idx")


class Migration(migrations.Migration):
    dependencies = [("assets", "0002_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
