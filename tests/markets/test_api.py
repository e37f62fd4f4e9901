"""/api/v1/instruments/ and /api/v1/markets/ over HTTP: every rule of the terms and of
a listing refused with a 400 naming the field, duplicates as a 409, decimals as strings.

What every entity endpoint keeps (roles, pagination, the error shape) is tested once for
all in tests/api/test_contract.py; the basics are checked here for the two resources."""

from datetime import UTC, datetime, timedelta

import pytest

from markets import services
from markets.models import Instrument, Market
from tests.api.conftest import assert_error, walk_pages
from tests.factories import AssetFactory, VenueFactory
from venues.choices import VenueType

pytestmark = pytest.mark.django_db

INSTRUMENTS = "/api/v1/instruments/"
MARKETS = "/api/v1/markets/"
LATER = datetime(2099, 12, 27, 8, tzinfo=UTC)


@pytest.fixture
def btc():
    return AssetFactory(symbol="BTC", name="Bitcoin")


@pytest.fixture
def usdt():
    return AssetFactory(symbol="USDT", name="Tether")


@pytest.fixture
def eth():
    return AssetFactory(symbol="ETH", name="Ether")


@pytest.fixture
def venue():
    return VenueFactory(venue_id="binance", venue_type=VenueType.CEX)


def post(client, url, body):
    return client.post(url, body, format="json")


def linear_perp(btc, usdt, **terms):
    return {
        "instrument_type": "PERPETUAL",
        "underlying_asset_id": str(btc.pk),
        "quote_asset_id": str(usdt.pk),
        "settlement_asset_id": str(usdt.pk),
        "is_inverse": False,
        "is_quanto": False,
        "contract_multiplier": "1",
        **terms,
    }


def created(response) -> dict:
    assert response.status_code == 201, response.content
    return response.json()


# --- instruments: each type with its terms ---------------------------------------------


def test_creates_a_spot_pair(steward, btc, usdt):
    body = created(
        post(
            steward,
            INSTRUMENTS,
            {
                "instrument_type": "SPOT",
                "underlying_asset_id": str(btc.pk),
                "quote_asset_id": str(usdt.pk),
            },
        )
    )

    assert body["code"] == "BTC-USDT"
    assert body["base_asset_id"] == str(btc.pk)
    assert body["settlement_asset_id"] is None
    assert body["terms_complete"] is True
    assert Instrument.objects.get(pk=body["instrument_id"]).quote_asset == usdt


def test_creates_linear_inverse_and_quanto_perpetuals(steward, btc, usdt, eth):
    linear = created(post(steward, INSTRUMENTS, linear_perp(btc, usdt)))
    inverse = created(
        post(
            steward,
            INSTRUMENTS,
            linear_perp(
                btc,
                usdt,
                settlement_asset_id=str(btc.pk),
                is_inverse=True,
                contract_multiplier="100",
            ),
        )
    )
    quanto = created(
        post(
            steward,
            INSTRUMENTS,
            linear_perp(eth, usdt, settlement_asset_id=str(btc.pk), is_quanto=True),
        )
    )

    assert linear["code"] == "BTC-USDT-PERP"
    assert linear["base_asset_id"] is None
    assert inverse["code"] == "BTC-USDT-PERP-INV-X100"
    assert inverse["contract_multiplier"] == "100"
    assert quanto["code"] == "ETH-USDT-PERP-QBTC"


def test_creates_a_future_an_option_and_a_lending_deposit(steward, btc, usdt, eth):
    future = created(
        post(
            steward,
            INSTRUMENTS,
            linear_perp(btc, usdt, instrument_type="FUTURE", expiry=LATER.isoformat()),
        )
    )
    option = created(
        post(
            steward,
            INSTRUMENTS,
            linear_perp(
                eth,
                usdt,
                instrument_type="OPTION",
                expiry=LATER.isoformat(),
                strike_price="3000",
                option_type="CALL",
                exercise_style="EUROPEAN",
            ),
        )
    )
    aave = VenueFactory(venue_id="aave", venue_type=VenueType.LENDING)
    deposit = created(
        post(
            steward,
            INSTRUMENTS,
            {
                "instrument_type": "LENDING_DEPOSIT",
                "underlying_asset_id": str(usdt.pk),
                "protocol_id": "aave",
            },
        )
    )

    assert future["code"] == "BTC-USDT-27DEC2099"
    assert option["code"] == "ETH-USDT-27DEC2099-3000-C"
    assert option["strike_price"] == "3000"
    assert deposit["code"] == "USDT-AAVE-DEPOSIT"
    assert deposit["protocol_id"] == aave.pk


# --- instruments: the rules, each refused naming its field ------------------------------


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        # An inverse contract settling in its quote.
        ({"is_inverse": True}, "settlement_asset_id"),
        # A linear contract settling in its underlying.
        ({"settlement_asset_id": "BTC"}, "settlement_asset_id"),
        # A quanto contract settling in its underlying.
        ({"is_quanto": True, "settlement_asset_id": "BTC"}, "settlement_asset_id"),
        ({"contract_multiplier": "0"}, None),
        ({"contract_multiplier": None}, "contract_multiplier"),
        ({"quote_asset_id": "BTC"}, "quote_asset_id"),
        ({"expiry": LATER.isoformat()}, "expiry"),
        ({"contract_multiplier": 0.1}, "contract_multiplier"),
    ],
)
def test_perpetual_rules_are_refused_naming_the_field(steward, btc, usdt, terms, field):
    ids = {"BTC": str(btc.pk)}
    body = linear_perp(btc, usdt, **{k: ids.get(v, v) for k, v in terms.items()})

    error = assert_error(post(steward, INSTRUMENTS, body), 400, "invalid", field)

    assert error["fields"], error
    assert not Instrument.objects.exists()


def test_a_json_number_with_a_fraction_is_refused_for_a_decimal(steward, btc, usdt):
    error = assert_error(
        post(steward, INSTRUMENTS, linear_perp(btc, usdt, contract_multiplier=0.01)),
        400,
        "invalid",
        "contract_multiplier",
    )

    assert "string" in error["fields"]["contract_multiplier"][0]


@pytest.mark.parametrize("missing", ["strike_price", "expiry", "option_type", "exercise_style"])
def test_an_option_without_a_term_is_refused(steward, eth, usdt, missing):
    body = linear_perp(
        eth,
        usdt,
        instrument_type="OPTION",
        expiry=LATER.isoformat(),
        strike_price="3000",
        option_type="PUT",
        exercise_style="EUROPEAN",
    )
    del body[missing]

    assert_error(post(steward, INSTRUMENTS, body), 400, "invalid", missing)
    assert not Instrument.objects.exists()


def test_a_spot_pair_with_a_settlement_asset_is_refused(steward, btc, usdt):
    body = {
        "instrument_type": "SPOT",
        "underlying_asset_id": str(btc.pk),
        "quote_asset_id": str(usdt.pk),
        "settlement_asset_id": str(usdt.pk),
    }

    assert_error(post(steward, INSTRUMENTS, body), 400, "invalid", "settlement_asset_id")


def test_the_same_terms_twice_are_a_conflict_naming_the_instrument(steward, btc, usdt):
    first = created(post(steward, INSTRUMENTS, linear_perp(btc, usdt)))

    error = assert_error(post(steward, INSTRUMENTS, linear_perp(btc, usdt)), 409)

    assert error["code"] == "instrument_exists"
    assert first["instrument_id"] in error["message"]
    assert first["code"] in error["message"]
    assert Instrument.objects.count() == 1


def test_a_fixed_term_cannot_be_changed(steward, btc, usdt):
    instrument = created(post(steward, INSTRUMENTS, linear_perp(btc, usdt)))

    error = assert_error(
        steward.patch(
            f"{INSTRUMENTS}{instrument['instrument_id']}/",
            {"contract_multiplier": "10"},
            format="json",
        ),
        400,
        "invalid",
        "contract_multiplier",
    )

    assert "terms" in error["fields"]["contract_multiplier"][0]
    assert Instrument.objects.get().contract_multiplier == 1


def test_metadata_is_updated_with_if_match(steward, btc, usdt):
    instrument = created(post(steward, INSTRUMENTS, linear_perp(btc, usdt)))
    url = f"{INSTRUMENTS}{instrument['instrument_id']}/"

    stale = steward.patch(url, {"metadata": {"a": 1}}, format="json", HTTP_IF_MATCH='"7"')
    fresh = steward.patch(url, {"metadata": {"a": 1}}, format="json", HTTP_IF_MATCH='"1"')

    assert_error(stale, 412, "stale_version")
    assert fresh.status_code == 200, fresh.content
    assert fresh["ETag"] == '"2"'
    assert fresh.json()["metadata"] == {"a": 1}


def test_the_terms_not_known_are_completed_once(steward, btc, usdt, venue):
    """A perpetual mapped as a venue ticker names no terms; the API completes them. An
    instrument is registered complete: terms_complete is not the client's to set."""
    ticker = services.venue_symbol_create(
        venue=venue, symbol="BTCUSDT", asset=btc, market_type="PERPETUAL"
    )
    incomplete = {"instrument_id": str(ticker.instrument.pk)}
    assert not ticker.instrument.terms_complete
    sent_incomplete = post(
        steward,
        INSTRUMENTS,
        {**linear_perp(btc, usdt, contract_multiplier="0.01"), "terms_complete": False},
    )
    assert created(sent_incomplete)["terms_complete"] is True
    url = f"{INSTRUMENTS}{incomplete['instrument_id']}/"
    terms = linear_perp(btc, usdt)
    del terms["instrument_type"], terms["underlying_asset_id"]

    response = steward.patch(url, terms, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["terms_complete"] is True
    assert response.json()["code"] == "BTC-USDT-PERP"


def test_an_instrument_is_deleted_only_while_unlisted(steward, btc, usdt, venue):
    listed = created(post(steward, INSTRUMENTS, linear_perp(btc, usdt)))
    unlisted = created(
        post(steward, INSTRUMENTS, linear_perp(btc, usdt, contract_multiplier="0.01"))
    )
    created(
        post(
            steward,
            MARKETS,
            {
                "instrument_id": listed["instrument_id"],
                "venue_id": venue.pk,
                "venue_symbol": "BTCUSDT",
            },
        )
    )

    refused = steward.delete(f"{INSTRUMENTS}{listed['instrument_id']}/")
    deleted = steward.delete(f"{INSTRUMENTS}{unlisted['instrument_id']}/")

    assert_error(refused, 409)
    assert deleted.status_code == 204
    assert list(Instrument.objects.values_list("code", flat=True)) == ["BTC-USDT-PERP"]


def test_instrument_by_code_and_filters(steward, viewer, btc, usdt, eth):
    created(post(steward, INSTRUMENTS, linear_perp(btc, usdt)))
    created(post(steward, INSTRUMENTS, linear_perp(eth, usdt)))
    created(
        post(
            steward,
            INSTRUMENTS,
            linear_perp(btc, usdt, instrument_type="FUTURE", expiry=LATER.isoformat()),
        )
    )

    found = viewer.get(f"{INSTRUMENTS}by-code/", {"code": "ETH-USDT-PERP"})
    missing = viewer.get(f"{INSTRUMENTS}by-code/", {"code": "DOGE-USDT-PERP"})
    of_btc = viewer.get(INSTRUMENTS, {"underlying": str(btc.pk), "instrument_type": "PERPETUAL"})
    expiring = viewer.get(INSTRUMENTS, {"expiry_before": "2100-01-01T00:00:00Z"})

    assert found.status_code == 200
    assert found.json()["underlying_asset_id"] == str(eth.pk)
    assert found["ETag"] == '"1"'
    assert missing.status_code == 404
    assert [row["code"] for row in of_btc.json()["results"]] == ["BTC-USDT-PERP"]
    assert [row["code"] for row in expiring.json()["results"]] == ["BTC-USDT-27DEC2099"]


# --- markets ----------------------------------------------------------------------------


@pytest.fixture
def perp(steward, btc, usdt):
    return created(post(steward, INSTRUMENTS, linear_perp(btc, usdt)))


def market_body(instrument, venue, **fields):
    return {
        "instrument_id": instrument["instrument_id"],
        "venue_id": venue.pk,
        "venue_symbol": "BTCUSDT",
        **fields,
    }


def test_lists_a_market_and_decimals_round_trip_as_strings(steward, perp, venue, usdt):
    body = created(
        post(
            steward,
            MARKETS,
            market_body(
                perp,
                venue,
                tick_size="0.10",
                lot_size="0.00000001",
                min_order_size="0.001",
                max_order_size="1000",
                min_notional="5",
                maker_fee="-0.0001",
                taker_fee="0.0005",
                funding_interval_secs=28800,
            ),
        )
    )

    assert body["market_type"] == "PERPETUAL"
    assert body["settlement_asset_id"] == str(usdt.pk)
    assert body["price_currency_asset_id"] == str(usdt.pk)
    assert body["tick_size"] == "0.1"
    assert body["lot_size"] == "0.00000001"
    assert body["max_order_size"] == "1000"
    assert body["maker_fee"] == "-0.0001"
    assert body["status"] == "TRADING"
    assert body["is_current"] is True
    read = steward.get(f"{MARKETS}{body['id']}/").json()
    assert read["lot_size"] == "0.00000001"
    assert str(Market.objects.get().lot_size.normalize()) == "1E-8"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"tick_size": "0"}, None),
        ({"maker_fee": "-0.02"}, None),
        ({"taker_fee": "0.06"}, None),
        ({"min_order_size": "10", "max_order_size": "1"}, None),
        ({"market_type": "SPOT"}, "market_type"),
        ({"status": "DELISTED"}, "status"),
        ({"lot_size": 0.1}, "lot_size"),
    ],
)
def test_market_rules_are_refused(steward, perp, venue, fields, field):
    error = assert_error(
        post(steward, MARKETS, market_body(perp, venue, **fields)), 400, "invalid", field
    )

    assert error["fields"], error
    assert not Market.objects.exists()


def test_a_spot_market_has_no_funding_interval(steward, btc, usdt, venue):
    spot = created(
        post(
            steward,
            INSTRUMENTS,
            {
                "instrument_type": "SPOT",
                "underlying_asset_id": str(btc.pk),
                "quote_asset_id": str(usdt.pk),
            },
        )
    )

    assert_error(
        post(steward, MARKETS, market_body(spot, venue, funding_interval_secs=3600)),
        400,
        "invalid",
        "funding_interval_secs",
    )


def test_a_dated_market_is_listed_before_expiry_and_not_trading_after(steward, btc, usdt, venue):
    past = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    expired = created(
        post(
            steward,
            INSTRUMENTS,
            linear_perp(btc, usdt, instrument_type="FUTURE", expiry=past.isoformat()),
        )
    )
    future = created(
        post(
            steward,
            INSTRUMENTS,
            linear_perp(btc, usdt, instrument_type="FUTURE", expiry=LATER.isoformat()),
        )
    )

    trading = post(steward, MARKETS, market_body(expired, venue, venue_symbol="BTCUSDT_1"))
    late = post(
        steward,
        MARKETS,
        market_body(
            future, venue, venue_symbol="BTCUSDT_2", listed_at=(LATER + timedelta(1)).isoformat()
        ),
    )
    halted = post(
        steward,
        MARKETS,
        market_body(expired, venue, venue_symbol="BTCUSDT_1", status="HALTED"),
    )

    assert_error(trading, 400, "invalid", "status")
    assert_error(late, 400, "invalid", "listed_at")
    assert halted.status_code == 201, halted.content


def test_a_market_is_delisted_by_delisting_not_by_update(steward, perp, venue):
    market = created(post(steward, MARKETS, market_body(perp, venue)))
    url = f"{MARKETS}{market['id']}/"

    by_update = steward.patch(url, {"status": "DELISTED"}, format="json")
    moved = steward.patch(url, {"venue_symbol": "BTC-USDT"}, format="json")
    delisted = steward.post(
        f"{url}delist/",
        {"delisted_at": "2030-01-01T00:00:00Z", "reason": "venue closed it"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    again = steward.post(f"{url}delist/", {}, format="json")

    assert_error(by_update, 400, "invalid", "status")
    assert_error(moved, 400, "invalid", "venue_symbol")
    assert delisted.status_code == 200, delisted.content
    assert delisted.json()["status"] == "DELISTED"
    assert delisted.json()["delisted_at"] == "2030-01-01T00:00:00Z"
    assert delisted.json()["metadata"]["delisting_reason"] == "venue closed it"
    assert_error(again, 400, "invalid", "delisted_at")
    assert steward.delete(url).status_code == 405


def test_trading_rules_are_updated_and_a_stale_if_match_refused(steward, perp, venue):
    market = created(post(steward, MARKETS, market_body(perp, venue)))
    url = f"{MARKETS}{market['id']}/"

    changed = steward.patch(
        url, {"tick_size": "0.5", "status": "HALTED"}, format="json", HTTP_IF_MATCH='"1"'
    )
    stale = steward.patch(url, {"tick_size": "1"}, format="json", HTTP_IF_MATCH='"1"')
    bad = steward.patch(url, {"min_order_size": "5", "max_order_size": "2"}, format="json")

    assert changed.status_code == 200, changed.content
    assert changed.json()["tick_size"] == "0.5"
    assert changed["ETag"] == '"2"'
    assert_error(stale, 412, "stale_version")
    assert_error(bad, 400, "invalid")
    assert Market.objects.get().tick_size == 0.5


def test_market_by_symbol_and_filters(steward, viewer, btc, usdt, perp, venue):
    spot = created(
        post(
            steward,
            INSTRUMENTS,
            {
                "instrument_type": "SPOT",
                "underlying_asset_id": str(btc.pk),
                "quote_asset_id": str(usdt.pk),
            },
        )
    )
    created(post(steward, MARKETS, market_body(perp, venue)))
    spot_market = created(post(steward, MARKETS, market_body(spot, venue)))
    by_symbol = f"{MARKETS}by-symbol/"

    ambiguous = viewer.get(by_symbol, {"venue": "binance", "symbol": "BTCUSDT"})
    named = viewer.get(by_symbol, {"venue": "binance", "symbol": "BTCUSDT", "market_type": "spot"})
    unknown = viewer.get(by_symbol, {"venue": "binance", "symbol": "ETHUSDT"})
    perps = viewer.get(MARKETS, {"market_type": "PERPETUAL", "settlement": str(usdt.pk)})
    trading = viewer.get(MARKETS, {"status": ["TRADING", "HALTED"], "current": "true"})

    assert_error(ambiguous, 400, "invalid", "market_type")
    assert named.status_code == 200
    assert named.json()["id"] == spot_market["id"]
    assert named["ETag"] == '"1"'
    assert unknown.status_code == 404
    assert [row["market_type"] for row in perps.json()["results"]] == ["PERPETUAL"]
    assert len(trading.json()["results"]) == 2


def test_markets_are_paged_by_keyset(steward, viewer, perp, venue):
    for n in range(5):
        created(post(steward, MARKETS, market_body(perp, venue, venue_symbol=f"S{n}")))

    rows, totals = walk_pages(viewer, MARKETS, page_size=2)

    assert [row["venue_symbol"] for row in rows] == [f"S{n}" for n in range(5)]
    assert totals[0] == 5


def test_an_instrument_is_found_by_its_code_in_any_letter_case(viewer, steward, btc, usdt):
    made = created(post(steward, INSTRUMENTS, linear_perp(btc, usdt)))
    found = viewer.get(f"{INSTRUMENTS}by-code/", {"code": "btc-usdt-perp"})
    assert found.status_code == 200 and found.json()["instrument_id"] == made["instrument_id"]
    listed = viewer.get(INSTRUMENTS, {"code": "Btc-Usdt-Perp"}).json()["results"]
    assert [i["instrument_id"] for i in listed] == [made["instrument_id"]]
