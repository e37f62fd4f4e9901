"""A registry at real sizes for the admin's tests: the full chain list's ~2,000 chains and
100,000 assets, with as many venues, groups, flag sources and relationship protocols as
chains, so that every filter over a related or free-text set meets thousands of values.

Rows go in with one ``INSERT … SELECT generate_series`` per table (10 to 40 s with the
history triggers, on a busy machine), not through the services: this is fixture data at
the size of a real registry, not curation. Every value is valid for its model. The tables
are analyzed by name: a bare ANALYZE also locks the catalogs every database shares.
"""

from dataclasses import dataclass

from django.db import connection, transaction

CHAINS = 2_000
ASSETS = 100_000


@dataclass(frozen=True)
class Scale:
    chains: int
    assets: int

    @property
    def tickers(self) -> int:
        return self.assets // 10


def load_registry_at_scale(*, chains: int = CHAINS, assets: int = ASSETS) -> Scale:
    """Chains ``chain-1`` … ``chain-<chains>``; assets ``TK1`` … ``TK<assets>`` ("Token
    number N"), each deployed on chain ``N mod chains``; per chain a venue, a group and a
    flag source; one ticker (and venue code) per ten assets; one active flag, one group
    membership, one relationship and one field source per fifty."""
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in _STATEMENTS.split(";\n\n"):
            cursor.execute(statement, {"chains": chains, "assets": assets})
    return Scale(chains=chains, assets=assets)


_STATEMENTS = """
INSERT INTO chains_chain (created_at, updated_at, version, chain_id, name,
    chain_type, network_id, caip2_reference, rpc_url, explorer_url, is_testnet,
    metadata)
SELECT now(), now(), 1, 'chain-' || i, 'Chain number ' || i, 'EVM', 7000000 + i,
    '', '', '', i %% 10 = 0, '{}'
FROM generate_series(1, %(chains)s) AS i;

INSERT INTO venues_venue (created_at, updated_at, version, venue_id, name,
    venue_type, protocol_address, website_url, api_url, is_active, metadata,
    chain_id)
SELECT now(), now(), 1, 'venue-' || i, 'Venue number ' || i,
    CASE WHEN i %% 2 = 0 THEN 'CEX' ELSE 'DEX' END, '', '', '', true, '{}',
    CASE WHEN i %% 2 = 0 THEN NULL ELSE 'chain-' || i END
FROM generate_series(1, %(chains)s) AS i;

INSERT INTO assets_assetgroup (created_at, updated_at, version, group_id,
    canonical_symbol, issuer, description, metadata)
SELECT now(), now(), 1, 'group-' || i, 'GRP' || i, '', '', '{}'
FROM generate_series(1, %(chains)s) AS i;

CREATE TEMPORARY TABLE scale_asset ON COMMIT DROP AS
SELECT i AS n, gen_random_uuid() AS asset_id
FROM generate_series(1, %(assets)s) AS i;

INSERT INTO assets_asset (created_at, updated_at, version, deleted_at, asset_id,
    symbol, name, asset_type, category, description, logo_url, website_url,
    metadata)
SELECT now(), now(), 1, NULL, asset_id, 'TK' || n, 'Token number ' || n, 'ERC20',
    'category-' || (n %% %(chains)s), '', '', '', '{}'
FROM scale_asset;

INSERT INTO assets_assetdeployment (created_at, updated_at, version,
    deployment_id, address, decimals, is_native, is_canonical, deployment_block,
    deployment_tx, deployer_address, is_verified, deployed_at, metadata, asset_id,
    chain_id)
SELECT now(), now(), 1, gen_random_uuid(), '0x' || lpad(to_hex(n), 40, '0'), 18,
    false, true, NULL, '', '', false, NULL, '{}', asset_id,
    'chain-' || (n %% %(chains)s + 1)
FROM scale_asset;

INSERT INTO markets_instrument (created_at, updated_at, version, instrument_id,
    instrument_type, code, underlying_asset_id, option_type, exercise_style,
    terms_complete, metadata)
SELECT now(), now(), 1, md5('instrument' || n)::uuid, 'SPOT', 'TK' || n || '-UNKNOWN-' || n,
    asset_id, '', '', false, '{}'
FROM scale_asset WHERE n %% 10 = 0;

INSERT INTO markets_market (created_at, updated_at, version, venue_symbol,
    market_type, instrument_id, status, listed_at, delisted_at, metadata, venue_id)
SELECT now(), now(), 1, 'TK' || n || 'USD', 'SPOT', md5('instrument' || n)::uuid,
    'TRADING', NULL, NULL, '{}', 'venue-' || (n / 10 %% %(chains)s + 1)
FROM scale_asset WHERE n %% 10 = 0;

INSERT INTO venues_venueasset (created_at, updated_at, version,
    venue_asset_symbol, deposit_enabled, withdraw_enabled, trading_enabled,
    is_active, metadata, asset_id, venue_id)
SELECT now(), now(), 1, 'TK' || n, true, true, true, true, '{}', asset_id,
    'venue-' || (n / 10 %% %(chains)s + 1)
FROM scale_asset WHERE n %% 10 = 0;

INSERT INTO quality_assetqualityflag (created_at, updated_at, version, flag_id,
    flag_type, severity, source, reason, evidence_url, raised_at, raised_by,
    resolved_at, resolved_by, resolution_notes, metadata, asset_id)
SELECT now(), now(), 1, gen_random_uuid(), 'UNVERIFIED', 1 + n / 50 %% 5,
    'auditor-' || (n / 50), 'A synthetic flag.', '', now(), '', NULL, '', '',
    '{}', asset_id
FROM scale_asset WHERE n %% 50 = 0;

INSERT INTO assets_assetgroupmember (created_at, updated_at, version,
    is_canonical, weight, asset_id, group_id)
SELECT now(), now(), 1, true, 1, asset_id, 'group-' || (n / 50)
FROM scale_asset WHERE n %% 50 = 0;

INSERT INTO assets_assetrelationship (created_at, updated_at, version,
    relationship_id, relationship_type, conversion_rate, protocol, description,
    metadata, child_asset_id, parent_asset_id)
SELECT now(), now(), 1, gen_random_uuid(), 'WRAPS', 1, 'protocol-' || (child.n / 50),
    '', '{}', child.asset_id, parent.asset_id
FROM scale_asset AS child JOIN scale_asset AS parent ON parent.n = child.n - 1
WHERE child.n %% 50 = 0;

INSERT INTO registry_fieldsource (entity, object_key, field, source, actor, set_at, value)
SELECT 'assets.asset', asset_id::text, 'name', 'import:list-' || (n / 50), 'service:importer',
    now(), '"name"'
FROM scale_asset WHERE n %% 50 = 0;

ANALYZE chains_chain, venues_venue, assets_assetgroup, assets_asset, assets_assetdeployment,
    markets_instrument, markets_market, venues_venueasset, quality_assetqualityflag,
    assets_assetgroupmember, assets_assetrelationship, registry_fieldsource,
    chains_chainevent, venues_venueevent, assets_assetgroupevent, assets_assetevent,
    assets_assetdeploymentevent, markets_instrumentevent, markets_marketevent,
    venues_venueassetevent, quality_assetqualityflagevent, assets_assetgroupmemberevent,
    assets_assetrelationshipevent
"""
