"""Symbol keys upper-case ASCII letters only, in PostgreSQL exactly as in Python
(registry.text.symbol_key), so the hot path and the database pick the same assets."""

import django.contrib.postgres.indexes
from django.db import migrations, models

import registry.text


class Migration(migrations.Migration):
    dependencies = [
        ("assets", "0006_bounded_free_text"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="assetgroup",
            name="group_unique_canonical_symbol",
        ),
        # PostgreSQL cannot change a generated column's expression: drop the column (and
        # its index) and add it again, computed by the new function.
        migrations.RemoveIndex(model_name="asset", name="asset_live_symbol_key_idx"),
        migrations.RemoveField(model_name="asset", name="symbol_key"),
        migrations.AddField(
            model_name="asset",
            name="symbol_key",
            field=models.GeneratedField(
                db_persist=True,
                expression=registry.text.SymbolKey("symbol"),
                output_field=models.TextField(),
            ),
        ),
        migrations.AddIndex(
            model_name="asset",
            index=models.Index(
                django.contrib.postgres.indexes.OpClass("symbol_key", name="text_pattern_ops"),
                condition=models.Q(("deleted_at__isnull", True)),
                name="asset_live_symbol_key_idx",
            ),
        ),
        # Never fails on existing rows: symbols equal in ASCII case were equal under
        # upper() too.
        migrations.AddConstraint(
            model_name="assetgroup",
            constraint=models.UniqueConstraint(
                registry.text.SymbolKey("canonical_symbol"),
                name="group_unique_canonical_symbol",
                violation_error_message="Another group already has this canonical symbol.",
            ),
        ),
    ]
