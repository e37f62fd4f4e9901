"""The three platform flows (docs/DESIGN.md "Who uses it") over gRPC, on the demo data,
with a client generated from proto/ as each platform service would use it."""

from io import StringIO

import grpc
import pytest
from django.core.management import call_command

from registry.roles import AUDITOR, VIEWER
from tests.conftest import token_client
from tests.rpc.conftest import metadata_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_md(transactional_db):
    call_command("load_demo", stdout=StringIO())
    return metadata_of(token_client("platform", VIEWER, service=True))


def asset_symbol(stub, service, metadata, asset_id: str) -> str:
    return stub.GetAsset(service.GetAssetRequest(asset_id=asset_id), metadata=metadata).asset.symbol


def test_market_data_maps_a_venue_ticker_to_its_market_instrument_and_assets(
    stub, client_modules, demo_md
):
    service = client_modules.service
    resolved = stub.ResolveMarket(
        service.ResolveMarketRequest(venue_id="kraken", venue_symbol="XXBTZUSD"), metadata=demo_md
    )
    market = stub.GetMarket(
        service.GetMarketRequest(market_id=resolved.market_id), metadata=demo_md
    ).market
    assert (market.venue_id, market.venue_symbol, market.instrument_id) == (
        "kraken",
        "XXBTZUSD",
        resolved.instrument_id,
    )
    instrument = stub.GetInstrument(
        service.GetInstrumentRequest(instrument_id=resolved.instrument_id), metadata=demo_md
    ).instrument
    assert instrument.instrument_type == "SPOT"
    spot = stub.GetSpotInstrument(
        service.GetSpotInstrumentRequest(instrument_id=resolved.instrument_id), metadata=demo_md
    ).spot_instrument
    assert asset_symbol(stub, service, demo_md, spot.base_asset_id) == "BTC"

    # One symbol, two markets on binance: the perpetual asked for by its type.
    perpetual = stub.ResolveMarket(
        service.ResolveMarketRequest(venue_id="binance", venue_symbol="BTCUSDT"),
        metadata=(*demo_md, ("cqar-market-type", "PERPETUAL")),
    )
    perp = stub.GetPerpContract(
        service.GetPerpContractRequest(instrument_id=perpetual.instrument_id), metadata=demo_md
    ).perp_contract
    assert perp.underlying_asset_id == spot.base_asset_id


def blocking_flags(stub, service, assets_pb2, metadata, asset_ids) -> list:
    """The pre-trade check: every active CRITICAL flag of the market's assets."""
    return [
        flag
        for asset_id in asset_ids
        for flag in stub.ListQualityFlags(
            service.ListQualityFlagsRequest(
                asset_id=asset_id, min_severity=assets_pb2.FLAG_SEVERITY_CRITICAL
            ),
            metadata=metadata,
        ).flags
    ]


def test_the_exchange_checks_pre_trade_and_is_refused_on_a_critical_flag(
    stub, client_modules, demo_md
):
    service, assets_pb2 = client_modules.service, client_modules.assets
    resolved = stub.ResolveMarket(
        service.ResolveMarketRequest(venue_id="binance", venue_symbol="BTCUSDT"), metadata=demo_md
    )
    spot = stub.GetSpotInstrument(
        service.GetSpotInstrumentRequest(instrument_id=resolved.instrument_id), metadata=demo_md
    ).spot_instrument
    traded = [spot.base_asset_id, spot.quote_asset_id]
    assert blocking_flags(stub, service, assets_pb2, demo_md, traded) == []

    auditor = metadata_of(token_client("risk-desk", VIEWER, AUDITOR, service=True))
    raised = stub.RaiseQualityFlag(
        service.RaiseQualityFlagRequest(
            asset_id=spot.quote_asset_id,
            flag_type=assets_pb2.FLAG_TYPE_PAUSED,
            severity=assets_pb2.FLAG_SEVERITY_CRITICAL,
            description="Issuer paused transfers",
        ),
        metadata=auditor,
    ).flag
    blocking = blocking_flags(stub, service, assets_pb2, demo_md, traded)
    assert [(flag.flag_id, flag.asset_id) for flag in blocking] == [
        (raised.flag_id, spot.quote_asset_id)
    ]

    # Four eyes: the auditor who raised it may not resolve it; another one may.
    with pytest.raises(grpc.RpcError) as refused:
        stub.ResolveQualityFlag(
            service.ResolveQualityFlagRequest(flag_id=raised.flag_id, resolution_notes="ok"),
            metadata=auditor,
        )
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    second = metadata_of(token_client("second-desk", VIEWER, AUDITOR, service=True))
    stub.ResolveQualityFlag(
        service.ResolveQualityFlagRequest(flag_id=raised.flag_id, resolution_notes="Resumed"),
        metadata=second,
    )
    assert blocking_flags(stub, service, assets_pb2, demo_md, traded) == []


def test_the_portfolio_gathers_every_variant_of_eth(stub, client_modules, demo_md):
    service = client_modules.service
    found = stub.SearchAssets(service.SearchAssetsRequest(query="ETH"), metadata=demo_md).assets
    eth = next(asset for asset in found if asset.symbol == "ETH")
    gathered, frontier = {eth.asset_id}, [eth.asset_id]
    while frontier:  # children of children: wstETH wraps stETH, which stakes ETH
        asset_id = frontier.pop()
        for link in stub.ListAssetRelationships(
            service.ListAssetRelationshipsRequest(asset_id=asset_id), metadata=demo_md
        ).relationships:
            if link.from_asset_id == asset_id and link.to_asset_id not in gathered:
                gathered.add(link.to_asset_id)
                frontier.append(link.to_asset_id)
    symbols = {asset_symbol(stub, service, demo_md, asset_id) for asset_id in gathered}
    assert symbols == {"ETH", "WETH", "stETH", "wstETH", "cbETH", "rETH"}


def test_a_market_whose_quote_asset_is_deleted_no_longer_resolves_nor_passes_pre_trade(
    stub, client_modules, demo_md
):
    """Deleting the quote asset (USDT of binance BTCUSDT) must not leave the market
    tradeable on the base asset's flags alone: it stops resolving, over gRPC and REST,
    so the pre-trade check fails closed."""
    from assets.models import Asset
    from assets.services import asset_soft_delete
    from registry.actors import acting_as
    from tests.conftest import token_client as rest_client

    service = client_modules.service
    request = service.ResolveMarketRequest(venue_id="binance", venue_symbol="BTCUSDT")
    resolved = stub.ResolveMarket(request, metadata=(*demo_md, ("cqar-market-type", "PERPETUAL")))
    rest = rest_client("rest-desk", VIEWER, service=True)
    pretrade = {"venue": "binance", "symbol": "BTCUSDT", "market_type": "PERPETUAL"}
    assert rest.get("/api/v1/resolve/pretrade/", pretrade).json()["tradeable"]
    spot = stub.GetPerpContract(
        service.GetPerpContractRequest(instrument_id=resolved.instrument_id), metadata=demo_md
    )
    assert spot.perp_contract.instrument_id == resolved.instrument_id
    with acting_as("user:steward"):
        asset_soft_delete(asset=Asset.objects.get(symbol="USDT"))

    with pytest.raises(grpc.RpcError) as gone:
        stub.ResolveMarket(request, metadata=(*demo_md, ("cqar-market-type", "PERPETUAL")))
    assert gone.value.code() == grpc.StatusCode.NOT_FOUND
    answer = rest.get("/api/v1/resolve/pretrade/", pretrade)
    assert answer.status_code == 404, answer.content
