"""The protobuf form of instruments and markets, built from plain attributes and read
with the suite's own stand-in of the contracts (tests/contracts), never the production
classes: what a consumer generated from CQC v0.4.0 would see."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from google.protobuf import json_format, unknown_fields

from markets.events import (
    instrument_asset_ids,
    instrument_message,
    instrument_terms_fields,
    instrument_terms_message,
    market_asset_ids,
    market_message,
    text_id,
    venue_market_delisted_fields,
)
from registry.pb.cqar.events.v1 import events_pb2 as cqar_events
from registry.pb.cqc.events.v1 import events_pb2 as cqc_events
from tests.contracts.loader import contract_message

BTC, USDT, USD, USDC = (uuid.uuid4() for _ in range(4))
CREATED = datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
UPDATED = datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)
EXPIRY = datetime(2026, 12, 27, 8, 0, tzinfo=UTC)


def instrument(instrument_type: str, **terms) -> SimpleNamespace:
    values = {
        "instrument_id": uuid.uuid4(),
        "instrument_type": instrument_type,
        "code": f"BTC-{instrument_type}",
        "underlying_asset_id": BTC,
        "quote_asset_id": USDT,
        "settlement_asset_id": None,
        "is_inverse": False,
        "is_quanto": False,
        "contract_multiplier": None,
        "expiry": None,
        "strike_price": None,
        "option_type": None,
        "exercise_style": None,
        "protocol_id": None,
        "created_at": CREATED,
        "updated_at": UPDATED,
    }
    return SimpleNamespace(**(values | terms))


def market(of: SimpleNamespace, **fields) -> SimpleNamespace:
    values = {
        "id": 4711,
        "instrument_id": of.instrument_id,
        "instrument": of,
        "venue_id": "binance",
        "venue_symbol": "BTCUSDT",
        "market_type": of.instrument_type,
        "tick_size": Decimal("1E-2"),
        "lot_size": Decimal("0.00100000"),
        "min_order_size": Decimal("0.001"),
        "max_order_size": None,
        "min_notional": Decimal("5.0"),
        "maker_fee": Decimal("-0.00010"),
        "taker_fee": Decimal("0.0005"),
        "funding_interval_secs": None,
        "status": "TRADING",
        "is_active": True,
        "listed_at": CREATED,
        "delisted_at": None,
        "metadata": {"product_id": "BTC"},
        "created_at": CREATED,
        "updated_at": UPDATED,
    }
    return SimpleNamespace(**(values | fields))


def as_contract(message, full_name: str | None = None):
    """Our message's bytes, decoded with the stand-in; nothing the contract lacks."""
    contract = contract_message(full_name or message.DESCRIPTOR.full_name)
    decoded = contract.FromString(message.SerializeToString())
    assert len(unknown_fields.UnknownFieldSet(decoded)) == 0
    return decoded


def test_an_instrument_is_its_id_type_and_code():
    perp = instrument("PERPETUAL", code="BTC-USDT-PERP")

    decoded = as_contract(instrument_message(perp))

    assert decoded.id == str(perp.instrument_id)
    assert decoded.instrument_type == "PERPETUAL"
    assert decoded.code == "BTC-USDT-PERP"
    assert decoded.created_at.ToDatetime(tzinfo=UTC) == CREATED
    assert decoded.updated_at.ToDatetime(tzinfo=UTC) == UPDATED


def test_a_spots_base_is_its_underlying_and_nothing_is_left_for_extensions():
    spot = instrument("SPOT", code="BTC-USDT")

    decoded = as_contract(instrument_terms_message(spot))

    assert decoded.DESCRIPTOR.full_name == "cqc.markets.v1.SpotInstrument"
    assert decoded.instrument_id == str(spot.instrument_id)
    assert decoded.base_asset_id == str(BTC)
    assert decoded.quote_asset_id == str(USDT)
    assert not decoded.HasField("extensions")
    assert decoded.created_at.ToDatetime(tzinfo=UTC) == CREATED


def test_a_perps_quote_and_settlement_ride_in_extensions():
    """The contract's PerpContract has no quote or settlement field; an inverse perp
    quoted in USD settles in BTC, and a consumer needs both."""
    perp = instrument(
        "PERPETUAL",
        quote_asset_id=USD,
        settlement_asset_id=BTC,
        is_inverse=True,
        contract_multiplier=Decimal("100.00"),
    )

    decoded = as_contract(instrument_terms_message(perp))

    assert decoded.DESCRIPTOR.full_name == "cqc.markets.v1.PerpContract"
    assert decoded.underlying_asset_id == str(BTC)
    assert decoded.is_inverse is True
    assert decoded.HasField("is_quanto") and decoded.is_quanto is False
    assert decoded.contract_multiplier == "100"
    assert dict(decoded.extensions) == {
        "cqar_quote_asset_id": str(USD),
        "cqar_settlement_asset_id": str(BTC),
    }


def test_a_futures_expiry_is_a_timestamp():
    future = instrument(
        "FUTURE", settlement_asset_id=USDT, expiry=EXPIRY, contract_multiplier=Decimal("1")
    )

    decoded = as_contract(instrument_terms_message(future))

    assert decoded.DESCRIPTOR.full_name == "cqc.markets.v1.FutureContract"
    assert decoded.expiry.ToDatetime(tzinfo=UTC) == EXPIRY
    assert decoded.contract_multiplier == "1"
    assert decoded.HasField("is_inverse") and decoded.is_inverse is False
    assert decoded.extensions["cqar_settlement_asset_id"] == str(USDT)


def test_an_options_strike_is_a_plain_decimal_and_its_flags_ride_in_extensions():
    option = instrument(
        "OPTION",
        quote_asset_id=USD,
        settlement_asset_id=BTC,
        is_inverse=True,
        expiry=EXPIRY,
        strike_price=Decimal("3E+3"),
        option_type="CALL",
        exercise_style="EUROPEAN",
        contract_multiplier=Decimal("0.10"),
    )

    decoded = as_contract(instrument_terms_message(option))

    assert decoded.DESCRIPTOR.full_name == "cqc.markets.v1.OptionSeries"
    assert decoded.strike_price == "3000"
    assert decoded.contract_multiplier == "0.1"
    assert (decoded.option_type, decoded.exercise_style) == ("CALL", "EUROPEAN")
    assert decoded.expiry.ToDatetime(tzinfo=UTC) == EXPIRY
    assert dict(decoded.extensions) == {
        "cqar_quote_asset_id": str(USD),
        "cqar_settlement_asset_id": str(BTC),
        "cqar_is_inverse": True,
        "cqar_is_quanto": False,
    }


@pytest.mark.parametrize(
    ("instrument_type", "contract"),
    [("LENDING_DEPOSIT", "LendingDeposit"), ("LENDING_BORROW", "LendingBorrow")],
)
def test_a_lending_products_protocol_rides_in_extensions(instrument_type, contract):
    lending = instrument(
        instrument_type, underlying_asset_id=USDC, quote_asset_id=None, protocol_id="aave-v3"
    )

    decoded = as_contract(instrument_terms_message(lending))

    assert decoded.DESCRIPTOR.full_name == f"cqc.markets.v1.{contract}"
    assert decoded.underlying_asset_id == str(USDC)
    assert dict(decoded.extensions) == {"cqar_protocol_id": "aave-v3"}


def test_an_unknown_instrument_type_is_refused_by_name():
    with pytest.raises(ValueError, match=r"instrument_type: 'SWAP' is not one of SPOT, "):
        instrument_terms_message(instrument("SWAP"))


@pytest.mark.parametrize(
    ("instrument_type", "field", "contract"),
    [
        ("SPOT", "spot_instrument", "SpotInstrument"),
        ("PERPETUAL", "perp_contract", "PerpContract"),
        ("FUTURE", "future_contract", "FutureContract"),
        ("OPTION", "option_series", "OptionSeries"),
        ("LENDING_DEPOSIT", "lending_deposit", "LendingDeposit"),
        ("LENDING_BORROW", "lending_borrow", "LendingBorrow"),
    ],
)
def test_an_instrument_event_carries_the_terms_of_its_type(instrument_type, field, contract):
    """Exactly one of InstrumentEvent's terms is set, and it parses as the contract's."""
    item = instrument(instrument_type, expiry=EXPIRY, protocol_id="aave-v3")
    event = cqar_events.InstrumentEvent(
        instrument=instrument_message(item),
        changed_fields=["code"],
        **instrument_terms_fields(item),
    )

    received = cqar_events.InstrumentEvent.FromString(event.SerializeToString())

    assert received.WhichOneof("terms") == field
    terms = as_contract(getattr(received, field), f"cqc.markets.v1.{contract}")
    assert terms.instrument_id == str(item.instrument_id)
    assert as_contract(received.instrument).code == f"BTC-{instrument_type}"
    payload = json_format.MessageToDict(received, preserving_proto_field_name=True)
    json_format.ParseDict(payload[field], contract_message(f"cqc.markets.v1.{contract}")())


def test_a_market_sends_plain_decimals_and_the_instruments_currencies():
    perp = instrument("PERPETUAL", quote_asset_id=USD, settlement_asset_id=BTC, is_inverse=True)
    listing = market(perp, venue_symbol="BTCUSD_PERP", funding_interval_secs=0)

    decoded = as_contract(market_message(listing))

    assert decoded.id == "4711"
    assert decoded.instrument_id == str(perp.instrument_id)
    assert decoded.venue_id == "binance"
    assert decoded.venue_symbol == "BTCUSD_PERP"
    assert decoded.settlement_asset_id == str(BTC)
    assert decoded.price_currency_asset_id == str(USD)
    assert decoded.tick_size == "0.01"
    assert decoded.lot_size == "0.001"
    assert decoded.min_order_size == "0.001"
    assert decoded.min_notional == "5"
    assert decoded.maker_fee == "-0.0001"
    assert decoded.taker_fee == "0.0005"
    assert not decoded.HasField("max_order_size")
    assert decoded.HasField("funding_interval_secs") and decoded.funding_interval_secs == 0
    assert decoded.status == "TRADING"
    assert decoded.listed_at.ToDatetime(tzinfo=UTC) == CREATED
    assert not decoded.HasField("delisted_at")
    assert decoded.updated_at.ToDatetime(tzinfo=UTC) == UPDATED
    assert dict(decoded.metadata) == {
        "product_id": "BTC",
        "cqar_market_type": "PERPETUAL",
        "cqar_is_active": True,
    }


def test_a_spot_market_without_a_settlement_asset_sends_none():
    listing = market(instrument("SPOT"), metadata={}, is_active=False)

    decoded = as_contract(market_message(listing))

    assert not decoded.HasField("settlement_asset_id")
    assert decoded.price_currency_asset_id == str(USDT)
    assert dict(decoded.metadata) == {"cqar_market_type": "SPOT", "cqar_is_active": False}


def test_market_events_decode_with_the_contract():
    listing = market(instrument("SPOT"))
    created = cqc_events.MarketCreated(event_id="e1", market=market_message(listing))
    listed = cqc_events.VenueMarketListed(
        event_id="e2", market=market_message(listing), is_new_listing=False
    )
    delisted = cqc_events.VenueMarketDelisted(
        event_id="e3", market_id=text_id(listing), **venue_market_delisted_fields(listing)
    )

    assert as_contract(created).market.venue_symbol == "BTCUSDT"
    decoded = as_contract(listed)
    assert decoded.HasField("is_new_listing") and decoded.is_new_listing is False
    decoded = as_contract(delisted)
    assert (decoded.venue_id, decoded.market_id) == ("binance", "4711")
    assert not decoded.HasField("reason")
    created_instrument = cqc_events.InstrumentCreated(
        event_id="e4", instrument=instrument_message(listing.instrument)
    )
    assert as_contract(created_instrument).instrument.instrument_type == "SPOT"


def test_the_assets_an_instrument_concerns():
    perp = instrument("PERPETUAL", settlement_asset_id=USDT)
    assert instrument_asset_ids(perp) == [BTC, USDT, USDT]
    assert market_asset_ids(market(perp)) == [BTC, USDT, USDT]
