"""The widest rows the registry accepts, for checking that the admin's lists stay readable:
every text at its maximum length, an address with no place to break a line, metadata
that changes, and names on everything a list shows. Written through the services, as
the admin and the importers write, so the history holds them too."""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction

from assets.models import Asset, AssetDeployment
from assets.services import (
    asset_create,
    asset_update,
    deployment_create,
    group_create,
    group_member_add,
    relationship_create,
)
from chains.addresses import ADDRESS_MAX_LENGTH
from chains.models import Chain
from chains.services import chain_create
from markets.services import venue_symbol_create
from quality.choices import FlagType, Severity
from quality.models import AssetQualityFlag
from quality.services import flag_raise
from registry.actors import acting_as
from registry.text import NAME_MAX_LENGTH, SYMBOL_MAX_LENGTH
from venues.services import venue_create

LONG_NAME = ("Wrapped Liquid Staked Restaked Ether Bridged " * 5)[:NAME_MAX_LENGTH].strip()
LONG_SYMBOL = "WLSRETHBRIDGEDV2X"[:SYMBOL_MAX_LENGTH]
# A pass-through address (an "other" chain): no separator anywhere a line could break.
LONG_ADDRESS = ("bc1pX" + "q7" * ADDRESS_MAX_LENGTH)[:ADDRESS_MAX_LENGTH]
LONG_CHAIN_ID = "an-l2-of-an-l3-of-an-appchain-with-a-very-long-registry-chain-id"
LONG_REASON = (
    "Reported by three independent auditors: the bridge contract's admin key can mint "
    "without collateral, and withdrawals have been paused since the last upgrade. " * 4
)
LONG_SOURCE = ("auditor-with-a-very-long-organisation-name-and-department" * 2)[:100]


@dataclass
class WidestRows:
    asset: Asset
    underlying: Asset
    deployment: AssetDeployment
    chain: Chain
    flag: AssetQualityFlag


@transaction.atomic
def write_widest_rows() -> WidestRows:
    with acting_as("user:wide-data-steward", source="admin"):
        chain = chain_create(chain_id=LONG_CHAIN_ID, name=LONG_NAME, chain_type="OTHER")
        underlying = asset_create(
            symbol=LONG_SYMBOL[:-1] + "U", name="U " + LONG_NAME[:-2], asset_type="NATIVE"
        )
        asset = asset_create(
            symbol=LONG_SYMBOL,
            name=LONG_NAME,
            asset_type="WRAPPED",
            category="liquid-restaking-token-bridged-from-an-appchain-of-an-l3-rollup",
            metadata={"note": "x" * 400},
        )
        # A change of a long value (no spaces in it) for the history's before → after.
        asset_update(asset=asset, changes={"metadata": {"note": "y" * 400}})
        deployment = deployment_create(
            asset=asset, chain=chain, address=LONG_ADDRESS, decimals=18, is_canonical=True
        )
        relationship_create(
            parent_asset=underlying,
            child_asset=asset,
            relationship_type="WRAPS",
            protocol=("a-protocol-with-a-long-name-" * 4)[:100],
            chain=chain,
            valid_from=datetime(2021, 1, 1, tzinfo=UTC),
            valid_to=datetime(2099, 1, 1, tzinfo=UTC),
        )
        # A rebrand of the long names: a former name as long as they come.
        asset_update(asset=underlying, changes={"name": "V " + LONG_NAME[:-2]})
        group = group_create(group_id="wide-group", canonical_symbol=LONG_SYMBOL)
        group_member_add(group=group, asset=asset, is_canonical=True)
        venue = venue_create(venue_id="wide-venue", name=LONG_NAME, venue_type="CEX")
        venue_symbol_create(venue=venue, symbol=LONG_SYMBOL + "USDT", asset=asset)
    flag = flag_raise(
        asset=asset,
        flag_type=FlagType.EXPLOITED,
        severity=Severity.CRITICAL,
        reason=LONG_REASON,
        source=LONG_SOURCE,
        actor="user:wide-data-auditor",
    )
    return WidestRows(
        asset=asset, underlying=underlying, deployment=deployment, chain=chain, flag=flag
    )
