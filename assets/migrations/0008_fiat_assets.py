"""FIAT assets: currencies keyed by their ISO 4217 code, one live asset per code."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assets", "0007_symbol_key_ascii_case"),
    ]

    operations = [
        migrations.AlterField(
            model_name="asset",
            name="asset_type",
            field=models.CharField(
                choices=[
                    ("NATIVE", "Native"),
                    ("ERC20", "ERC-20"),
                    ("SPL", "SPL"),
                    ("ERC721", "ERC-721"),
                    ("ERC1155", "ERC-1155"),
                    ("SYNTHETIC", "Synthetic"),
                    ("LP_TOKEN", "LP token"),
                    ("RECEIPT_TOKEN", "Receipt token"),
                    ("WRAPPED", "Wrapped"),
                    ("FIAT", "Fiat currency"),
                ],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="asset",
            name="symbol",
            field=models.CharField(
                help_text="Display form, e.g. 'stETH'. Not unique, but for a FIAT asset: its ISO 4217 code (USD), one live asset per code.",
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="assetevent",
            name="asset_type",
            field=models.CharField(
                choices=[
                    ("NATIVE", "Native"),
                    ("ERC20", "ERC-20"),
                    ("SPL", "SPL"),
                    ("ERC721", "ERC-721"),
                    ("ERC1155", "ERC-1155"),
                    ("SYNTHETIC", "Synthetic"),
                    ("LP_TOKEN", "LP token"),
                    ("RECEIPT_TOKEN", "Receipt token"),
                    ("WRAPPED", "Wrapped"),
                    ("FIAT", "Fiat currency"),
                ],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="assetevent",
            name="symbol",
            field=models.CharField(
                help_text="Display form, e.g. 'stETH'. Not unique, but for a FIAT asset: its ISO 4217 code (USD), one live asset per code.",
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="asset",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("asset_type", "FIAT"), _negated=True),
                    ("symbol__regex", "^[A-Z]{3}$"),
                    _connector="OR",
                ),
                name="asset_fiat_symbol_is_iso_code",
                violation_error_message="A fiat asset's symbol is its ISO 4217 code (USD).",
            ),
        ),
        migrations.AddConstraint(
            model_name="asset",
            constraint=models.UniqueConstraint(
                condition=models.Q(("asset_type", "FIAT"), ("deleted_at__isnull", True)),
                fields=("symbol",),
                name="asset_one_live_fiat_per_code",
                violation_error_message="A live fiat asset with this ISO 4217 code exists.",
            ),
        ),
    ]
