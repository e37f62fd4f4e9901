"""The markets admin: an instrument's page lists every venue's market of it, an asset's
page the instruments it underlies and settles, and a market's trading rules are
changed through markets.services, so a rule the API refuses the admin refuses too."""

import json
from decimal import Decimal

import pytest

from markets import services
from markets.models import Instrument, Market
from tests.factories import AssetFactory, VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def perp():
    btc = AssetFactory(symbol="BTC", name="Bitcoin")
    usdt = AssetFactory(symbol="USDT", name="Tether")
    return services.instrument_create(
        instrument_type="PERPETUAL",
        underlying_asset=btc,
        quote_asset=usdt,
        settlement_asset=usdt,
        is_inverse=False,
        is_quanto=False,
        contract_multiplier=Decimal("0.01"),
    )


@pytest.fixture
def spot(perp):
    return services.instrument_create(
        instrument_type="SPOT", underlying_asset=perp.underlying_asset, quote_asset=perp.quote_asset
    )


@pytest.fixture
def market(perp):
    return services.market_create(
        venue=VenueFactory(venue_id="okx"),
        venue_symbol="BTC-USDT-SWAP",
        instrument=perp,
        tick_size=Decimal("0.1"),
        lot_size=Decimal("1"),
        funding_interval_secs=28800,
    )


def change_form(client, market) -> dict:
    """The market's change form as the browser sends it back."""
    page = client.get(f"/admin/markets/market/{market.pk}/change/")
    assert page.status_code == 200
    form = {}
    for key, value in page.context["adminform"].form.initial.items():
        if value is None:
            continue
        form[key] = json.dumps(value) if isinstance(value, dict) else value
    return form


def test_the_instrument_page_lists_every_venues_market(admin_client, perp, market):
    services.market_create(
        venue=VenueFactory(venue_id="bybit"), venue_symbol="BTCUSDT", instrument=perp
    )

    page = admin_client.get(f"/admin/markets/instrument/{perp.pk}/change/").content.decode()

    assert "BTC-USDT-SWAP" in page
    assert "bybit" in page
    assert f"/admin/markets/market/{market.pk}/change/" in page


def test_the_asset_page_lists_the_instruments_it_underlies_and_settles(admin_client, perp):
    underlying = admin_client.get(f"/admin/assets/asset/{perp.underlying_asset_id}/change/")
    settlement = admin_client.get(f"/admin/assets/asset/{perp.settlement_asset_id}/change/")

    assert underlying.status_code == 200
    assert "BTC-USDT-PERP-X0.01" in underlying.content.decode()
    assert "Settled in it" in settlement.content.decode()
    assert f"/admin/markets/instrument/{perp.pk}/change/" in settlement.content.decode()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"tick_size": "0"}, None),
        ({"min_order_size": "10", "max_order_size": "1"}, None),
        ({"status": "DELISTED"}, "status"),
    ],
)
def test_a_rule_broken_in_the_admin_is_a_form_error_and_writes_nothing(
    admin_client, market, changes, field
):
    form = {**change_form(admin_client, market), **changes}

    response = admin_client.post(f"/admin/markets/market/{market.pk}/change/", form)

    assert response.status_code == 200  # the form again, with the error
    errors = response.context["adminform"].form.errors
    assert errors, errors
    if field is not None:
        assert field in errors, errors
    market.refresh_from_db()
    assert market.version == 1
    assert market.tick_size == Decimal("0.1")


def test_a_spot_market_gets_no_funding_interval_in_the_admin(admin_client, spot):
    market = services.market_create(
        venue=VenueFactory(venue_id="kraken"), venue_symbol="XBTUSDT", instrument=spot
    )
    form = {**change_form(admin_client, market), "funding_interval_secs": "3600"}

    response = admin_client.post(f"/admin/markets/market/{market.pk}/change/", form)

    assert response.status_code == 200
    assert "funding_interval_secs" in response.context["adminform"].form.errors
    market.refresh_from_db()
    assert market.funding_interval_secs is None


def test_trading_rules_are_changed_and_the_listing_history_shown(admin_client, market):
    form = {**change_form(admin_client, market), "tick_size": "0.5", "status": "HALTED"}

    response = admin_client.post(f"/admin/markets/market/{market.pk}/change/", form)
    history = admin_client.get(f"/admin/markets/market/{market.pk}/history/")

    assert response.status_code == 302, response.content[:3000]
    market = Market.objects.get(pk=market.pk)
    assert (market.tick_size, market.status, market.version) == (Decimal("0.5"), "HALTED", 2)
    assert history.status_code == 200
    text = history.content.decode()
    assert "tick_size" in text or "Tick size" in text, text[-6000:]


def test_an_instrument_with_wrong_terms_is_a_form_error_and_writes_nothing(admin_client, perp):
    """An inverse contract settling in its quote: the service's rule, named on the form."""
    btc, usdt = perp.underlying_asset, perp.quote_asset
    form = {
        "instrument_type": "PERPETUAL",
        "underlying_asset": btc.pk,
        "quote_asset": usdt.pk,
        "settlement_asset": usdt.pk,
        "is_inverse": "true",
        "is_quanto": "false",
        "contract_multiplier": "100",
        "terms_complete": "on",
        "metadata": "{}",
    }
    before = Instrument.objects.count()

    page = admin_client.post("/admin/markets/instrument/add/", form)

    assert page.status_code == 200  # the form again, not a redirect or a server error
    assert "settles in its underlying" in str(page.context["adminform"].form.errors)
    assert Instrument.objects.count() == before

    form["settlement_asset"] = btc.pk
    assert admin_client.post("/admin/markets/instrument/add/", form).status_code == 302
    assert Instrument.objects.get(is_inverse=True).code == "BTC-USDT-PERP-INV-X100"


def test_a_steward_delists_markets_from_the_list(admin_client, market):
    page = admin_client.post(
        "/admin/markets/market/",
        {"action": "delist_selected", "_selected_action": [market.pk]},
        follow=True,
    )
    assert page.status_code == 200
    market.refresh_from_db()
    assert (market.status, market.metadata["delisting_reason"]) == (
        "DELISTED",
        "delisted by a steward",
    )
    assert market.delisted_at is not None
