"""The rules of instruments and markets, written through markets.services (each path —
API, admin, importers — writes through them)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from markets.models import Instrument, Market
from markets.services import (
    InstrumentExistsError,
    delist_expired_markets,
    instrument_create,
    instrument_get_or_create,
    instrument_update,
    market_create,
    market_update,
)
from registry.models import OutboxEvent
from tests.factories import AssetFactory, VenueFactory

pytestmark = pytest.mark.django_db

EXPIRY = datetime(2030, 12, 27, 8, tzinfo=UTC)


@pytest.fixture
def btc():
    return AssetFactory(symbol="BTC")


@pytest.fixture
def usdt():
    return AssetFactory(symbol="USDT")


@pytest.fixture
def usd():
    return AssetFactory(symbol="USD", asset_type="FIAT")


def perpetual(btc, quote, settlement, *, inverse, multiplier="1", **fields):
    return instrument_create(
        instrument_type="PERPETUAL",
        underlying_asset=btc,
        quote_asset=quote,
        settlement_asset=settlement,
        is_inverse=inverse,
        is_quanto=False,
        contract_multiplier=Decimal(multiplier),
        **fields,
    )


def test_codes_read_as_traders_write_them(btc, usdt, usd):
    eth = AssetFactory(symbol="ETH")
    spot = instrument_create(instrument_type="SPOT", underlying_asset=btc, quote_asset=usdt)
    linear = perpetual(btc, usdt, usdt, inverse=False)
    inverse = perpetual(btc, usd, btc, inverse=True, multiplier="100")
    centi = perpetual(btc, usdt, usdt, inverse=False, multiplier="0.01")
    option = instrument_create(
        instrument_type="OPTION",
        underlying_asset=eth,
        quote_asset=usdt,
        settlement_asset=usdt,
        is_inverse=False,
        is_quanto=False,
        contract_multiplier=Decimal("1"),
        expiry=EXPIRY,
        strike_price=Decimal("3000.00"),
        option_type="CALL",
        exercise_style="EUROPEAN",
    )
    assert [i.code for i in (spot, linear, inverse, centi, option)] == [
        "BTC-USDT",
        "BTC-USDT-PERP",
        "BTC-USD-PERP-INV-X100",
        "BTC-USDT-PERP-X0.01",
        "ETH-USDT-27DEC2030-3000-C",
    ]
    events = set(
        OutboxEvent.objects.filter(entity_id=str(linear.pk)).values_list("event_type", flat=True)
    )
    assert events == {"instrument_created", "instrument_registered"}


def test_the_same_terms_are_one_instrument(btc, usdt):
    first = perpetual(btc, usdt, usdt, inverse=False)
    with pytest.raises(InstrumentExistsError) as refused:
        perpetual(btc, usdt, usdt, inverse=False, multiplier="1.000")
    assert refused.value.details["instrument_id"] == str(first.pk)
    again, created = instrument_get_or_create(
        instrument_type="PERPETUAL",
        underlying_asset=btc,
        quote_asset=usdt,
        settlement_asset=usdt,
        is_inverse=False,
        is_quanto=False,
        contract_multiplier=Decimal("1"),
    )
    assert (again, created) == (first, False)
    # The database holds the rule too, whatever path writes.
    duplicate = Instrument(
        instrument_type="PERPETUAL",
        code="OTHER",
        underlying_asset=btc,
        quote_asset=usdt,
        settlement_asset=usdt,
        is_inverse=False,
        is_quanto=False,
        contract_multiplier=Decimal("1.0"),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save(force_insert=True)


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"inverse": True, "settle": "quote"}, "settlement_asset"),
        ({"inverse": False, "settle": "base"}, "settlement_asset"),
        ({"inverse": False, "quanto": True, "settle": "base"}, "settlement_asset"),
        ({"inverse": True, "quanto": True, "settle": "base"}, "is_quanto"),
        ({"inverse": False, "settle": "quote", "multiplier": None}, "contract_multiplier"),
        ({"inverse": False, "settle": "quote", "expiry": EXPIRY}, "expiry"),
    ],
)
def test_a_perpetual_with_wrong_terms_is_refused_naming_the_term(btc, usdt, terms, field):
    third = AssetFactory(symbol="ETH")
    settle = {"quote": usdt, "base": btc, "third": third}[terms["settle"]]
    fields = {"expiry": terms["expiry"]} if "expiry" in terms else {}
    with pytest.raises(ValidationError) as refused:
        instrument_create(
            instrument_type="PERPETUAL",
            underlying_asset=btc,
            quote_asset=usdt,
            settlement_asset=settle,
            is_inverse=terms["inverse"],
            is_quanto=terms.get("quanto", False),
            contract_multiplier=terms.get("multiplier", Decimal("1")),
            **fields,
        )
    assert field in refused.value.message_dict
    assert not Instrument.objects.exists()


def test_an_option_needs_strike_expiry_type_and_style(btc, usdt):
    with pytest.raises(ValidationError) as refused:
        instrument_create(
            instrument_type="OPTION",
            underlying_asset=btc,
            quote_asset=usdt,
            settlement_asset=usdt,
            is_inverse=False,
            is_quanto=False,
            contract_multiplier=Decimal("1"),
        )
    assert set(refused.value.message_dict) == {
        "expiry",
        "strike_price",
        "option_type",
        "exercise_style",
    }


def test_terms_are_fixed_once_complete_and_metadata_is_not(btc, usdt):
    instrument = perpetual(btc, usdt, usdt, inverse=False)
    with pytest.raises(ValidationError) as refused:
        instrument_update(instrument=instrument, changes={"contract_multiplier": Decimal("10")})
    assert "contract_multiplier" in refused.value.message_dict
    assert instrument_update(instrument=instrument, changes={"metadata": {"a": 1}}) == ["metadata"]


def market_of(instrument, **fields):
    return market_create(
        venue=VenueFactory(), venue_symbol=f"S{instrument.code}", instrument=instrument, **fields
    )


def test_market_rules_are_refused_naming_the_field(btc, usdt):
    spot = instrument_create(instrument_type="SPOT", underlying_asset=btc, quote_asset=usdt)
    refused = {
        "funding_interval_secs": {"funding_interval_secs": 28800},
        "tick_size": {"tick_size": Decimal("0")},
        "maker_fee": {"maker_fee": Decimal("0.5")},
        "max_order_size": {"min_order_size": Decimal("10"), "max_order_size": Decimal("1")},
        "market_type": {"market_type": "PERPETUAL"},
    }
    for field, fields in refused.items():
        with pytest.raises(ValidationError) as error:
            market_of(spot, **fields)
        assert set(error.value.message_dict) & {field, "__all__"}, (field, error.value)
    assert not Market.objects.exists()
    market = market_of(spot, tick_size=Decimal("0.01"), maker_fee=Decimal("-0.0001"))
    with pytest.raises(ValidationError) as error:
        market_update(market=market, changes={"status": "DELISTED"})
    assert "status" in error.value.message_dict


def test_an_expired_future_is_not_trading_and_is_delisted_at_its_expiry(btc, usdt):
    past = timezone.now().replace(microsecond=0) - timedelta(days=1)
    future = instrument_create(
        instrument_type="FUTURE",
        underlying_asset=btc,
        quote_asset=usdt,
        settlement_asset=usdt,
        is_inverse=False,
        is_quanto=False,
        contract_multiplier=Decimal("1"),
        expiry=past,
    )
    with pytest.raises(ValidationError) as error:
        market_of(future)
    assert "status" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        market_of(future, status="HALTED", listed_at=past + timedelta(hours=1))
    assert "listed_at" in error.value.message_dict

    soon = timezone.now().replace(microsecond=0) + timedelta(hours=1)
    dated = instrument_create(
        instrument_type="FUTURE",
        underlying_asset=btc,
        quote_asset=usdt,
        settlement_asset=usdt,
        is_inverse=False,
        is_quanto=False,
        contract_multiplier=Decimal("1"),
        expiry=soon,
    )
    market = market_of(dated)
    assert delist_expired_markets() == 0
    assert delist_expired_markets(now=soon + timedelta(seconds=1)) == 1
    market.refresh_from_db()
    assert (market.status, market.delisted_at) == ("DELISTED", soon)
    assert market.metadata["delisting_reason"] == "expired"


def test_a_rows_check_constraints_are_asked_in_one_statement(btc, usdt):
    """Nine check constraints of a market: one SELECT, not nine (each in a savepoint)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from registry.services import check_create

    spot = instrument_create(instrument_type="SPOT", underlying_asset=btc, quote_asset=usdt)
    market = Market(
        venue=VenueFactory(), venue_symbol="BTCUSDT", instrument=spot, tick_size=Decimal("0")
    )
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValidationError) as refused:
        check_create(market)
    checks = [q["sql"] for q in queries.captured_queries if "_check_0" in q["sql"]]
    assert len(checks) == 1
    assert checks[0].count("COALESCE") == len(
        [c for c in Market._meta.constraints if c.__class__.__name__ == "CheckConstraint"]
    )
    assert "tick_size" in refused.value.message_dict


def test_a_venue_ticker_quoted_in_a_fiat_currency_lists_the_fiat_spot_pair(btc):
    """The venue-ticker API notes a fiat quote in metadata.quote_currency: the market's
    instrument is the spot pair of the base and that currency's FIAT asset."""
    from markets.services import venue_symbol_create

    venue = VenueFactory()
    ticker = venue_symbol_create(
        venue=venue, symbol="XXBTZUSD", asset=btc, metadata={"quote_currency": "USD"}
    )
    other = venue_symbol_create(
        venue=VenueFactory(), symbol="BTC-USD", asset=btc, metadata={"quote_currency": "USD"}
    )
    assert ticker.instrument == other.instrument
    assert (ticker.instrument.code, ticker.instrument.terms_complete) == ("BTC-USD", True)
    assert ticker.quote_asset.asset_type == "FIAT"
    odd = venue_symbol_create(
        venue=venue, symbol="XXBTZXYZ", asset=btc, metadata={"quote_currency": "XYZ"}
    )
    assert odd.quote_asset is None and not odd.instrument.terms_complete


def test_more_market_rules_name_their_field(btc, usdt):
    perp = perpetual(btc, usdt, usdt, inverse=False)
    with pytest.raises(ValidationError) as error:
        market_of(perp, funding_interval_secs=0)
    assert error.value.message_dict["funding_interval_secs"] == [
        "Must be a positive number of seconds."
    ]
    later = timezone.now() + timedelta(days=30)
    with pytest.raises(ValidationError) as error:
        market_of(perp, listed_at=later)
    assert "status" in error.value.message_dict
    assert market_of(perp, listed_at=later, status="HALTED").status == "HALTED"

    from venues.services import venue_create

    aave = venue_create(venue_id="aave-v3", name="Aave v3", venue_type="LENDING")
    deposit = instrument_create(
        instrument_type="LENDING_DEPOSIT", underlying_asset=usdt, protocol=aave
    )
    assert deposit.code == "USDT-AAVE-V3-DEPOSIT"
    with pytest.raises(ValidationError) as error:
        market_create(venue=VenueFactory(), venue_symbol="USDT-EARN", instrument=deposit)
    assert "venue" in error.value.message_dict
    assert market_create(venue=aave, venue_symbol="aUSDT", instrument=deposit).venue_id == "aave-v3"


def test_listing_periods_of_one_symbol_do_not_overlap(btc, usdt):
    from markets.services import market_delist

    spot = instrument_create(instrument_type="SPOT", underlying_asset=btc, quote_asset=usdt)
    venue = VenueFactory()
    first = market_create(venue=venue, venue_symbol="BTCUSDT", instrument=spot)
    market_delist(market=first, at=datetime(2026, 6, 1, tzinfo=UTC))
    with pytest.raises(ValidationError) as error:
        market_create(
            venue=venue,
            venue_symbol="BTCUSDT",
            instrument=spot,
            listed_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
    assert "listing periods do not overlap" in error.value.message_dict["listed_at"][0]
    again = market_create(
        venue=venue, venue_symbol="BTCUSDT", instrument=spot, listed_at=first.delisted_at
    )
    assert again.listed_at == first.delisted_at


def test_a_contract_expires_at_a_whole_second(btc, usdt):
    with pytest.raises(ValidationError) as error:
        instrument_create(
            instrument_type="FUTURE",
            underlying_asset=btc,
            quote_asset=usdt,
            settlement_asset=usdt,
            is_inverse=False,
            is_quanto=False,
            contract_multiplier=Decimal("1"),
            expiry=EXPIRY.replace(microsecond=123456),
        )
    assert "expiry" in error.value.message_dict
