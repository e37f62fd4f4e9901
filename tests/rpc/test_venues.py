"""The venues methods over gRPC, against the real server: venues and venues' codes for
assets, as REST writes and answers them."""

import uuid
from datetime import UTC, datetime

import grpc
import pytest

from registry.models import ChangeEvent, OutboxEvent
from tests.factories import AssetFactory, ChainFactory, VenueAssetFactory, VenueFactory
from tests.rpc.conftest import error_details, rpc_error
from venues.models import Venue, VenueAsset

pytestmark = pytest.mark.django_db(transaction=True)

NO_SUCH_ASSET = "00000000-0000-4000-8000-000000000000"


def invalid_fields(error) -> dict:
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
    return error_details(error)["fields"]


# --- CreateVenue ------------------------------------------------------------------------


def test_create_venue_makes_the_slug_from_the_name_as_rest_shows_it(
    stub, client_modules, steward_md, viewer
):
    ChainFactory(chain_id="ethereum", network_id=1)
    venues = client_modules.venues
    answer, call = stub.CreateVenue.with_call(
        client_modules.service.CreateVenueRequest(
            name="Uniswap  V3",
            venue_type=venues.VENUE_TYPE_DEX,
            chain_id="ethereum",
            api_endpoint="https://api.uniswap.org/v1",
            website_url="https://uniswap.org",
        ),
        metadata=steward_md,
    )
    venue = Venue.objects.get(pk="uniswap-v3")
    assert (venue.name, venue.venue_type, venue.chain_id) == ("Uniswap V3", "DEX", "ethereum")
    assert (venue.api_url, venue.website_url) == (
        "https://api.uniswap.org/v1",
        "https://uniswap.org",
    )
    message = answer.venue
    assert (message.venue_id, message.name, message.venue_type, message.chain_id) == (
        "uniswap-v3",
        "Uniswap V3",
        venues.VENUE_TYPE_DEX,
        "ethereum",
    )
    assert (message.api_endpoint, message.website_url, message.is_active) == (
        "https://api.uniswap.org/v1",
        "https://uniswap.org",
        True,
    )
    assert dict(call.trailing_metadata())["etag"] == f'"{venue.version}"'
    rest = viewer.get("/api/v1/venues/uniswap-v3/").json()
    assert (rest["name"], rest["venue_type"], rest["chain"], rest["api_url"]) == (
        message.name,
        venues.VenueType.Name(message.venue_type).removeprefix("VENUE_TYPE_"),
        message.chain_id,
        message.api_endpoint,
    )
    assert message.created_at.ToDatetime(tzinfo=UTC) == datetime.fromisoformat(rest["created_at"])
    # The same write as REST's: its event and history, by the token's account via grpc.
    event = OutboxEvent.objects.get(event_type="venue_created", entity_id="uniswap-v3")
    assert event.actor_id == "service:grpc-steward"
    change = ChangeEvent.objects.tracks(venue).get()
    assert (change.actor, change.source) == ("service:grpc-steward", "grpc")


def test_create_venue_of_an_existing_slug_already_exists(stub, client_modules, steward_md):
    VenueFactory(venue_id="crypto-com", name="Crypto.com")
    error = rpc_error(
        stub.CreateVenue,
        client_modules.service.CreateVenueRequest(
            name="Crypto.com", venue_type=client_modules.venues.VENUE_TYPE_CEX
        ),
        metadata=steward_md,
    )
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert error_details(error)["reason"] == "conflict"
    assert Venue.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"venue_type": 1}, "name"),  # missing
        ({"name": "???", "venue_type": 1}, "name"),  # no letter or digit to make a slug of
        ({"name": "Kraken"}, "venue_type"),  # missing
        ({"name": "Kraken", "venue_type": 99}, "venue_type"),  # a number the contract lacks
        ({"name": "Kraken", "venue_type": 1, "chain_id": "atlantis"}, "chain_id"),
        ({"name": "Kraken", "venue_type": 1, "api_endpoint": "not a url"}, "api_endpoint"),
        ({"name": "Kraken", "venue_type": 1, "website_url": "ftp://kraken"}, "website_url"),
    ],
)
def test_create_venue_refuses_invalid_input_naming_the_field(
    stub, client_modules, steward_md, fields, field
):
    error = rpc_error(
        stub.CreateVenue, client_modules.service.CreateVenueRequest(**fields), metadata=steward_md
    )
    assert field in invalid_fields(error)
    assert not Venue.objects.exists()


def test_an_error_the_model_raises_names_the_request_field(stub, client_modules, steward_md):
    """The serializer lets the zero-width space through, the model's normalize() refuses
    it as ``api_url``: the answer names the field the request sent, ``api_endpoint``."""
    error = rpc_error(
        stub.CreateVenue,
        client_modules.service.CreateVenueRequest(
            name="Kraken", venue_type=1, api_endpoint="https://a\u200b.com"
        ),
        metadata=steward_md,
    )
    fields = invalid_fields(error)
    assert list(fields) == ["api_endpoint"]
    assert "U+200B" in fields["api_endpoint"][0]
    assert not Venue.objects.exists()


@pytest.mark.parametrize(
    ("name", "venue_id"),
    [
        ("Börse Stuttgart", "borse-stuttgart"),  # accents dropped
        ("\uff2b\uff52\uff41\uff4b\uff45\uff4e", "kraken"),  # full-width letters
        ("Gate.io  (Global)", "gate-io-global"),
        ("X" * 70 + " Y", "x" * 64),  # at most the field's 64 characters
    ],
)
def test_a_venues_slug_follows_the_registrys_one_rule(
    stub, client_modules, steward_md, name, venue_id
):
    answer = stub.CreateVenue(
        client_modules.service.CreateVenueRequest(name=name, venue_type=1), metadata=steward_md
    )
    assert answer.venue.venue_id == venue_id
    assert Venue.objects.get().venue_id == venue_id


def test_a_venue_and_a_chain_of_one_name_get_one_slug(stub, client_modules, steward_md):
    """Crypto.com was crypto-com as a venue and cryptocom as a chain."""
    venue = stub.CreateVenue(
        client_modules.service.CreateVenueRequest(name="Crypto.com", venue_type=1),
        metadata=steward_md,
    ).venue
    chain = stub.CreateChain(
        client_modules.service.CreateChainRequest(
            name="Crypto.com", chain_type="OTHER", native_asset_symbol="CRO"
        ),
        metadata=steward_md,
    ).chain
    assert venue.venue_id == chain.chain_id == "crypto-com"


def test_create_venue_needs_a_token_and_a_stewards_permission(stub, client_modules, viewer_md):
    request = client_modules.service.CreateVenueRequest(
        name="Kraken", venue_type=client_modules.venues.VENUE_TYPE_CEX
    )
    assert rpc_error(stub.CreateVenue, request).code() == grpc.StatusCode.UNAUTHENTICATED
    error = rpc_error(stub.CreateVenue, request, metadata=viewer_md)
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert not Venue.objects.exists()


# --- GetVenue, ListVenues ---------------------------------------------------------------


def test_get_venue_answers_what_rest_answers(stub, client_modules, viewer_md, viewer):
    VenueFactory(venue_id="kraken", name="Kraken", metadata={"region": "US"})
    answer, call = stub.GetVenue.with_call(
        client_modules.service.GetVenueRequest(venue_id="kraken"), metadata=viewer_md
    )
    rest = viewer.get("/api/v1/venues/kraken/")
    venue = answer.venue
    assert (venue.venue_id, venue.name, venue.venue_type) == (
        "kraken",
        "Kraken",
        client_modules.venues.VENUE_TYPE_CEX,
    )
    assert not venue.HasField("chain_id")
    assert dict(venue.metadata) == rest.json()["metadata"] == {"region": "US"}
    assert dict(call.trailing_metadata())["etag"] == rest["ETag"]


def test_get_venue_unknown_is_not_found_and_missing_id_invalid(stub, client_modules, viewer_md):
    error = rpc_error(
        stub.GetVenue, client_modules.service.GetVenueRequest(venue_id="nope"), metadata=viewer_md
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
    error = rpc_error(stub.GetVenue, client_modules.service.GetVenueRequest(), metadata=viewer_md)
    assert "venue_id" in invalid_fields(error)
    no_token = rpc_error(stub.GetVenue, client_modules.service.GetVenueRequest(venue_id="nope"))
    assert no_token.code() == grpc.StatusCode.UNAUTHENTICATED


def test_list_venues_filters_by_type_and_chain_as_rest(stub, client_modules, viewer_md, viewer):
    ethereum = ChainFactory(chain_id="ethereum")
    VenueFactory(venue_id="binance", venue_type="CEX")
    VenueFactory(venue_id="uniswap-v3", venue_type="DEX", chain=ethereum)
    VenueFactory(venue_id="raydium", venue_type="DEX", chain=ChainFactory(chain_id="solana"))
    service, venues = client_modules.service, client_modules.venues

    def listed(**fields) -> list[str]:
        answer = stub.ListVenues(service.ListVenuesRequest(**fields), metadata=viewer_md)
        return [venue.venue_id for venue in answer.venues]

    def rest(**params) -> list[str]:
        return [row["venue_id"] for row in viewer.get("/api/v1/venues/", params).json()["results"]]

    assert listed() == rest() == ["binance", "raydium", "uniswap-v3"]
    assert listed(venue_type=venues.VENUE_TYPE_DEX) == rest(venue_type="DEX")
    assert listed(venue_type=venues.VENUE_TYPE_DEX) == ["raydium", "uniswap-v3"]
    assert listed(chain_id="ethereum") == rest(chain="ethereum") == ["uniswap-v3"]
    assert listed(venue_type=venues.VENUE_TYPE_CEX, chain_id="ethereum") == []

    error = rpc_error(stub.ListVenues, service.ListVenuesRequest(venue_type=42), metadata=viewer_md)
    assert "venue_type" in invalid_fields(error)
    error = rpc_error(
        stub.ListVenues, service.ListVenuesRequest(chain_id="atlantis"), metadata=viewer_md
    )
    assert "chain_id" in invalid_fields(error)


# --- CreateVenueAsset -------------------------------------------------------------------


def test_create_venue_asset_records_the_code_as_rest_shows_it(
    stub, client_modules, steward_md, viewer
):
    venue = VenueFactory(venue_id="kraken")
    asset = AssetFactory(symbol="BTC")
    answer, call = stub.CreateVenueAsset.with_call(
        client_modules.service.CreateVenueAssetRequest(
            venue_id="kraken",
            asset_id=str(asset.asset_id),
            venue_asset_symbol="XXBT",
            deployment_id="",  # none, said explicitly
            withdraw_enabled=False,
        ),
        metadata=steward_md,
    )
    code = VenueAsset.objects.get(venue=venue, asset=asset)
    assert (code.venue_asset_symbol, code.deposit_enabled, code.withdraw_enabled) == (
        "XXBT",
        True,
        False,
    )
    message = answer.venue_asset
    assert (message.venue_id, message.asset_id, message.venue_asset_symbol) == (
        "kraken",
        str(asset.asset_id),
        "XXBT",
    )
    assert (message.deposit_enabled, message.withdraw_enabled, message.trading_enabled) == (
        True,
        False,
        True,
    )
    assert not message.HasField("deployment_id")
    assert message.metadata["cqar_venue_asset_id"] == str(code.pk)
    assert dict(call.trailing_metadata())["etag"] == f'"{code.version}"'
    rest = viewer.get(f"/api/v1/venue-assets/{code.pk}/").json()
    assert (rest["venue_asset_symbol"], rest["withdraw_enabled"], rest["asset"]) == (
        message.venue_asset_symbol,
        message.withdraw_enabled,
        message.asset_id,
    )
    event = OutboxEvent.objects.get(event_type="venue_asset_listed", entity_id=str(code.pk))
    assert event.actor_id == "service:grpc-steward"


def test_a_deployment_id_is_refused_not_dropped(stub, client_modules, steward_md):
    VenueFactory(venue_id="kraken")
    asset = AssetFactory()
    error = rpc_error(
        stub.CreateVenueAsset,
        client_modules.service.CreateVenueAssetRequest(
            venue_id="kraken",
            asset_id=str(asset.asset_id),
            venue_asset_symbol="XXBT",
            deployment_id=str(uuid.uuid4()),
        ),
        metadata=steward_md,
    )
    assert "no deployment" in invalid_fields(error)["deployment_id"][0]
    assert not VenueAsset.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"asset_id": "not-a-uuid"}, "asset_id"),
        ({"asset_id": NO_SUCH_ASSET}, "asset_id"),
        ({"asset_id": None}, "asset_id"),
        ({"venue_id": "atlantis"}, "venue_id"),
        ({"venue_id": None}, "venue_id"),
        ({"venue_asset_symbol": None}, "venue_asset_symbol"),
        ({"venue_asset_symbol": "   "}, "venue_asset_symbol"),
    ],
)
def test_create_venue_asset_refuses_invalid_input_naming_the_field(
    stub, client_modules, steward_md, fields, field
):
    VenueFactory(venue_id="kraken")
    asset = AssetFactory()
    request = {"venue_id": "kraken", "asset_id": str(asset.asset_id), "venue_asset_symbol": "X"}
    request.update(fields)
    request = {name: value for name, value in request.items() if value is not None}
    error = rpc_error(
        stub.CreateVenueAsset,
        client_modules.service.CreateVenueAssetRequest(**request),
        metadata=steward_md,
    )
    assert field in invalid_fields(error)
    assert not VenueAsset.objects.exists()


def test_create_venue_asset_errors_by_code(stub, client_modules, steward_md, viewer_md):
    taken = VenueAssetFactory(venue=VenueFactory(venue_id="kraken"), venue_asset_symbol="XXBT")
    request = client_modules.service.CreateVenueAssetRequest(
        venue_id="kraken", asset_id=str(AssetFactory().asset_id), venue_asset_symbol="XXBT"
    )
    error = rpc_error(stub.CreateVenueAsset, request, metadata=steward_md)
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS  # the venue uses XXBT already
    assert rpc_error(stub.CreateVenueAsset, request).code() == grpc.StatusCode.UNAUTHENTICATED
    error = rpc_error(stub.CreateVenueAsset, request, metadata=viewer_md)
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert list(VenueAsset.objects.all()) == [taken]


# --- GetVenueAsset, ListVenueAssets -----------------------------------------------------


def test_get_venue_asset_answers_the_code(stub, client_modules, viewer_md):
    code = VenueAssetFactory(venue=VenueFactory(venue_id="kraken"), venue_asset_symbol="XXBT")
    answer, call = stub.GetVenueAsset.with_call(
        client_modules.service.GetVenueAssetRequest(venue_id="kraken", asset_id=str(code.asset_id)),
        metadata=viewer_md,
    )
    assert (answer.venue_asset.venue_asset_symbol, answer.venue_asset.asset_id) == (
        "XXBT",
        str(code.asset_id),
    )
    assert "cqar_other_venue_asset_symbols" not in answer.venue_asset.metadata
    assert dict(call.trailing_metadata())["etag"] == f'"{code.version}"'


def test_get_venue_asset_of_several_codes_prefers_the_active_then_the_oldest(
    stub, client_modules, viewer_md
):
    kraken = VenueFactory(venue_id="kraken")
    btc = AssetFactory(symbol="BTC")
    VenueAssetFactory(venue=kraken, asset=btc, venue_asset_symbol="AXBT", is_active=False)
    VenueAssetFactory(venue=kraken, asset=btc, venue_asset_symbol="XXBT")
    VenueAssetFactory(venue=kraken, asset=btc, venue_asset_symbol="XBT")
    answer = stub.GetVenueAsset(
        client_modules.service.GetVenueAssetRequest(venue_id="kraken", asset_id=str(btc.asset_id)),
        metadata=viewer_md,
    )
    assert answer.venue_asset.venue_asset_symbol == "XXBT"
    assert list(answer.venue_asset.metadata["cqar_other_venue_asset_symbols"]) == ["XBT", "AXBT"]


def test_get_venue_asset_errors(stub, client_modules, viewer_md):
    code = VenueAssetFactory(venue=VenueFactory(venue_id="kraken"))
    service = client_modules.service
    other_asset = str(AssetFactory().asset_id)
    for request in (
        service.GetVenueAssetRequest(venue_id="kraken", asset_id=other_asset),
        service.GetVenueAssetRequest(venue_id="binance", asset_id=str(code.asset_id)),
    ):
        error = rpc_error(stub.GetVenueAsset, request, metadata=viewer_md)
        assert error.code() == grpc.StatusCode.NOT_FOUND
    error = rpc_error(
        stub.GetVenueAsset,
        service.GetVenueAssetRequest(venue_id="kraken", asset_id="XXBT"),
        metadata=viewer_md,
    )
    assert "asset_id" in invalid_fields(error)
    error = rpc_error(
        stub.GetVenueAsset, service.GetVenueAssetRequest(asset_id=other_asset), metadata=viewer_md
    )
    assert "venue_id" in invalid_fields(error)
    request = service.GetVenueAssetRequest(venue_id="kraken", asset_id=str(code.asset_id))
    assert rpc_error(stub.GetVenueAsset, request).code() == grpc.StatusCode.UNAUTHENTICATED


def test_list_venue_assets_filters_by_venue_and_asset_as_rest(
    stub, client_modules, viewer_md, viewer
):
    kraken, binance = VenueFactory(venue_id="kraken"), VenueFactory(venue_id="binance")
    btc, eth = AssetFactory(symbol="BTC"), AssetFactory(symbol="ETH")
    VenueAssetFactory(venue=kraken, asset=btc, venue_asset_symbol="XXBT")
    VenueAssetFactory(venue=kraken, asset=eth, venue_asset_symbol="XETH")
    VenueAssetFactory(venue=binance, asset=btc, venue_asset_symbol="BTC")
    service = client_modules.service

    def listed(**fields) -> list[tuple[str, str]]:
        answer = stub.ListVenueAssets(service.ListVenueAssetsRequest(**fields), metadata=viewer_md)
        return [(code.venue_id, code.venue_asset_symbol) for code in answer.venue_assets]

    def rest(**params) -> list[tuple[str, str]]:
        rows = viewer.get("/api/v1/venue-assets/", params).json()["results"]
        return [(row["venue"], row["venue_asset_symbol"]) for row in rows]

    assert listed() == rest() == [("binance", "BTC"), ("kraken", "XETH"), ("kraken", "XXBT")]
    assert (
        listed(venue_id="kraken")
        == rest(venue="kraken")
        == [
            ("kraken", "XETH"),
            ("kraken", "XXBT"),
        ]
    )
    assert listed(asset_id=str(btc.asset_id)) == rest(asset=btc.asset_id)
    assert listed(asset_id=str(btc.asset_id)) == [("binance", "BTC"), ("kraken", "XXBT")]
    assert listed(venue_id="binance", asset_id=str(eth.asset_id)) == []

    error = rpc_error(
        stub.ListVenueAssets, service.ListVenueAssetsRequest(venue_id="nope"), metadata=viewer_md
    )
    assert "venue_id" in invalid_fields(error)
    error = rpc_error(
        stub.ListVenueAssets, service.ListVenueAssetsRequest(asset_id="BTC"), metadata=viewer_md
    )
    assert "asset_id" in invalid_fields(error)
    assert rpc_error(stub.ListVenueAssets, service.ListVenueAssetsRequest()).code() == (
        grpc.StatusCode.UNAUTHENTICATED
    )
