"""Venue tickers keep their history: delisting closes a mapping, never overwrites it."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from assets.services import asset_soft_delete
from markets.models import VenueSymbol
from markets.services import venue_symbol_create, venue_symbol_delist, venue_symbol_update
from registry.exceptions import ConflictError
from tests.factories import AssetFactory, VenueFactory


@pytest.mark.django_db
def test_reused_ticker_answers_what_it_meant_at_a_date():
    venue = VenueFactory()
    luna_classic, luna_new = AssetFactory(symbol="LUNC"), AssetFactory(symbol="LUNA")
    old = venue_symbol_create(
        venue=venue,
        symbol="LUNAUSDT",
        asset=luna_classic,
        listed_at=datetime(2020, 8, 21, tzinfo=UTC),
    )
    with pytest.raises(ConflictError):
        venue_symbol_create(venue=venue, symbol="LUNAUSDT", asset=luna_new)
    venue_symbol_delist(venue_symbol=old, at=datetime(2022, 5, 13, tzinfo=UTC))
    venue_symbol_create(
        venue=venue, symbol="LUNAUSDT", asset=luna_new, listed_at=datetime(2022, 5, 31, tzinfo=UTC)
    )
    tickers = VenueSymbol.objects.filter(venue=venue, venue_symbol="LUNAUSDT")
    assert tickers.as_of(datetime(2022, 5, 1, tzinfo=UTC)).get().asset == luna_classic
    assert tickers.resolvable().get().asset == luna_new


@pytest.mark.django_db
def test_quote_asset_must_differ_from_base():
    asset = AssetFactory()
    with pytest.raises(ValidationError, match="quote asset must differ"):
        venue_symbol_create(venue=VenueFactory(), symbol="BTCBTC", asset=asset, quote_asset=asset)


@pytest.mark.django_db
def test_a_mapping_cannot_be_pointed_at_another_asset():
    mapping = venue_symbol_create(venue=VenueFactory(), symbol="BTCUSDT", asset=AssetFactory())
    with pytest.raises(ValidationError) as raised:
        venue_symbol_update(venue_symbol=mapping, changes={"asset": AssetFactory()})
    assert "asset" in raised.value.message_dict


@pytest.mark.django_db
def test_a_delisted_mapping_cannot_be_delisted_again():
    mapping = venue_symbol_create(venue=VenueFactory(), symbol="LUNAUSDT", asset=AssetFactory())
    venue_symbol_delist(venue_symbol=mapping, at=datetime(2022, 5, 13, tzinfo=UTC))
    with pytest.raises(ValidationError, match="Already delisted"):
        venue_symbol_delist(venue_symbol=mapping)
    mapping.refresh_from_db()
    assert mapping.delisted_at == datetime(2022, 5, 13, tzinfo=UTC)


@pytest.mark.django_db
def test_a_ticker_cannot_be_quoted_in_a_deleted_asset():
    quote = AssetFactory()
    asset_soft_delete(asset=quote)
    with pytest.raises(ValidationError) as raised:
        venue_symbol_create(
            venue=VenueFactory(), symbol="BTCX", asset=AssetFactory(), quote_asset=quote
        )
    assert "quote_asset" in raised.value.message_dict
