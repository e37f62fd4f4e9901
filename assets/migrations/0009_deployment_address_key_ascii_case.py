"""Deployment addresses compare with ASCII letters folded only, in PostgreSQL exactly as
in Python (chains.addresses.address_lookup_key), so the hot path, the importers and the
unique index agree on which spellings are one address. Finer than lower() was: no row
that was unique stops being unique."""

import chains.addresses
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assets", "0008_fiat_assets"),
        ("chains", "0004_network_id_positive"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="assetdeployment",
            name="deployment_unique_chain_address",
        ),
        migrations.RemoveIndex(
            model_name="assetdeployment",
            name="deployment_address_idx",
        ),
        migrations.AddIndex(
            model_name="assetdeployment",
            index=models.Index(
                chains.addresses.AddressKey("address"), name="deployment_address_key_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="assetdeployment",
            constraint=models.UniqueConstraint(
                models.F("chain"),
                chains.addresses.AddressKey("address"),
                name="deployment_unique_chain_address",
                violation_error_message="This chain already has a deployment at this address.",
            ),
        ),
    ]
