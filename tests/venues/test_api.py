"""/api/v1/venues/, /api/v1/venue-assets/ and /api/v1/venue-symbols/ over HTTP.

What every entity endpoint keeps (ETag and If-Match, roles, pagination and ordering,
the error shape) is tested once for all in tests/api/test_contract.py."""

from datetime import UTC, datetime

import pytest

from assets.models import Asset
from markets.choices import InstrumentType
from markets.models import VenueSymbol
from tests.api.conftest import assert_error
from tests.factories import (
    AssetFactory,
    ChainFactory,
    VenueAssetFactory,
    VenueFactory,
    VenueSymbolFactory,
)
from venues.choices import VenueType
from venues.models import Venue, VenueAsset

pytestmark = pytest.mark.django_db

VENUES = "/api/v1/venues/"
VENUE_ASSETS = "/api/v1/venue-assets/"
SYMBOLS = "/api/v1/venue-symbols/"
BY_TICKER = f"{SYMBOLS}by-ticker/"


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def ids_of(response, key: str = "id") -> list:
    return [row[key] for row in rows(response)]


def when(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- venues -----------------------------------------------------------------------------


def test_steward_creates_a_venue(steward):
    """POST /venues/ stores the venue and answers 201 with its ETag."""
    response = steward.post(
        VENUES,
        {"venue_id": "bybit", "name": "Bybit", "venue_type": "CEX"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["venue_id"] == "bybit"
    assert response["ETag"] == '"1"'
    assert Venue.objects.get(venue_id="bybit").venue_type == VenueType.CEX


def test_create_on_chain_venue_normalizes_its_protocol_address(steward):
    """An on-chain venue's protocol address is validated by its chain's rule and normalized."""
    chain = ChainFactory()
    lower = "0x1f98431c8ad98523631ae4a59f267346ea31f984"

    response = steward.post(
        VENUES,
        {
            "venue_id": "uni",
            "name": "Uni",
            "venue_type": "DEX",
            "chain": chain.chain_id,
            "protocol_address": lower,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["protocol_address"] == "0x1F98431c8aD98523631AE4a59f267346ea31F984"


def test_create_venue_with_an_invalid_protocol_address_is_400(steward):
    """A protocol address the chain's rule refuses is a 400 on that field; nothing stored."""
    chain = ChainFactory()

    response = steward.post(
        VENUES,
        {
            "venue_id": "bad-dex",
            "name": "Bad",
            "venue_type": "DEX",
            "chain": chain.chain_id,
            "protocol_address": "0x1234",
        },
        format="json",
    )

    assert_error(response, 400, "invalid", "protocol_address")
    assert not Venue.objects.filter(venue_id="bad-dex").exists()


def test_duplicate_venue_id_is_409(steward):
    """A venue id already in use is a conflict, and the first venue keeps its name."""
    VenueFactory(venue_id="okx", name="OKX")

    response = steward.post(
        VENUES, {"venue_id": "okx", "name": "Other", "venue_type": "CEX"}, format="json"
    )

    assert_error(response, 409)
    assert response.json()["error"]["message"] == "A venue with the id okx already exists."
    assert Venue.objects.get(venue_id="okx").name == "OKX"


def test_unknown_venue_type_is_400(steward):
    """A venue type outside the choices is a 400 on venue_type."""
    response = steward.post(
        VENUES, {"venue_id": "weird", "name": "Weird", "venue_type": "CASINO"}, format="json"
    )

    assert_error(response, 400, "invalid", "venue_type")


def test_get_venue_answers_fields_and_etag(viewer):
    """GET of one venue answers its fields and an ETag."""
    venue = VenueFactory(venue_id="gemini", name="Gemini")

    response = viewer.get(f"{VENUES}gemini/")

    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Gemini"
    assert response["ETag"] == f'"{venue.version}"'


def test_patch_venue_changes_it(steward):
    """PATCH changes the venue's fields."""
    venue = VenueFactory(venue_id="patched", is_active=True)

    response = steward.patch(f"{VENUES}patched/", {"is_active": False}, format="json")

    assert response.status_code == 200, response.content
    venue.refresh_from_db()
    assert venue.is_active is False
    assert response.json()["version"] == venue.version == 2


def test_venue_id_cannot_be_changed(steward):
    """venue_id is fixed at creation: changing it is a 400 on the field."""
    VenueFactory(venue_id="fixed")

    response = steward.patch(f"{VENUES}fixed/", {"venue_id": "moved"}, format="json")

    assert_error(response, 400, "invalid", "venue_id")
    assert Venue.objects.filter(venue_id="fixed").exists()


def test_list_venues_filters_by_type_active_and_chain(viewer):
    """venue_type, is_active and chain each narrow the venue list."""
    chain = ChainFactory()
    cex = VenueFactory(venue_id="a-cex", venue_type=VenueType.CEX)
    dex = VenueFactory(venue_id="b-dex", venue_type=VenueType.DEX, chain=chain)
    closed = VenueFactory(venue_id="c-closed", venue_type=VenueType.BRIDGE, is_active=False)

    assert ids_of(viewer.get(VENUES), "venue_id") == ["a-cex", "b-dex", "c-closed"]
    assert ids_of(viewer.get(VENUES, {"venue_type": "DEX"}), "venue_id") == [dex.venue_id]
    assert ids_of(viewer.get(VENUES, {"venue_type": ["CEX", "BRIDGE"]}), "venue_id") == [
        cex.venue_id,
        closed.venue_id,
    ]
    assert ids_of(viewer.get(VENUES, {"is_active": "false"}), "venue_id") == [closed.venue_id]
    assert ids_of(viewer.get(VENUES, {"chain": chain.chain_id}), "venue_id") == [dex.venue_id]


# --- venue assets -----------------------------------------------------------------------


def test_steward_creates_a_venue_asset(steward):
    """POST /venue-assets/ records a venue's own code for an asset."""
    venue = VenueFactory()
    asset = AssetFactory()

    response = steward.post(
        VENUE_ASSETS,
        {"venue": venue.venue_id, "asset": str(asset.asset_id), "venue_asset_symbol": "XXBT"},
        format="json",
    )

    assert response.status_code == 201, response.content
    stored = VenueAsset.objects.get(pk=response.json()["id"])
    assert (stored.venue_id, stored.asset_id, stored.venue_asset_symbol) == (
        venue.venue_id,
        asset.asset_id,
        "XXBT",
    )


def test_duplicate_venue_asset_code_is_409(steward):
    """A venue reusing one of its own codes for another asset is a conflict."""
    existing = VenueAssetFactory(venue_asset_symbol="XETH")

    response = steward.post(
        VENUE_ASSETS,
        {
            "venue": existing.venue_id,
            "asset": str(AssetFactory().asset_id),
            "venue_asset_symbol": "XETH",
        },
        format="json",
    )

    assert_error(response, 409)
    assert VenueAsset.objects.filter(venue=existing.venue).count() == 1


def test_venue_asset_for_an_unknown_asset_is_400(steward):
    """An asset id that does not exist is a 400 on asset."""
    response = steward.post(
        VENUE_ASSETS,
        {
            "venue": VenueFactory().venue_id,
            "asset": "00000000-0000-0000-0000-000000000000",
            "venue_asset_symbol": "GHOST",
        },
        format="json",
    )

    assert_error(response, 400, "invalid", "asset")


def test_get_and_patch_a_venue_asset(steward):
    """A venue asset can be read and its flags changed."""
    venue_asset = VenueAssetFactory(trading_enabled=True)

    got = steward.get(f"{VENUE_ASSETS}{venue_asset.pk}/")
    assert got.status_code == 200, got.content
    assert got.json()["venue_asset_symbol"] == venue_asset.venue_asset_symbol

    response = steward.patch(
        f"{VENUE_ASSETS}{venue_asset.pk}/", {"trading_enabled": False}, format="json"
    )
    assert response.status_code == 200, response.content
    venue_asset.refresh_from_db()
    assert venue_asset.trading_enabled is False


def test_venue_asset_venue_cannot_be_changed(steward):
    """A venue asset's venue is fixed at creation: changing it is a 400 on venue."""
    venue_asset = VenueAssetFactory()
    other = VenueFactory()

    response = steward.patch(
        f"{VENUE_ASSETS}{venue_asset.pk}/", {"venue": other.venue_id}, format="json"
    )

    assert_error(response, 400, "invalid", "venue")
    venue_asset.refresh_from_db()
    assert venue_asset.venue_id != other.venue_id


def test_list_venue_assets_filters(viewer):
    """venue, asset, venue_asset_symbol, is_active and trading_enabled narrow the list."""
    venue, other_venue = VenueFactory(), VenueFactory()
    btc = AssetFactory()
    xxbt = VenueAssetFactory(venue=venue, asset=btc, venue_asset_symbol="XXBT")
    halted = VenueAssetFactory(venue=venue, venue_asset_symbol="HALT", trading_enabled=False)
    gone = VenueAssetFactory(venue=other_venue, venue_asset_symbol="GONE", is_active=False)

    assert sorted(ids_of(viewer.get(VENUE_ASSETS, {"venue": venue.venue_id}))) == sorted(
        [xxbt.pk, halted.pk]
    )
    assert ids_of(viewer.get(VENUE_ASSETS, {"asset": str(btc.asset_id)})) == [xxbt.pk]
    assert ids_of(viewer.get(VENUE_ASSETS, {"venue_asset_symbol": "XXBT"})) == [xxbt.pk]
    assert ids_of(viewer.get(VENUE_ASSETS, {"is_active": "false"})) == [gone.pk]
    assert ids_of(viewer.get(VENUE_ASSETS, {"trading_enabled": "false"})) == [halted.pk]


# --- venue symbols ----------------------------------------------------------------------


def test_steward_maps_a_ticker(steward):
    """POST /venue-symbols/ maps a ticker to its base and quote asset, default SPOT."""
    venue = VenueFactory()
    base, quote = AssetFactory(), AssetFactory()

    response = steward.post(
        SYMBOLS,
        {
            "venue": venue.venue_id,
            "symbol": "SOLUSDT",
            "asset": str(base.asset_id),
            "quote_asset": str(quote.asset_id),
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["market_type"] == "SPOT"
    assert body["is_current"] is True
    assert body["delisted_at"] is None
    stored = VenueSymbol.objects.get(pk=body["id"])
    assert (stored.asset_id, stored.quote_asset_id) == (base.asset_id, quote.asset_id)


def test_ticker_keeps_the_venues_spelling(steward):
    """A ticker is stored exactly as the venue spells it (trimmed, not upper-cased)."""
    venue = VenueFactory()

    response = steward.post(
        SYMBOLS,
        {"venue": venue.venue_id, "symbol": " btc-usd ", "asset": str(AssetFactory().asset_id)},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["symbol"] == "btc-usd"


def test_same_ticker_as_spot_and_perpetual_are_two_mappings(steward):
    """One native ticker can name a spot and a perpetual market on one venue."""
    spot = VenueSymbolFactory(symbol="ETHUSDT", market_type=InstrumentType.SPOT)

    response = steward.post(
        SYMBOLS,
        {
            "venue": spot.venue_id,
            "symbol": "ETHUSDT",
            "market_type": "PERPETUAL",
            "asset": str(spot.asset_id),
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert VenueSymbol.objects.filter(venue=spot.venue, venue_symbol="ETHUSDT").count() == 2


def test_duplicate_current_mapping_is_409(steward):
    """Mapping a ticker that already has a current mapping of that market type is a 409."""
    existing = VenueSymbolFactory(symbol="DOGEUSDT")

    response = steward.post(
        SYMBOLS,
        {
            "venue": existing.venue_id,
            "symbol": "DOGEUSDT",
            "asset": str(AssetFactory().asset_id),
        },
        format="json",
    )

    assert_error(response, 409)
    assert VenueSymbol.objects.filter(venue_symbol="DOGEUSDT").count() == 1


def test_quote_equal_to_base_is_400(steward):
    """A ticker whose quote asset is its base asset is a 400; nothing is stored."""
    asset = AssetFactory()

    response = steward.post(
        SYMBOLS,
        {
            "venue": VenueFactory().venue_id,
            "symbol": "SELFSELF",
            "asset": str(asset.asset_id),
            "quote_asset": str(asset.asset_id),
        },
        format="json",
    )

    assert_error(response, 400, "invalid")
    assert not VenueSymbol.objects.filter(venue_symbol="SELFSELF").exists()


def test_get_venue_symbol_answers_etag(viewer):
    """GET of one mapping answers it with an ETag."""
    mapping = VenueSymbolFactory()

    response = viewer.get(f"{SYMBOLS}{mapping.pk}/")

    assert response.status_code == 200, response.content
    assert response.json()["symbol"] == mapping.symbol
    assert response["ETag"] == f'"{mapping.version}"'


def test_patch_venue_symbol_changes_non_key_fields(steward):
    """is_active and metadata of a mapping can be changed."""
    mapping = VenueSymbolFactory()

    response = steward.patch(
        f"{SYMBOLS}{mapping.pk}/", {"is_active": False, "metadata": {"note": "halt"}}, format="json"
    )

    assert response.status_code == 200, response.content
    mapping.refresh_from_db()
    assert mapping.is_active is False
    assert mapping.metadata == {"note": "halt"}


def test_changing_a_mappings_asset_is_400(steward):
    """What a mapping means is fixed: changing its asset is a 400 on asset, nothing changes."""
    mapping = VenueSymbolFactory()
    original_asset = mapping.asset_id

    response = steward.patch(
        f"{SYMBOLS}{mapping.pk}/", {"asset": str(AssetFactory().asset_id)}, format="json"
    )

    assert_error(response, 400, "invalid", "asset")
    mapping.refresh_from_db()
    assert mapping.asset_id == original_asset


def test_changing_a_mappings_symbol_is_400(steward):
    """The ticker of a mapping cannot be rewritten either."""
    mapping = VenueSymbolFactory(symbol="AAAUSDT")

    response = steward.patch(f"{SYMBOLS}{mapping.pk}/", {"symbol": "BBBUSDT"}, format="json")

    assert_error(response, 400, "invalid", "symbol")
    mapping.refresh_from_db()
    assert mapping.symbol == "AAAUSDT"


def test_delisted_at_cannot_be_set_by_update(steward):
    """delisted_at is read-only on update: a PATCH with it leaves the mapping current."""
    mapping = VenueSymbolFactory()

    steward.patch(f"{SYMBOLS}{mapping.pk}/", {"delisted_at": "2024-01-01T00:00:00Z"}, format="json")

    mapping.refresh_from_db()
    assert mapping.delisted_at is None


def test_list_venue_symbols_filters(viewer):
    """venue, symbol, market_type, asset, quote_asset and is_active narrow the ticker list."""
    venue, other_venue = VenueFactory(), VenueFactory()
    btc, eth, usdt = AssetFactory(), AssetFactory(), AssetFactory()
    spot = VenueSymbolFactory(venue=venue, symbol="BTCUSDT", asset=btc, quote_asset=usdt)
    perp = VenueSymbolFactory(
        venue=venue, symbol="BTCUSDT", market_type=InstrumentType.PERPETUAL, asset=btc
    )
    eth_spot = VenueSymbolFactory(venue=other_venue, symbol="ETH-USD", asset=eth, is_active=False)

    assert sorted(ids_of(viewer.get(SYMBOLS, {"venue": venue.venue_id}))) == sorted(
        [spot.pk, perp.pk]
    )
    assert sorted(ids_of(viewer.get(SYMBOLS, {"symbol": "BTCUSDT"}))) == sorted([spot.pk, perp.pk])
    assert ids_of(viewer.get(SYMBOLS, {"market_type": "PERPETUAL"})) == [perp.pk]
    assert sorted(ids_of(viewer.get(SYMBOLS, {"market_type": ["SPOT", "PERPETUAL"]}))) == sorted(
        [spot.pk, perp.pk, eth_spot.pk]
    )
    assert ids_of(viewer.get(SYMBOLS, {"asset": str(eth.asset_id)})) == [eth_spot.pk]
    assert ids_of(viewer.get(SYMBOLS, {"quote_asset": str(usdt.asset_id)})) == [spot.pk]
    assert ids_of(viewer.get(SYMBOLS, {"is_active": "false"})) == [eth_spot.pk]


def test_list_venue_symbols_current_filter(viewer):
    """current=true keeps mappings in force; current=false keeps the delisted ones."""
    live = VenueSymbolFactory()
    closed = VenueSymbolFactory(delisted_at=when("2023-01-01T00:00:00"), is_active=False)

    assert ids_of(viewer.get(SYMBOLS, {"current": "true"})) == [live.pk]
    assert ids_of(viewer.get(SYMBOLS, {"current": "false"})) == [closed.pk]


def test_list_venue_symbols_as_of_filter(viewer):
    """as_of keeps the mappings in force at that moment: listed by then, not yet delisted."""
    venue = VenueFactory()
    old = VenueSymbolFactory(
        venue=venue,
        symbol="LUNAUSDT",
        listed_at=when("2020-01-01T00:00:00"),
        delisted_at=when("2022-05-13T00:00:00"),
        is_active=False,
    )
    new = VenueSymbolFactory(venue=venue, symbol="LUNAUSDT", listed_at=when("2022-06-01T00:00:00"))

    assert ids_of(viewer.get(SYMBOLS, {"as_of": "2021-01-01T00:00:00Z"})) == [old.pk]
    assert ids_of(viewer.get(SYMBOLS, {"as_of": "2022-05-20T00:00:00Z"})) == []
    assert ids_of(viewer.get(SYMBOLS, {"as_of": "2023-01-01T00:00:00Z"})) == [new.pk]
    assert ids_of(viewer.get(SYMBOLS, {"as_of": "2019-01-01T00:00:00Z"})) == []


def test_as_of_that_is_not_a_datetime_is_400(viewer):
    """An as_of that is not an ISO date-time is a 400 naming the parameter."""
    assert_error(viewer.get(SYMBOLS, {"as_of": "yesterday"}), 400, "invalid", "as_of")


def test_by_ticker_defaults_to_spot(viewer, demo):
    """by-ticker without market_type answers the SPOT mapping of binance BTCUSDT."""
    spot = VenueSymbol.objects.get(venue_id="binance", venue_symbol="BTCUSDT", market_type="SPOT")

    response = viewer.get(BY_TICKER, {"venue": "binance", "symbol": "BTCUSDT"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == spot.pk
    assert body["market_type"] == "SPOT"
    assert response["ETag"] == f'"{spot.version}"'


def test_by_ticker_with_market_type_answers_the_perpetual(viewer, demo):
    """market_type=PERPETUAL answers the perpetual market of the same native ticker."""
    perp = VenueSymbol.objects.get(
        venue_id="binance", venue_symbol="BTCUSDT", market_type="PERPETUAL"
    )
    bitcoin = Asset.objects.get(identifiers__source="COINGECKO", identifiers__external_id="bitcoin")

    response = viewer.get(
        BY_TICKER, {"venue": "binance", "symbol": "BTCUSDT", "market_type": "PERPETUAL"}
    )

    assert response.status_code == 200, response.content
    assert response.json()["id"] == perp.pk
    assert response.json()["market_type"] == "PERPETUAL"
    assert response.json()["asset"] == str(bitcoin.asset_id)


def test_by_ticker_market_type_is_case_insensitive(viewer, demo):
    """market_type=perpetual is read as PERPETUAL."""
    response = viewer.get(
        BY_TICKER, {"venue": "binance", "symbol": "BTCUSDT", "market_type": "perpetual"}
    )

    assert response.status_code == 200, response.content
    assert response.json()["market_type"] == "PERPETUAL"


def test_by_ticker_unknown_ticker_is_404(viewer, demo):
    """A ticker the venue does not have is a 404, also when it exists on another venue."""
    assert_error(viewer.get(BY_TICKER, {"venue": "binance", "symbol": "XXBTZUSD"}), 404)
    assert_error(
        viewer.get(BY_TICKER, {"venue": "binance", "symbol": "ETHUSDT", "market_type": "FUTURE"}),
        404,
    )


def test_by_ticker_is_case_sensitive_on_the_ticker(viewer, demo):
    """Tickers are kept as the venue spells them: btcusdt is not BTCUSDT."""
    assert_error(viewer.get(BY_TICKER, {"venue": "binance", "symbol": "btcusdt"}), 404)


def test_by_ticker_without_venue_or_symbol_is_400(viewer):
    """venue and symbol are required; each missing one is named."""
    error = assert_error(viewer.get(BY_TICKER), 400, "invalid")
    assert set(error["fields"]) == {"venue", "symbol"}
    assert_error(viewer.get(BY_TICKER, {"venue": "binance"}), 400, "invalid", "symbol")


def test_by_ticker_does_not_answer_a_deleted_assets_ticker(viewer):
    """A ticker whose base asset is soft-deleted no longer resolves."""
    mapping = VenueSymbolFactory(symbol="DEADUSDT")
    Asset.objects.filter(pk=mapping.asset_id).update(deleted_at=when("2024-01-01T00:00:00"))

    response = viewer.get(BY_TICKER, {"venue": mapping.venue_id, "symbol": "DEADUSDT"})

    assert_error(response, 404)


def test_delist_closes_the_mapping(steward):
    """POST {id}/delist/ sets delisted_at, deactivates the mapping, and it stops resolving."""
    mapping = VenueSymbolFactory(symbol="FTTUSDT")

    response = steward.post(f"{SYMBOLS}{mapping.pk}/delist/", {}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["delisted_at"] is not None
    assert body["is_current"] is False
    assert body["is_active"] is False
    mapping.refresh_from_db()
    assert mapping.delisted_at is not None
    assert response["ETag"] == f'"{mapping.version}"'
    assert_error(steward.get(BY_TICKER, {"venue": mapping.venue_id, "symbol": "FTTUSDT"}), 404)


def test_delist_at_a_given_moment(steward):
    """delist accepts the moment of the delisting."""
    mapping = VenueSymbolFactory(listed_at=when("2020-01-01T00:00:00"))

    response = steward.post(
        f"{SYMBOLS}{mapping.pk}/delist/", {"delisted_at": "2022-05-13T00:00:00Z"}, format="json"
    )

    assert response.status_code == 200, response.content
    mapping.refresh_from_db()
    assert mapping.delisted_at == when("2022-05-13T00:00:00")


def test_delisting_before_listing_is_400(steward):
    """A delisting dated before the listing is a 400 and the mapping stays current."""
    mapping = VenueSymbolFactory(listed_at=when("2022-01-01T00:00:00"))

    response = steward.post(
        f"{SYMBOLS}{mapping.pk}/delist/", {"delisted_at": "2021-01-01T00:00:00Z"}, format="json"
    )

    assert_error(response, 400, "invalid")
    mapping.refresh_from_db()
    assert mapping.delisted_at is None


def test_delisting_twice_is_400(steward):
    """A mapping is delisted once: the second delist is a 400 and keeps the first date."""
    mapping = VenueSymbolFactory()
    steward.post(
        f"{SYMBOLS}{mapping.pk}/delist/", {"delisted_at": "2023-03-01T00:00:00Z"}, format="json"
    )

    response = steward.post(f"{SYMBOLS}{mapping.pk}/delist/", {}, format="json")

    assert_error(response, 400, "invalid", "delisted_at")
    mapping.refresh_from_db()
    assert mapping.delisted_at == when("2023-03-01T00:00:00")


def test_delisted_ticker_can_be_mapped_anew_and_history_answers_as_of(steward, demo):
    """After delisting binance BTCUSDT spot, the ticker maps to a new asset; as_of still
    answers what it meant before, and by-ticker answers the new meaning."""
    old = VenueSymbol.objects.get(venue_id="binance", venue_symbol="BTCUSDT", market_type="SPOT")
    delisted = steward.post(
        f"{SYMBOLS}{old.pk}/delist/", {"delisted_at": "2024-01-01T00:00:00Z"}, format="json"
    )
    assert delisted.status_code == 200, delisted.content
    newcomer = AssetFactory(symbol="NEWBTC")

    created = steward.post(
        SYMBOLS,
        {
            "venue": "binance",
            "symbol": "BTCUSDT",
            "asset": str(newcomer.asset_id),
            "listed_at": "2024-02-01T00:00:00Z",
        },
        format="json",
    )

    assert created.status_code == 201, created.content
    new_id = created.json()["id"]
    assert new_id != old.pk
    now = steward.get(BY_TICKER, {"venue": "binance", "symbol": "BTCUSDT"})
    assert now.json()["id"] == new_id
    assert now.json()["asset"] == str(newcomer.asset_id)
    history = {"venue": "binance", "symbol": "BTCUSDT", "market_type": "SPOT"}
    before = steward.get(SYMBOLS, {**history, "as_of": "2023-06-01T00:00:00Z"})
    assert [(row["id"], row["asset"]) for row in rows(before)] == [(old.pk, str(old.asset_id))]
    after = steward.get(SYMBOLS, {**history, "as_of": "2024-03-01T00:00:00Z"})
    assert ids_of(after) == [new_id]
    assert ids_of(steward.get(SYMBOLS, {**history, "current": "false"})) == [old.pk]
    # The perpetual market of the same ticker was not touched.
    perp = steward.get(
        BY_TICKER, {"venue": "binance", "symbol": "BTCUSDT", "market_type": "PERPETUAL"}
    )
    assert perp.json()["asset"] == str(old.asset_id)


def test_venue_assets_lists_bases_and_quotes_of_current_active_tickers(viewer):
    """/venues/{id}/assets/ answers each live asset that is the base or quote of a current,
    active ticker once; inactive, delisted, other venues' and deleted assets' tickers do not
    count."""
    venue, other_venue = VenueFactory(), VenueFactory()
    base, quote, second_base = AssetFactory(), AssetFactory(), AssetFactory()
    inactive_base, delisted_base, elsewhere, deleted = AssetFactory.create_batch(4)
    VenueSymbolFactory(venue=venue, asset=base, quote_asset=quote)
    VenueSymbolFactory(venue=venue, asset=second_base, quote_asset=quote)
    VenueSymbolFactory(venue=venue, asset=inactive_base, is_active=False)
    VenueSymbolFactory(
        venue=venue, asset=delisted_base, delisted_at=when("2023-01-01T00:00:00"), is_active=False
    )
    VenueSymbolFactory(venue=other_venue, asset=elsewhere)
    VenueSymbolFactory(venue=venue, asset=deleted)
    Asset.objects.filter(pk=deleted.pk).update(deleted_at=when("2024-01-01T00:00:00"))

    response = viewer.get(f"{VENUES}{venue.venue_id}/assets/")

    assert response.status_code == 200, response.content
    body = response.json()
    found = [row["asset_id"] for row in body["results"]]
    assert sorted(found) == sorted(str(a.asset_id) for a in (base, quote, second_base))
    assert body["total_count"] == 3


def test_venue_assets_on_demo_binance(viewer, demo):
    """On the demo data, binance trades bitcoin, ethereum, tether and the dollar (the
    inverse perpetual's quote)."""
    response = viewer.get(f"{VENUES}binance/assets/")

    assert response.status_code == 200, response.content
    symbols = sorted(row["symbol"] for row in response.json()["results"])
    assert symbols == ["BTC", "ETH", "USD", "USDT"]


def test_venue_assets_of_an_unknown_venue_is_404(viewer):
    """The tradeable assets of a venue that does not exist is a 404."""
    assert_error(viewer.get(f"{VENUES}nowhere/assets/"), 404)


def test_venue_assets_paginates(viewer):
    """The tradeable-assets list pages by page_size with a stable total."""
    venue = VenueFactory()
    for _ in range(3):
        VenueSymbolFactory(venue=venue)

    first = viewer.get(f"{VENUES}{venue.venue_id}/assets/", {"page_size": 2}).json()
    second = viewer.get(
        f"{VENUES}{venue.venue_id}/assets/",
        {"page_size": 2, "page_token": first["next_page_token"]},
    ).json()

    assert first["total_count"] == second["total_count"] == 3
    assert len(first["results"]) == 2
    assert len(second["results"]) == 1
    assert second["next_page_token"] is None
    all_ids = [row["asset_id"] for row in first["results"] + second["results"]]
    assert len(set(all_ids)) == 3


def test_as_of_boundaries(viewer):
    """A mapping is in force from its listed_at (inclusive) until its delisted_at (exclusive)."""
    mapping = VenueSymbolFactory(
        listed_at=when("2021-01-01T00:00:00"),
        delisted_at=when("2022-01-01T00:00:00"),
        is_active=False,
    )

    assert ids_of(viewer.get(SYMBOLS, {"as_of": "2021-01-01T00:00:00Z"})) == [mapping.pk]
    assert ids_of(viewer.get(SYMBOLS, {"as_of": "2022-01-01T00:00:00Z"})) == []


def test_mapping_a_ticker_to_a_deleted_asset_is_400(steward):
    """A new ticker cannot resolve to a soft-deleted asset."""
    asset = AssetFactory()
    Asset.objects.filter(pk=asset.pk).update(deleted_at=when("2024-01-01T00:00:00"))

    response = steward.post(
        SYMBOLS,
        {"venue": VenueFactory().venue_id, "symbol": "GONEUSDT", "asset": str(asset.asset_id)},
        format="json",
    )

    assert_error(response, 400, "invalid", "asset")
    assert not VenueSymbol.objects.filter(venue_symbol="GONEUSDT").exists()


def test_put_venue_symbol_with_same_key_changes_listed_at(steward):
    """A full update that keeps the key fields may change listed_at and is_active."""
    mapping = VenueSymbolFactory()

    response = steward.put(
        f"{SYMBOLS}{mapping.pk}/",
        {
            "venue": mapping.venue_id,
            "symbol": mapping.symbol,
            "market_type": mapping.market_type,
            "asset": str(mapping.asset_id),
            "quote_asset": None,
            "is_active": False,
            "listed_at": "2021-05-01T00:00:00Z",
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    mapping.refresh_from_db()
    assert mapping.listed_at == when("2021-05-01T00:00:00")
    assert mapping.is_active is False
