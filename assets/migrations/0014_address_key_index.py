import chains.addresses
from django.db import migrations, models


class Migration(migrations.Migration):
    """An address looked up without its chain reads the deployments' history by the
    address's key alone (the live table has deployment_address_key_idx already)."""

    dependencies = [
        ("assets", "0013_lineage"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="assetdeploymentevent",
            index=models.Index(
                chains.addresses.AddressKey("address"), name="deployment_event_addr_key_idx"
            ),
        ),
    ]
