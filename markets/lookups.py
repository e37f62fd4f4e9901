"""Hot lookups of the markets app: venue ticker -> market, instrument and assets; an
instrument's code -> its terms and every current market across venues; and the keys a
write affects (``market_keys``, ``instrument_keys``: markets.services invalidates them).
"""

from django.db.models import Q

from assets.lookups import (
    asset_summaries,
    collision_set,
    collision_sets,
    dumps,
    not_found,
    register_traded_assets,
    then,
)
from assets.models import Asset
from markets.choices import InstrumentType, MarketStatus
from markets.models import Instrument, Market
from registry import cache, text, timeline
from registry.api.resolve import register_pretrade_assets, register_pretrade_status
from registry.numbers import plain_decimal


def ticker_key(venue_id: str, symbol: str, market_type: str) -> str:
    return f"v1:venue:{venue_id}:symbol:{symbol}:{market_type}"


def ticker_keys(venue_id: str, symbol: str) -> set[str]:
    """The keys of one ticker in every market type (a mapping's type is part of its key)."""
    return {ticker_key(venue_id, symbol, market_type) for market_type in InstrumentType.values}


def instrument_code_key(code: str) -> str:
    """The key of resolve/instrument/ by code (codes are upper-case; asked in any case)."""
    return f"v1:instrument:code:{code.upper()}"


def instrument_keys(instrument) -> set[str]:
    """The keys whose answer shows this instrument: each of its markets' tickers, and its
    code's, under every code it has had (completing its terms gives it a new code, and
    the old one must stop answering: the history has the codes before)."""
    keys = set()
    for venue_id, symbol in Market.objects.filter(instrument=instrument).values_list(
        "venue_id", "venue_symbol"
    ):
        keys |= ticker_keys(venue_id, symbol)
    codes = {instrument.code} if instrument.code else set()
    codes |= set(
        Instrument.pgh_event_model.objects.filter(pgh_obj_id=instrument.pk)
        .values_list("code", flat=True)
        .distinct()
    )
    return keys | {instrument_code_key(code) for code in codes}


def market_keys(market) -> set[str]:
    """The keys a write of this market affects: its ticker's, and its instrument's code's
    (which lists the instrument's current markets)."""
    keys = ticker_keys(market.venue_id, market.venue_symbol)
    if market.instrument_id is not None:
        code = Instrument.objects.filter(pk=market.instrument_id).values_list("code", flat=True)
        keys |= {instrument_code_key(value) for value in code}
    return keys


# --- answers ---------------------------------------------------------------------------


def market_body(market: Market) -> dict:
    """A market's trading rules (MarketAnswerSerializer describes them)."""
    instrument = market.instrument
    return {
        "id": market.id,
        "venue": market.venue_id,
        "venue_symbol": market.venue_symbol,
        "status": market.status,
        "tick_size": plain_decimal(market.tick_size),
        "lot_size": plain_decimal(market.lot_size),
        "min_order_size": plain_decimal(market.min_order_size),
        "max_order_size": plain_decimal(market.max_order_size),
        "min_notional": plain_decimal(market.min_notional),
        "maker_fee": plain_decimal(market.maker_fee),
        "taker_fee": plain_decimal(market.taker_fee),
        "funding_interval_secs": market.funding_interval_secs,
        "listed_at": market.listed_at,
        "settlement_asset_id": instrument.settlement_asset_id,
        "price_currency_asset_id": instrument.quote_asset_id,
    }


def instrument_body(instrument: Instrument) -> dict:
    """An instrument's terms (InstrumentAnswerSerializer describes them)."""
    return {
        "instrument_id": instrument.instrument_id,
        "instrument_type": instrument.instrument_type,
        "code": instrument.code,
        "underlying_asset_id": instrument.underlying_asset_id,
        "quote_asset_id": instrument.quote_asset_id,
        "settlement_asset_id": instrument.settlement_asset_id,
        "is_inverse": instrument.is_inverse,
        "is_quanto": instrument.is_quanto,
        "contract_multiplier": plain_decimal(instrument.contract_multiplier),
        "expiry": instrument.expiry,
        "strike_price": plain_decimal(instrument.strike_price),
        "option_type": instrument.option_type or None,
        "exercise_style": instrument.exercise_style or None,
        "terms_complete": instrument.terms_complete,
    }


def instrument_asset_ids(instruments) -> set:
    """The assets the instruments' answers show: underlying, quote, settlement."""
    ids = set()
    for instrument in instruments:
        ids |= {
            instrument.underlying_asset_id,
            instrument.quote_asset_id,
            instrument.settlement_asset_id,
        }
    return ids - {None}


def load_tickers(requests: list[dict], moment=None) -> list[cache.Answer]:
    wanted = {(r["venue"], r["symbol"], r["market_type"]) for r in requests}
    # IN lists per column (index-friendly for a batch of 1,000), exact triples kept below.
    columns = {
        "venue_id__in": {venue for venue, _, _ in wanted},
        "venue_symbol__in": {symbol for _, symbol, _ in wanted},
        "market_type__in": {market_type for _, _, market_type in wanted},
    }
    if moment is None:
        candidates = Market.objects.resolvable().filter(**columns)
        candidates = candidates.select_related("instrument__underlying_asset")
        summaries = None
    else:
        candidates = markets_at(moment, **columns)
    mappings = {
        (m.venue_id, m.venue_symbol, m.market_type): m
        for m in candidates
        if (m.venue_id, m.venue_symbol, m.market_type) in wanted
    }
    asset_ids = instrument_asset_ids(m.instrument for m in mappings.values())
    summaries = asset_summaries(asset_ids, moment)
    if moment is not None:  # a market whose assets were not all live then did not resolve
        mappings = {
            triple: market
            for triple, market in mappings.items()
            if instrument_asset_ids([market.instrument]) <= summaries.keys()
        }
    sets = collision_sets(
        (
            text.symbol_key(summaries[m.instrument.underlying_asset_id]["symbol"])
            for m in mappings.values()
        ),
        moment=moment,
    )
    answers = []
    for request in requests:
        mapping = mappings.get((request["venue"], request["symbol"], request["market_type"]))
        if mapping is None:
            current = "current " if moment is None else ""
            answers.append(
                not_found(
                    f"{request['venue']} has no {current}{request['market_type']} ticker "
                    f"{request['symbol']!r}{then(moment)}."
                )
            )
            continue
        instrument = mapping.instrument
        asset = summaries[instrument.underlying_asset_id]
        body = {
            "venue": mapping.venue_id,
            "symbol": mapping.venue_symbol,
            "market_type": mapping.market_type,
            "is_active": mapping.is_active,
            "asset": asset,
            "quote_asset": summaries.get(instrument.quote_asset_id),
            "quote_currency": quote_currency(mapping.metadata),
            "symbol_collisions": collision_set(text.symbol_key(asset["symbol"]), sets),
            "settlement_asset": summaries.get(instrument.settlement_asset_id),
            "market": market_body(mapping),
            "instrument": instrument_body(instrument),
        }
        answers.append((True, dumps(body)))
    return answers


def markets_at(moment, *where, **columns) -> list[Market]:
    """The markets the filters name that were listed at ``moment``, as the registry held
    them at its ``known_at``: which market a ticker meant is its listing period's (valid
    time); its trading rules and status are facts true from when recorded. A market is
    not DELISTED inside its listing period: one imported delisted, with its past period,
    was TRADING in it as far as the registry knows. Where two periods of one ticker both
    hold the moment (a re-pointing at the same instant), the later listing is the answer
    (the caller keeps the last of each ticker: they come in listing order)."""
    listed = timeline.held_rows(
        Market,
        moment,
        timeline.valid_at("listed_at", "delisted_at", moment.as_of),
        *where,
        **columns,
    )
    periods = {row.id: row for row in listed}
    if not periods:
        return []
    states = timeline.state_at(Market, moment.as_of, moment.known_at, pgh_obj_id__in=list(periods))
    state_by_id = {row.id: row for row in states}
    markets = []
    for market_id, period in periods.items():
        market = timeline.instances(Market, [state_by_id.get(market_id, period)])[0]
        market.listed_at, market.delisted_at = period.listed_at, period.delisted_at
        market.instrument_id = period.instrument_id
        if market.status == MarketStatus.DELISTED:
            market.status = MarketStatus.TRADING
        markets.append(market)
    instruments = timeline.objects_at(Instrument, moment, (m.instrument_id for m in markets))
    markets = [market for market in markets if market.instrument_id in instruments]
    for market in markets:
        market.instrument = instruments[market.instrument_id]
    markets.sort(
        key=lambda market: (market.listed_at is not None, market.listed_at or 0, market.id)
    )
    return markets


def load_instruments(requests: list[dict], moment=None) -> list[cache.Answer]:
    """Instruments by code: the terms, the assets (with their flags) and every current
    market, in three queries for any number of codes. With a ``moment``: the instrument
    that had the code then (a code is a fact true from when recorded: completing the
    terms gives a new one) and the markets listed then."""
    codes = {r["code"] for r in requests}
    if moment is None:
        instruments = {
            instrument.code: instrument
            for instrument in Instrument.objects.of_live("underlying_asset").filter(code__in=codes)
        }
        listed = (
            Market.objects.current()
            .filter(instrument__in=list(instruments.values()))
            .select_related("instrument")
        )
    else:
        states = timeline.state_at(Instrument, moment.as_of, moment.known_at, code__in=codes)
        instruments = {i.code: i for i in timeline.instances(Instrument, states)}
        listed = markets_at(moment, instrument_id__in=[i.pk for i in instruments.values()])
    summaries = asset_summaries(instrument_asset_ids(instruments.values()), moment)
    instruments = {
        code: instrument
        for code, instrument in instruments.items()
        if instrument.underlying_asset_id in summaries
    }
    markets: dict = {instrument.pk: [] for instrument in instruments.values()}
    for market in sorted(listed, key=lambda m: (m.venue_id, m.venue_symbol, m.id)):
        if market.instrument_id in markets:
            markets[market.instrument_id].append(market_body(market))
    answers = []
    for request in requests:
        instrument = instruments.get(request["code"])
        if instrument is None:
            answers.append(
                not_found(f"No instrument has the code {request['code']!r}{then(moment)}.")
            )
            continue
        body = {
            "instrument": instrument_body(instrument),
            "underlying_asset": summaries[instrument.underlying_asset_id],
            "quote_asset": summaries.get(instrument.quote_asset_id),
            "settlement_asset": summaries.get(instrument.settlement_asset_id),
            "markets": markets[instrument.pk],
        }
        answers.append((True, dumps(body)))
    return answers


def pretrade_assets(answer: dict) -> list[tuple[str, dict]]:
    """What a pre-trade check by ticker weighs: the base, quote and settlement assets
    (each once, in that order) of the market the ticker names."""
    return [
        (role, answer[name])
        for role, name in (
            ("base", "asset"),
            ("quote", "quote_asset"),
            ("settlement", "settlement_asset"),
        )
        if answer.get(name) is not None
    ]


def quote_currency(metadata: dict) -> str | None:
    """The fiat quote an import noted; free-form metadata may hold anything else there."""
    value = metadata.get("quote_currency")
    return value if isinstance(value, str) else None


def instrument_keys_for_assets(asset_ids: set) -> set[str]:
    """Instrument codes whose answer shows one of these assets."""
    codes = Instrument.objects.filter(
        Q(underlying_asset_id__in=asset_ids)
        | Q(quote_asset_id__in=asset_ids)
        | Q(settlement_asset_id__in=asset_ids)
    ).values_list("code", flat=True)
    return {instrument_code_key(code) for code in codes}


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


def parse_instrument(params: dict) -> dict:
    code = cache.text_param(params, "code").upper()
    if len(code) > Instrument._meta.get_field("code").max_length:
        raise ValueError("code: not an instrument code (too long).")
    return {"code": code}


def instruments_to_warm(limit: int | None):
    """warm_cache: every instrument listed somewhere now."""
    codes = (
        Instrument.objects.filter(markets__delisted_at__isnull=True)
        .distinct()
        .order_by("code")
        .values_list("code", flat=True)
    )
    return ({"code": code} for code in codes[:limit])


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
    """The assets traded somewhere: the base, quote and settlement assets of a current
    market (a pre-trade check weighs all three)."""
    markets = Market.objects.resolvable()
    return Asset.objects.filter(
        Q(asset_id__in=markets.values("instrument__underlying_asset_id"))
        | Q(asset_id__in=markets.values("instrument__quote_asset_id"))
        | Q(asset_id__in=markets.values("instrument__settlement_asset_id"))
    ).values_list("asset_id", flat=True)


def register() -> None:
    """Called from MarketsConfig.ready()."""
    cache.register_asset_keys(ticker_keys_for_assets)
    cache.register_asset_keys(instrument_keys_for_assets)
    cache.register_lookup(
        "venue_symbol",
        family="venue",
        parse=parse_ticker,
        key_of=lambda r: ticker_key(r["venue"], r["symbol"], r["market_type"]),
        load=load_tickers,
    )
    cache.register_warm_up("venue_symbol", tickers_to_warm, weight=10)
    cache.register_lookup(
        "instrument",
        family="instrument",
        parse=parse_instrument,
        key_of=lambda r: instrument_code_key(r["code"]),
        load=load_instruments,
    )
    cache.register_warm_up("instrument", instruments_to_warm, weight=15)
    register_pretrade_assets("venue_symbol", pretrade_assets)
    register_pretrade_status("venue_symbol", lambda answer: answer["market"]["status"])
    register_traded_assets(ticker_asset_ids)
