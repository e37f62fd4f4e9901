"""assets 0011: the assets' field sources move to the registry's one table, on a copy of
the demo registry as it was before markets existed (tests/markets/test_migration.py's
dump, which predates registry.FieldSource)."""

from tests.markets.test_migration import migrate, old_registry, rows  # noqa: F401 (fixture)


def test_every_asset_field_source_moves_with_its_source_actor_time_and_value(old_registry):  # noqa: F811
    before = rows(
        old_registry,
        "SELECT source.asset_id::text, source.field, source.source, source.actor, "
        "source.set_at, asset.name FROM assets_assetfieldsource AS source "
        "JOIN assets_asset AS asset USING (asset_id) ORDER BY 1, 2",
    )
    assert len(before) > 10

    migrate(old_registry)

    after = rows(
        old_registry,
        "SELECT object_key, field, source, actor, set_at, value FROM registry_fieldsource "
        "WHERE entity = 'assets.asset' ORDER BY 1, 2",
    )
    assert [row[:5] for row in after] == [row[:5] for row in before]
    names = {row[0]: row[5] for row in before if row[1] == "name"}
    assert {row[0]: row[5] for row in after if row[1] == "name"} == names
    gone = rows(old_registry, "SELECT to_regclass('assets_assetfieldsource')")
    assert gone == [(None,)]
