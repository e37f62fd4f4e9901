"""The protobuf form of an asset, read with the suite's stand-in of the contracts."""

import uuid
from types import SimpleNamespace

from assets.events import asset_message
from tests.contracts.loader import contract_message

UNSPECIFIED, ERC20 = 0, 2


def asset(**fields) -> SimpleNamespace:
    values = {
        "asset_id": uuid.uuid4(),
        "symbol": "USD",
        "name": "US Dollar",
        "asset_type": "FIAT",
        "metadata": {"iso_numeric": "840"},
    }
    return SimpleNamespace(**(values | fields))


def decoded(item) -> object:
    return contract_message("cqc.assets.v1.Asset").FromString(
        asset_message(item).SerializeToString()
    )


def test_a_type_the_contracts_enum_lacks_is_unspecified_and_named_in_metadata():
    """The contract's AssetType has no FIAT: a consumer reads UNSPECIFIED, and
    metadata.cqar_asset_type says what it is."""
    message = decoded(asset())

    assert message.HasField("asset_type") and message.asset_type == UNSPECIFIED
    assert message.symbol == "USD"
    assert dict(message.metadata) == {"iso_numeric": "840", "cqar_asset_type": "FIAT"}


def test_a_type_the_contract_knows_is_its_enum_value_with_metadata_untouched():
    message = decoded(asset(symbol="USDC", asset_type="ERC20"))

    assert message.asset_type == ERC20
    assert dict(message.metadata) == {"iso_numeric": "840"}


def test_metadata_that_is_not_an_object_is_kept_beside_the_type():
    message = decoded(asset(metadata=["a"]))

    assert dict(message.metadata) == {"cqar_value": ["a"], "cqar_asset_type": "FIAT"}
    assert dict(decoded(asset(metadata=None)).metadata) == {"cqar_asset_type": "FIAT"}
