"""The database itself refuses what it must, even when Python validation is bypassed.

Each case writes with ``bulk_create``, ``QuerySet.update`` or a factory's plain
``save()``, all of which skip ``full_clean`` and the services, and expects PostgreSQL
to refuse by naming the constraint.
"""

import uuid

import pytest
from django.db import IntegrityError, connection, transaction

from assets.models import (
    Asset,
    AssetDeployment,
    AssetGroupMember,
    AssetIdentifier,
    AssetRelationship,
)
from chains.models import Chain
from markets.models import Market, VenueSymbol
from quality.models import AssetQualityFlag
from tests.factories import (
    AssetDeploymentFactory,
    AssetFactory,
    AssetGroupFactory,
    AssetGroupMemberFactory,
    AssetIdentifierFactory,
    AssetQualityFlagFactory,
    ChainFactory,
    InstrumentFactory,
    VenueAssetFactory,
    VenueSymbolFactory,
)
from venues.models import VenueAsset

pytestmark = pytest.mark.django_db

USDC_ETHEREUM = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


def assert_refused(constraint: str, write) -> None:
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        # Foreign keys are deferred to commit by default; check them now.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        write()


def test_deployment_pointing_at_a_missing_asset_is_refused():
    chain = ChainFactory()
    assert_refused(
        "assets_assetdeployme_asset_id",
        lambda: AssetDeployment.objects.bulk_create(
            [AssetDeployment(asset_id=uuid.uuid4(), chain=chain, address=USDC_ETHEREUM, decimals=6)]
        ),
    )


def test_same_address_in_other_letter_case_on_one_chain_is_refused():
    existing = AssetDeploymentFactory(address=USDC_ETHEREUM)
    other = AssetFactory()
    assert_refused(
        "deployment_unique_chain_address",
        lambda: AssetDeployment.objects.bulk_create(
            [
                AssetDeployment(
                    asset=other, chain=existing.chain, address=USDC_ETHEREUM.lower(), decimals=6
                )
            ]
        ),
    )


def test_same_address_on_another_chain_is_allowed():
    existing = AssetDeploymentFactory(address="0x4200000000000000000000000000000000000006")
    AssetDeployment.objects.bulk_create(
        [
            AssetDeployment(
                asset=existing.asset, chain=ChainFactory(), address=existing.address, decimals=18
            )
        ]
    )
    assert AssetDeployment.objects.at_address(existing.address).count() == 2


def test_second_canonical_deployment_of_an_asset_is_refused():
    first = AssetDeploymentFactory(is_canonical=True)
    assert_refused(
        "deployment_one_canonical_per_asset",
        lambda: AssetDeploymentFactory(asset=first.asset, is_canonical=True),
    )


def test_decimals_above_255_are_refused():
    deployment = AssetDeploymentFactory()
    assert_refused(
        "deployment_decimals_0_255",
        lambda: AssetDeployment.objects.filter(pk=deployment.pk).update(decimals=300),
    )


def test_non_native_deployment_without_address_is_refused():
    assert_refused("deployment_address_unless_native", lambda: AssetDeploymentFactory(address=""))


def test_self_relationship_is_refused():
    asset = AssetFactory()
    assert_refused(
        "relationship_parent_is_not_child",
        lambda: AssetRelationship.objects.bulk_create(
            [AssetRelationship(parent_asset=asset, child_asset=asset, relationship_type="WRAPS")]
        ),
    )


def test_duplicate_relationship_is_refused():
    parent, child = AssetFactory(), AssetFactory()
    relationship = AssetRelationship(
        parent_asset=parent, child_asset=child, relationship_type="WRAPS"
    )
    AssetRelationship.objects.bulk_create([relationship])
    assert_refused(
        "relationship_unique_parent_child_type",
        lambda: AssetRelationship.objects.bulk_create(
            [AssetRelationship(parent_asset=parent, child_asset=child, relationship_type="WRAPS")]
        ),
    )


def test_duplicate_external_id_of_a_source_is_refused():
    identifier = AssetIdentifierFactory()
    assert_refused(
        "identifier_unique_source_external_id",
        lambda: AssetIdentifier.objects.bulk_create(
            [
                AssetIdentifier(
                    asset=AssetFactory(),
                    source=identifier.source,
                    external_id=identifier.external_id,
                )
            ]
        ),
    )


def test_second_canonical_group_member_is_refused():
    member = AssetGroupMemberFactory(is_canonical=True)
    assert_refused(
        "group_member_one_canonical_per_group",
        lambda: AssetGroupMember.objects.bulk_create(
            [AssetGroupMember(group=member.group, asset=AssetFactory(), is_canonical=True)]
        ),
    )


def test_group_canonical_symbol_is_unique_without_regard_to_case():
    AssetGroupFactory(canonical_symbol="ETH")
    assert_refused(
        "group_unique_canonical_symbol", lambda: AssetGroupFactory(canonical_symbol="eth")
    )


def test_severity_outside_1_to_5_is_refused():
    flag = AssetQualityFlagFactory()
    assert_refused(
        "flag_severity_1_5", lambda: AssetQualityFlag.objects.filter(pk=flag.pk).update(severity=6)
    )


def test_evm_chain_without_network_id_is_refused():
    assert_refused(
        "chain_evm_has_network_id",
        lambda: Chain.objects.bulk_create(
            [Chain(chain_id="nowhere", name="Nowhere", chain_type="EVM")]
        ),
    )


def test_duplicate_venue_code_is_refused():
    venue_asset = VenueAssetFactory(venue_asset_symbol="XXBT")
    assert_refused(
        "venue_asset_unique_venue_code",
        lambda: VenueAsset.objects.bulk_create(
            [VenueAsset(venue=venue_asset.venue, asset=AssetFactory(), venue_asset_symbol="XXBT")]
        ),
    )


def test_two_current_mappings_of_one_ticker_and_market_type_are_refused():
    mapping = VenueSymbolFactory(symbol="BTCUSDT")
    assert_refused(
        "market_unique_current",
        lambda: Market.objects.bulk_create(
            [
                Market(
                    venue=mapping.venue,
                    venue_symbol="BTCUSDT",
                    market_type="SPOT",
                    instrument=InstrumentFactory(),
                )
            ]
        ),
    )


def test_one_ticker_may_name_a_spot_and_a_perpetual_market():
    spot = VenueSymbolFactory(symbol="BTCUSDT", market_type="SPOT")
    VenueSymbolFactory(
        venue=spot.venue, symbol="BTCUSDT", market_type="PERPETUAL", asset=spot.asset
    )
    assert (
        VenueSymbol.objects.current().filter(venue=spot.venue, venue_symbol="BTCUSDT").count() == 2
    )


def test_a_delisted_ticker_may_be_mapped_again():
    old = VenueSymbolFactory(symbol="LUNAUSDT")
    VenueSymbol.objects.filter(pk=old.pk).update(
        delisted_at="2022-05-13T00:00:00Z", status="DELISTED"
    )
    VenueSymbolFactory(venue=old.venue, symbol="LUNAUSDT")
    assert VenueSymbol.objects.filter(venue=old.venue, venue_symbol="LUNAUSDT").count() == 2


def test_symbol_key_is_computed_by_the_database_even_for_bulk_inserts():
    Asset.objects.bulk_create([Asset(symbol="stETH", name="Lido Staked Ether", asset_type="ERC20")])
    assert Asset.objects.get(symbol="stETH").symbol_key == "STETH"


def test_asset_twice_in_one_group_is_refused():
    member = AssetGroupMemberFactory()
    assert_refused(
        "group_member_unique_group_asset",
        lambda: AssetGroupMemberFactory(group=member.group, asset=member.asset),
    )


def test_second_primary_identifier_from_one_source_is_refused():
    primary = AssetIdentifierFactory(is_primary=True)
    assert_refused(
        "identifier_one_primary_per_asset_source",
        lambda: AssetIdentifierFactory(asset=primary.asset, is_primary=True),
    )


def test_ticker_quoted_in_its_own_base_asset_is_refused():
    asset = AssetFactory()
    assert_refused(
        "instrument_quote_differs_from_underlying",
        lambda: VenueSymbolFactory(asset=asset, quote_asset=asset),
    )


def test_two_chains_with_one_network_id_are_refused():
    ChainFactory(network_id=42161)
    assert_refused("network_id", lambda: ChainFactory(network_id=42161))


def test_empty_symbol_is_refused():
    assert_refused("asset_symbol_not_empty", lambda: AssetFactory(symbol=""))
