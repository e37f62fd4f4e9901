"""Write rules of the assets app, through its services."""

import pytest
from django.core.exceptions import ValidationError

from assets import services
from assets.models import Asset, AssetDeployment, AssetRelationship
from markets.models import VenueSymbol
from registry.exceptions import (
    AssetNotFoundError,
    DeploymentExistsError,
    InvalidRelationshipError,
    StaleVersionError,
)
from tests.factories import AssetDeploymentFactory, AssetFactory, ChainFactory, VenueSymbolFactory

pytestmark = pytest.mark.django_db

USDC_ETHEREUM = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


def link(parent, child, relationship_type="WRAPS"):
    return services.relationship_create(
        parent_asset=parent, child_asset=child, relationship_type=relationship_type
    )


class TestAssetCreate:
    def test_symbol_and_name_are_normalized(self):
        asset = services.asset_create(
            symbol=" \uff35\uff33\uff24\uff23 ", name=" USD   Coin ", asset_type="ERC20"
        )
        asset.refresh_from_db()
        assert (asset.symbol, asset.symbol_key, asset.name) == ("USDC", "USDC", "USD Coin")

    def test_invalid_fields_are_reported_together_and_nothing_is_written(self):
        with pytest.raises(ValidationError) as raised:
            services.asset_create(symbol="US\u200bDC", name="", asset_type="COIN")
        assert set(raised.value.message_dict) == {"symbol", "name", "asset_type"}
        assert Asset.all_objects.count() == 0

    def test_two_assets_may_share_a_symbol(self):
        services.asset_create(symbol="USDC", name="USD Coin", asset_type="ERC20")
        services.asset_create(symbol="usdc", name="Bridged USDC", asset_type="ERC20")
        assert Asset.objects.with_symbol("Usdc").count() == 2


class TestVersioning:
    def test_update_increments_version_once(self):
        asset = AssetFactory()
        changed = services.asset_update(asset=asset, changes={"name": "Renamed"})
        asset.refresh_from_db()
        assert changed == ["name"]
        assert (asset.name, asset.version) == ("Renamed", 2)

    def test_update_that_changes_nothing_writes_nothing(self):
        asset = AssetFactory(name="Same")
        assert services.asset_update(asset=asset, changes={"name": " Same "}) == []
        asset.refresh_from_db()
        assert asset.version == 1

    def test_bulk_queryset_update_increments_version(self):
        asset = AssetFactory()
        Asset.objects.filter(pk=asset.pk).update(category="stablecoin")
        asset.refresh_from_db()
        assert asset.version == 2

    def test_stale_expected_version_is_refused_and_nothing_is_written(self):
        asset = AssetFactory(name="Original")
        services.asset_update(asset=asset, changes={"name": "First"})
        with pytest.raises(StaleVersionError):
            services.asset_update(asset=asset, changes={"name": "Second"}, expected_version=1)
        asset.refresh_from_db()
        assert (asset.name, asset.version) == ("First", 2)

    def test_concurrent_writer_with_an_old_copy_does_not_overwrite(self):
        first_copy = AssetFactory(name="Original")
        second_copy = Asset.objects.get(pk=first_copy.pk)
        services.asset_update(asset=first_copy, changes={"name": "First"})
        with pytest.raises(StaleVersionError):
            services.asset_update(asset=second_copy, changes={"name": "Second"})
        assert Asset.objects.get(pk=first_copy.pk).name == "First"


class TestSoftDelete:
    def test_deleted_asset_is_absent_from_default_queries(self):
        asset = AssetFactory(symbol="GONE")
        services.asset_soft_delete(asset=asset)
        assert not Asset.objects.filter(pk=asset.pk).exists()
        assert not Asset.objects.with_symbol("GONE").exists()
        assert Asset.all_objects.get(pk=asset.pk).is_deleted

    def test_deleted_assets_deployments_and_tickers_stop_resolving(self):
        deployment = AssetDeploymentFactory(address=USDC_ETHEREUM)
        ticker = VenueSymbolFactory(asset=deployment.asset)
        services.asset_soft_delete(asset=deployment.asset)
        assert not AssetDeployment.objects.resolvable().at_address(USDC_ETHEREUM).exists()
        assert not VenueSymbol.objects.resolvable().filter(pk=ticker.pk).exists()

    def test_restore_brings_the_asset_and_what_hangs_off_it_back(self):
        deployment = AssetDeploymentFactory(address=USDC_ETHEREUM)
        asset = deployment.asset
        services.asset_soft_delete(asset=asset)
        services.asset_restore(asset=Asset.all_objects.get(pk=asset.pk))
        assert Asset.objects.filter(pk=asset.pk).exists()
        resolved = AssetDeployment.objects.resolvable().at_address(USDC_ETHEREUM.lower()).get()
        assert resolved.asset_id == asset.pk

    def test_deleted_asset_cannot_get_new_deployments(self):
        asset = AssetFactory()
        services.asset_soft_delete(asset=asset)
        with pytest.raises(ValidationError, match="is deleted"):
            services.deployment_create(
                asset=asset, chain=ChainFactory(), address=USDC_ETHEREUM, decimals=6
            )
        assert not AssetDeployment.objects.exists()

    def test_deployment_cannot_be_moved_to_a_deleted_asset(self):
        """The check reads the database, not a stale in-memory copy of the asset."""
        deployment = AssetDeploymentFactory()
        target = AssetFactory()
        stale_copy = Asset.objects.get(pk=target.pk)
        services.asset_soft_delete(asset=target)
        with pytest.raises(ValidationError, match="is deleted"):
            services.deployment_update(deployment=deployment, changes={"asset": stale_copy})

    def test_writes_to_a_deleted_asset_are_refused(self):
        asset = AssetFactory()
        services.asset_soft_delete(asset=asset)
        with pytest.raises(AssetNotFoundError):
            services.asset_update(asset=asset, changes={"name": "Back?"})


class TestTextRules:
    @pytest.mark.parametrize("field", ["description", "category"])
    def test_nul_character_in_any_text_field_is_a_field_error(self, field):
        with pytest.raises(ValidationError) as raised:
            services.asset_create(symbol="X", name="X", asset_type="ERC20", **{field: "a\x00b"})
        assert field in raised.value.message_dict
        assert Asset.all_objects.count() == 0

    def test_nul_character_inside_metadata_is_a_field_error(self):
        with pytest.raises(ValidationError) as raised:
            services.asset_create(
                symbol="X", name="X", asset_type="ERC20", metadata={"notes": ["ok", "a\x00"]}
            )
        assert "metadata" in raised.value.message_dict


class TestDeployments:
    def test_same_address_in_other_case_is_a_conflict(self):
        existing = AssetDeploymentFactory(address=USDC_ETHEREUM)
        with pytest.raises(DeploymentExistsError):
            services.deployment_create(
                asset=AssetFactory(),
                chain=existing.chain,
                address=USDC_ETHEREUM.lower(),
                decimals=6,
            )

    def test_address_is_stored_in_eip55_form(self):
        deployment = services.deployment_create(
            asset=AssetFactory(), chain=ChainFactory(), address=USDC_ETHEREUM.lower(), decimals=6
        )
        deployment.refresh_from_db()
        assert deployment.address == USDC_ETHEREUM

    def test_evm_address_resolves_in_any_case_but_solana_only_exactly(self):
        evm = AssetDeploymentFactory(address=USDC_ETHEREUM)
        solana = ChainFactory(chain_type="SOLANA", network_id=None)
        mint = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
        AssetDeploymentFactory(chain=solana, address=mint)
        assert AssetDeployment.objects.at_address(USDC_ETHEREUM.lower(), evm.chain_id).exists()
        assert AssetDeployment.objects.at_address(mint, solana.chain_id).exists()
        assert not AssetDeployment.objects.at_address(mint.lower(), solana.chain_id).exists()

    def test_moving_a_deployment_to_another_chain_renormalizes_its_address(self):
        other = ChainFactory(chain_type="OTHER", network_id=None)
        deployment = AssetDeploymentFactory(chain=other, address=USDC_ETHEREUM.lower())
        changed = services.deployment_update(
            deployment=deployment, changes={"chain": ChainFactory()}
        )
        deployment.refresh_from_db()
        assert set(changed) == {"chain", "address"}
        assert deployment.address == USDC_ETHEREUM

    def test_bad_checksum_is_a_field_error(self):
        with pytest.raises(ValidationError) as raised:
            services.deployment_create(
                asset=AssetFactory(),
                chain=ChainFactory(),
                address="0xa0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
                decimals=6,
            )
        assert "EIP-55" in raised.value.message_dict["address"][0]

    def test_decimals_above_255_are_a_field_error(self):
        with pytest.raises(ValidationError) as raised:
            services.deployment_create(
                asset=AssetFactory(), chain=ChainFactory(), address=USDC_ETHEREUM, decimals=300
            )
        assert "decimals" in raised.value.message_dict


class TestRelationships:
    def test_link_that_closes_a_cycle_is_refused(self):
        eth, steth, wsteth = AssetFactory(), AssetFactory(), AssetFactory()
        link(eth, steth, "STAKES")
        link(steth, wsteth)
        with pytest.raises(InvalidRelationshipError, match="cycle"):
            link(wsteth, eth)
        assert AssetRelationship.objects.count() == 2

    def test_reverse_of_an_existing_link_is_refused(self):
        eth, weth = AssetFactory(), AssetFactory()
        link(eth, weth)
        with pytest.raises(InvalidRelationshipError):
            link(weth, eth, "BRIDGES")

    def test_self_link_and_duplicate_link_are_refused(self):
        eth, weth = AssetFactory(), AssetFactory()
        with pytest.raises(InvalidRelationshipError):
            link(eth, eth)
        link(eth, weth)
        with pytest.raises(InvalidRelationshipError):
            link(eth, weth)

    def test_diamond_is_not_a_cycle(self):
        eth, steth, wsteth, bridged = (AssetFactory() for _ in range(4))
        link(eth, steth, "STAKES")
        link(steth, wsteth)
        link(eth, bridged, "BRIDGES")
        link(bridged, wsteth, "BRIDGES")
        assert AssetRelationship.objects.count() == 4
