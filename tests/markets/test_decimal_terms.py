"""Decimal terms of instruments and markets (contract multiplier, tick and lot size, order
sizes, min notional, fees) survive the API and the protobuf encoding exactly, in every
spelling a client may send, and anything out of range is a 400 naming the field."""

import uuid
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from markets.events import instrument_terms_message, market_message
from markets.models import Instrument, Market
from registry.pb.cqc.markets.v1 import markets_pb2
from tests.api.conftest import assert_error
from tests.factories import AssetFactory, VenueFactory

pytestmark = pytest.mark.django_db

INSTRUMENTS = "/api/v1/instruments/"
MARKETS = "/api/v1/markets/"
SIZE_TERMS = ("tick_size", "lot_size", "min_order_size", "max_order_size", "min_notional")
FEES = ("maker_fee", "taker_fee")

# The columns' range: 38 digits, 18 of them after the point (fees: 12 and 8, within
# the fee bounds -1 % .. 5 %).
SIZES = st.decimals(
    min_value=Decimal("1e-18"),
    max_value=Decimal("99999999999999999999.999999999999999999"),
    places=18,
)
FEE_VALUES = st.decimals(min_value=Decimal("-0.01"), max_value=Decimal("0.05"), places=8)


def spellings(value: Decimal) -> st.SearchStrategy[str]:
    """Ways a client writes one decimal: plain, with trailing zeros, in exponent form."""
    return st.sampled_from(
        [
            format(value, "f"),
            format(value.normalize(), "f"),
            str(value.normalize()),
            f"{value:E}",
            format(value, "f") + "000",
        ]
    ).filter(lambda text: Decimal(text) == value)


SETTINGS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def listing(steward):
    """A linear perpetual's parties and a venue."""
    return {
        "btc": AssetFactory(symbol="BTC"),
        "usdt": AssetFactory(symbol="USDT"),
        "venue": VenueFactory(venue_id="binance"),
    }


def perpetual_body(listing, multiplier: str) -> dict:
    return {
        "instrument_type": "PERPETUAL",
        "underlying_asset_id": str(listing["btc"].pk),
        "quote_asset_id": str(listing["usdt"].pk),
        "settlement_asset_id": str(listing["usdt"].pk),
        "is_inverse": False,
        "is_quanto": False,
        "contract_multiplier": multiplier,
    }


def start_over() -> None:
    """Each example lists on an empty table (terms and symbols must not repeat)."""
    Market.objects.all().delete()
    Instrument.objects.all().delete()


def plain_and_equal(text: str, value: Decimal) -> None:
    assert "E" not in text.upper() and Decimal(text) == value, (text, value)


@SETTINGS
@given(data=st.data(), multiplier=SIZES)
@example(data=None, multiplier=Decimal("1E-18"))
@example(data=None, multiplier=Decimal("99999999999999999999.999999999999999999"))
def test_a_contract_multiplier_survives_the_api_and_the_protobuf_encoding(
    steward, listing, data, multiplier
):
    start_over()
    sent = data.draw(spellings(multiplier)) if data is not None else format(multiplier, "f")
    response = steward.post(INSTRUMENTS, perpetual_body(listing, sent), format="json")
    assert response.status_code == 201, (sent, response.content)
    plain_and_equal(response.json()["contract_multiplier"], multiplier)
    read = steward.get(f"{INSTRUMENTS}{response.json()['instrument_id']}/").json()
    plain_and_equal(read["contract_multiplier"], multiplier)
    message = instrument_terms_message(Instrument.objects.get())
    wire = markets_pb2.PerpContract.FromString(message.SerializeToString())
    plain_and_equal(wire.contract_multiplier, multiplier)


@SETTINGS
@given(data=st.data())
def test_market_terms_survive_the_api_and_the_protobuf_encoding(steward, listing, data):
    start_over()
    instrument = steward.post(INSTRUMENTS, perpetual_body(listing, "1"), format="json").json()
    terms = {name: data.draw(SIZES, label=name) for name in SIZE_TERMS}
    terms["min_order_size"], terms["max_order_size"] = sorted(
        (terms["min_order_size"], terms["max_order_size"])
    )
    terms |= {name: data.draw(FEE_VALUES, label=name) for name in FEES}
    body = {
        "instrument_id": instrument["instrument_id"],
        "venue_id": "binance",
        "venue_symbol": f"M{uuid.uuid4().hex[:8].upper()}",
        **{name: data.draw(spellings(value)) for name, value in terms.items()},
    }
    response = steward.post(MARKETS, body, format="json")
    assert response.status_code == 201, (body, response.content)
    read = steward.get(f"{MARKETS}{response.json()['id']}/").json()
    wire = markets_pb2.Market.FromString(market_message(Market.objects.get()).SerializeToString())
    hot = steward.get(
        "/api/v1/resolve/venue-symbol/",
        {"venue": "binance", "symbol": body["venue_symbol"], "market_type": "PERPETUAL"},
    )
    assert hot.status_code == 200, hot.content
    for name, value in terms.items():
        plain_and_equal(response.json()[name], value)
        plain_and_equal(read[name], value)
        plain_and_equal(getattr(wire, name), value)
        plain_and_equal(hot.json()["market"][name], value)


OUT_OF_RANGE = st.one_of(
    st.sampled_from(
        [
            "-1",
            "1E-19",  # a 19th decimal place
            "0.0000000000000000001",
            "100000000000000000000",  # 21 integer digits
            "1E+21",
            "NaN",
            "Infinity",
            "-Infinity",
            "1e400",
            "0x10",
            "1,5",
            "\u0661",  # ARABIC-INDIC DIGIT ONE: a digit, not an ASCII one
        ]
    ),
    st.decimals(min_value=Decimal("1e20"), allow_nan=False, allow_infinity=False).map(str),
)


def assert_market_term_refused(steward, listing, name: str, value: str) -> None:
    """A market whose term ``name`` is ``value`` is a 400 naming it, and nothing is written."""
    start_over()
    instrument = steward.post(INSTRUMENTS, perpetual_body(listing, "1"), format="json").json()
    body = {
        "instrument_id": instrument["instrument_id"],
        "venue_id": "binance",
        "venue_symbol": "BTCUSDT",
        name: value,
    }
    assert_error(steward.post(MARKETS, body, format="json"), 400, field=name)
    assert not Market.objects.exists()


@SETTINGS
@given(name=st.sampled_from(SIZE_TERMS), value=OUT_OF_RANGE)
def test_an_out_of_range_size_is_a_400_naming_it_and_nothing_is_written(
    steward, listing, name, value
):
    assert_market_term_refused(steward, listing, name, value)


@SETTINGS
@given(
    name=st.sampled_from(FEES),
    value=st.one_of(
        st.sampled_from(["-0.0100000001", "0.0500000001", "0.000000001", "NaN", "1E+3"]),
        st.decimals(allow_nan=False, allow_infinity=False)
        .filter(lambda fee: not Decimal("-0.01") <= fee <= Decimal("0.05"))
        .map(str),
    ),
)
def test_an_out_of_range_fee_is_a_400_naming_it(steward, listing, name, value):
    assert_market_term_refused(steward, listing, name, value)
