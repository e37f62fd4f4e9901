"""Field sources move to the registry's one table (registry.FieldSource), which keeps the
sources of every entity's fields: the assets' rows are copied there, with the value each
field holds now as the value its source set, then the assets' own table goes."""

from django.db import migrations

COPY = """
INSERT INTO registry_fieldsource (entity, object_key, field, source, actor, set_at, value)
SELECT 'assets.asset', source.asset_id::text, source.field, source.source, source.actor,
       source.set_at,
       CASE source.field
           WHEN 'symbol' THEN to_jsonb(asset.symbol)
           WHEN 'name' THEN to_jsonb(asset.name)
           WHEN 'asset_type' THEN to_jsonb(asset.asset_type)
           WHEN 'category' THEN to_jsonb(asset.category)
           WHEN 'description' THEN to_jsonb(asset.description)
           WHEN 'logo_url' THEN to_jsonb(asset.logo_url)
           WHEN 'website_url' THEN to_jsonb(asset.website_url)
           WHEN 'metadata' THEN asset.metadata
       END
FROM assets_assetfieldsource AS source
JOIN assets_asset AS asset ON asset.asset_id = source.asset_id
ON CONFLICT (entity, object_key, field) DO NOTHING
"""

COPY_BACK = """
INSERT INTO assets_assetfieldsource (asset_id, field, source, actor, set_at)
SELECT object_key::uuid, field, source, actor, set_at
FROM registry_fieldsource WHERE entity = 'assets.asset'
"""


class Migration(migrations.Migration):
    dependencies = [
        ("assets", "0010_history_lookup_indexes"),
        ("registry", "0008_field_sources"),
    ]

    operations = [
        migrations.RunSQL(COPY, COPY_BACK),
        migrations.DeleteModel(name="AssetFieldSource"),
    ]
