"""Hot lookups of the markets app: venue ticker -> market and asset, and the keys a write
affects."""

from django.db.models import Q

from assets.lookups import (
    asset_summaries,
    collision_set,
    dumps,
    not_found,
    register_traded_assets,
)
from assets.models import Asset
from markets.choices import InstrumentType
from markets.models import Market
from registry import cache


def ticker_key(venue_id: str, symbol: str, market_type: str) -> str:
    return f"v1:venue:{venue_id}:symbol:{symbol}:{market_type}"


def ticker_keys(venue_id: str, symbol: str) -> set[str]:
    """The keys of one ticker in every market type (a mapping's type is part of its key)."""
    return {ticker_key(venue_id, symbol, market_type) for market_type in InstrumentType.values}


def instrument_keys(instrument) -> set[str]:
    """The keys whose answer shows this instrument: each of its markets' tickers."""
    keys = set()
    for venue_id, symbol in Market.objects.filter(instrument=instrument).values_list(
        "venue_id", "venue_symbol"
    ):
        keys |= ticker_keys(venue_id, symbol)
    return keys


def market_keys(market) -> set[str]:
    """The keys a write of this market affects."""
    return ticker_keys(market.venue_id, market.venue_symbol)


def load_tickers(requests: list[dict]) -> list[cache.Answer]:
    wanted = {(r["venue"], r["symbol"], r["market_type"]) for r in requests}
    # IN lists per column (index-friendly for a batch of 1,000), exact triples kept below.
    candidates = Market.objects.resolvable().filter(
        venue_id__in={venue for venue, _, _ in wanted},
        venue_symbol__in={symbol for _, symbol, _ in wanted},
        market_type__in={market_type for _, _, market_type in wanted},
    )
    mappings = {
        (m.venue_id, m.venue_symbol, m.market_type): m
        for m in candidates.select_related("instrument__underlying_asset")
        if (m.venue_id, m.venue_symbol, m.market_type) in wanted
    }
    asset_ids = {m.instrument.underlying_asset_id for m in mappings.values()} | {
        m.instrument.quote_asset_id for m in mappings.values() if m.instrument.quote_asset_id
    }
    summaries = asset_summaries(asset_ids)
    sets = Asset.objects.collision_sets(
        m.instrument.underlying_asset.symbol_key for m in mappings.values()
    )
    answers = []
    for request in requests:
        mapping = mappings.get((request["venue"], request["symbol"], request["market_type"]))
        if mapping is None:
            answers.append(
                not_found(
                    f"{request['venue']} has no current {request['market_type']} ticker "
                    f"{request['symbol']!r}."
                )
            )
            continue
        instrument = mapping.instrument
        body = {
            "venue": mapping.venue_id,
            "symbol": mapping.venue_symbol,
            "market_type": mapping.market_type,
            "is_active": mapping.is_active,
            "asset": summaries[instrument.underlying_asset_id],
            "quote_asset": summaries.get(instrument.quote_asset_id),
            "quote_currency": quote_currency(mapping.metadata),
            "symbol_collisions": collision_set(instrument.underlying_asset.symbol_key, sets),
        }
        answers.append((True, dumps(body)))
    return answers


def quote_currency(metadata: dict) -> str | None:
    """The fiat quote an import noted; free-form metadata may hold anything else there."""
    value = metadata.get("quote_currency")
    return value if isinstance(value, str) else None


def ticker_keys_for_assets(asset_ids: set) -> set[str]:
    """Tickers whose answer shows one of these assets, as base or as quote."""
    keys = set()
    for venue_id, symbol in Market.objects.filter(
        Q(instrument__underlying_asset_id__in=asset_ids)
        | Q(instrument__quote_asset_id__in=asset_ids)
        | Q(instrument__settlement_asset_id__in=asset_ids)
    ).values_list("venue_id", "venue_symbol"):
        keys |= ticker_keys(venue_id, symbol)
    return keys


def parse_ticker(params: dict) -> dict:
    market_type = cache.text_param(params, "market_type", InstrumentType.SPOT).upper()
    if market_type not in InstrumentType.values:
        raise ValueError(f"market_type: one of {', '.join(InstrumentType.values)}.")
    return {
        "venue": cache.slug_param(params, "venue"),
        "symbol": cache.text_param(params, "symbol"),
        "market_type": market_type,
    }


def tickers_to_warm(limit: int | None):
    """warm_cache: every current ticker of a live asset (the hottest lookup: every tick)."""
    rows = (
        Market.objects.resolvable()
        .order_by("id")
        .values_list("venue_id", "venue_symbol", "market_type")
    )
    return (
        {"venue": venue, "symbol": symbol, "market_type": market_type}
        for venue, symbol, market_type in rows[:limit]
    )


def ticker_asset_ids():
    """The assets traded somewhere: those a current ticker means."""
    return Market.objects.resolvable().values_list("instrument__underlying_asset_id", flat=True)


def register() -> None:
    """Called from MarketsConfig.ready()."""
    cache.register_asset_keys(ticker_keys_for_assets)
    cache.register_lookup(
        "venue_symbol",
        family="venue",
        parse=parse_ticker,
        key_of=lambda r: ticker_key(r["venue"], r["symbol"], r["market_type"]),
        load=load_tickers,
    )
    cache.register_warm_up("venue_symbol", tickers_to_warm, weight=10)
    register_traded_assets(ticker_asset_ids)
