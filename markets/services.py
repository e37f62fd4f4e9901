"""Write operations on instruments and markets, and on venue tickers, which are markets
seen as the venue-ticker API always showed them.

The rules a single row cannot check are checked here, for every path (API, admin,
importers): a market's type is its instrument's (the database checks it too, by a
composite foreign key), a dated instrument is listed before it expires, an expired one
is not TRADING, and what a market or an instrument means is fixed once written.
"""

import copy
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from assets.models import Asset
from assets.services import fiat_asset_get_or_create
from markets.choices import InstrumentType, MarketStatus
from markets.lookups import instrument_keys, market_keys
from markets.models import (
    DERIVATIVES,
    INSTRUMENT_TERMS,
    LENDING,
    Instrument,
    Market,
    VenueSymbol,
)
from registry import provenance
from registry.cache import invalidate
from registry.events.outbox import record
from registry.exceptions import ConflictError, RegistryError
from registry.numbers import plain_decimal
from registry.services import (
    Writes,
    lock_and_reload,
    validated_create,
    validated_delete,
    validated_update,
)

ISO_CODE = re.compile(r"[A-Z]{3}")
# The first key of the advisory lock that serializes the writers of one instrument code
# (_lock_code); any constant unique to this use will do.
_INSTRUMENT_CODE_LOCK = 0x43514152
# What a listing means: a new meaning is a new market (delist the old one first).
MARKET_KEY_FIELDS = ("venue", "venue_symbol", "market_type", "instrument")


class InstrumentExistsError(ConflictError):
    """Another instrument has these terms: use it (its id is in the message)."""

    code = "instrument_exists"


# --- Instruments --------------------------------------------------------------------


def instrument_code(instrument: Instrument) -> str:
    """The canonical code of an instrument, made from its terms (docs/DESIGN.md).

    The plain case reads as traders write it (BTC-USDT, BTC-USDT-PERP,
    ETH-USDT-27DEC2026-3000-C); what departs from a linear contract of multiplier 1 is
    appended: -INV (inverse), -Q<settlement> (quanto), -X<multiplier>, -AM (American).
    """
    underlying = instrument.underlying_asset.symbol.upper()
    kind = instrument.instrument_type
    if kind in LENDING:
        side = "DEPOSIT" if kind == InstrumentType.LENDING_DEPOSIT else "BORROW"
        protocol = instrument.protocol_id.upper() if instrument.protocol_id else "UNKNOWN"
        return f"{underlying}-{protocol}-{side}"
    quote = instrument.quote_asset.symbol.upper() if instrument.quote_asset_id else "UNKNOWN"
    parts = [underlying, quote]
    if kind == InstrumentType.PERPETUAL:
        parts.append("PERP")
    if kind in (InstrumentType.FUTURE, InstrumentType.OPTION) and instrument.expiry:
        parts.append(instrument.expiry.astimezone(UTC).strftime("%d%b%Y").upper())
    if kind == InstrumentType.OPTION:
        if instrument.strike_price is not None:
            parts.append(plain_decimal(instrument.strike_price))
        if instrument.option_type:
            parts.append(instrument.option_type[0])
    if kind in DERIVATIVES and instrument.terms_complete:
        if instrument.is_inverse:
            parts.append("INV")
        if instrument.is_quanto:
            parts.append(f"Q{instrument.settlement_asset.symbol.upper()}")
        if instrument.contract_multiplier != 1:
            parts.append(f"X{plain_decimal(instrument.contract_multiplier)}")
        if instrument.exercise_style == "AMERICAN":
            parts.append("AM")
    return "-".join(parts)


def _unique_code(instrument: Instrument) -> str:
    """The canonical code; when two assets share a symbol (two USDCs), or the terms are
    not known yet, the code would be another instrument's: the instrument's id tells
    them apart."""
    code = instrument_code(instrument)
    if not instrument.terms_complete:
        return f"{code}-{instrument.instrument_id.hex[:8].upper()}"
    taken = Instrument.objects.filter(code=code).exclude(pk=instrument.pk).exists()
    return f"{code}-{instrument.instrument_id.hex[:8].upper()}" if taken else code


def _lock_code(instrument: Instrument) -> None:
    """Wait for any other transaction writing an instrument of this code (the plain code
    of its terms) to end. Instruments with the same terms share the code, and two with
    different terms may too (two USDCs): concurrent writers would otherwise both find no
    instrument with the terms, or the code free, and the second be refused by the unique
    index of the code instead of finding the first's instrument (or taking a code with
    the id appended). Each statement after the lock sees what the other committed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
            [_INSTRUMENT_CODE_LOCK, instrument_code(instrument)],
        )


def _terms_query(instrument: Instrument) -> dict:
    terms = {}
    for name in INSTRUMENT_TERMS:
        field = Instrument._meta.get_field(name)
        value = getattr(instrument, field.attname)
        terms[f"{field.attname}__isnull" if value is None else field.attname] = (
            True if value is None else value
        )
    return terms


def find_instrument(**terms: Any) -> Instrument | None:
    """The instrument with exactly these (complete) terms, if the registry has it."""
    probe = Instrument(**terms)
    return Instrument.objects.filter(terms_complete=True, **_terms_query(probe)).first()


@transaction.atomic
def instrument_create(
    *, instrument_type: str, underlying_asset: Asset, **fields: Any
) -> Instrument:
    """Register an instrument by its terms (models.Instrument). Refused with a conflict
    naming the existing one when an instrument with the same terms exists."""
    instrument = Instrument(
        instrument_type=instrument_type, underlying_asset=underlying_asset, **fields
    )
    _check_instrument(instrument)
    if instrument.terms_complete:  # an incomplete one's code ends with its own id
        _lock_code(instrument)
    existing = (
        Instrument.objects.filter(terms_complete=True, **_terms_query(instrument)).first()
        if instrument.terms_complete
        else None
    )
    if existing is not None:
        raise InstrumentExistsError(
            f"Instrument {existing.code} ({existing.instrument_id}) has these terms.",
            instrument_id=str(existing.instrument_id),
        )
    instrument.code = _unique_code(instrument)
    validated_create(instrument, conflict_errors={"instrument_unique_terms": InstrumentExistsError})
    invalidate(instrument_keys(instrument))  # a cached "no such code"
    record("instrument_created", instrument)
    record("instrument_registered", instrument)  # with its terms
    return instrument


@transaction.atomic
def instrument_get_or_create(
    *, instrument_type: str, underlying_asset: Asset, **fields: Any
) -> tuple[Instrument, bool]:
    """The instrument with these terms, registered if the registry lacks it."""
    existing = find_instrument(
        instrument_type=instrument_type, underlying_asset=underlying_asset, **fields
    )
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return (
                instrument_create(
                    instrument_type=instrument_type, underlying_asset=underlying_asset, **fields
                ),
                True,
            )
    except InstrumentExistsError:  # registered meanwhile by a concurrent write
        return find_instrument(
            instrument_type=instrument_type, underlying_asset=underlying_asset, **fields
        ), False


@transaction.atomic
def instrument_update(
    *, instrument: Instrument, changes: Mapping[str, Any], expected_version: int | None = None
) -> list[str]:
    """Change what does not make it another instrument (metadata); complete the terms of
    an instrument whose terms were not known (each unknown term may be set once)."""
    rewritten = {}
    for name in (*INSTRUMENT_TERMS, "code", "terms_complete"):
        if name not in changes or changes[name] == getattr(instrument, name):
            continue
        known = getattr(instrument, Instrument._meta.get_field(name).attname) not in (None, "")
        if instrument.terms_complete or known or name in ("instrument_type", "code"):
            rewritten[name] = (
                "Fixed: an instrument is its terms. Register the instrument with the new "
                "terms and list the markets on it."
            )
    if rewritten:
        raise ValidationError(rewritten)
    completing = not instrument.terms_complete and any(n in changes for n in INSTRUMENT_TERMS)
    if completing:
        changes = {**changes, "terms_complete": changes.get("terms_complete", True)}
    probe = Instrument(
        **{f.attname: getattr(instrument, f.attname) for f in Instrument._meta.concrete_fields}
    )
    for name, value in changes.items():
        setattr(probe, name, value)
    _check_instrument(probe)
    if probe.terms_complete and completing:
        _lock_code(probe)
        existing = find_instrument(**{name: getattr(probe, name) for name in INSTRUMENT_TERMS})
        if existing is not None:
            raise InstrumentExistsError(
                f"Instrument {existing.code} ({existing.instrument_id}) has these terms: "
                "move the market to it (its instrument may be changed while its terms are "
                "not known).",
                instrument_id=str(existing.instrument_id),
            )
        changes = {**changes, "code": _unique_code(probe)}
    changed = validated_update(
        instrument,
        changes,
        expected_version=expected_version,
        conflict_errors={"instrument_unique_terms": InstrumentExistsError},
        event="instrument_updated",
    )
    if changed:
        invalidate(instrument_keys(instrument))
    return changed


@transaction.atomic
def instrument_delete(*, instrument: Instrument, expected_version: int | None = None) -> None:
    """Remove an instrument registered by mistake; refused while markets list it."""
    invalidate(instrument_keys(instrument))
    validated_delete(instrument, event="instrument_deleted", expected_version=expected_version)


def _check_instrument(instrument: Instrument) -> None:
    """The rules of the terms, each naming its field (the database checks their shape
    too, as one constraint; this says which term is wrong)."""
    errors: dict[str, str] = {}
    kind = instrument.instrument_type
    if kind not in InstrumentType.values:
        raise ValidationError({"instrument_type": f"One of {', '.join(InstrumentType.values)}."})
    complete = instrument.terms_complete
    required = {
        InstrumentType.SPOT: ("quote_asset",),
        InstrumentType.PERPETUAL: (
            "quote_asset",
            "settlement_asset",
            "is_inverse",
            "is_quanto",
            "contract_multiplier",
        ),
        InstrumentType.LENDING_DEPOSIT: ("protocol",),
        InstrumentType.LENDING_BORROW: ("protocol",),
    }
    required[InstrumentType.FUTURE] = required[InstrumentType.PERPETUAL] + ("expiry",)
    required[InstrumentType.OPTION] = required[InstrumentType.FUTURE] + (
        "strike_price",
        "option_type",
        "exercise_style",
    )
    wanted = set(required[kind])
    for name in INSTRUMENT_TERMS[2:]:
        value = getattr(instrument, Instrument._meta.get_field(name).attname)
        if value in (None, ""):
            if name in wanted and complete:
                errors[name] = f"Required for an instrument of type {kind}."
        elif name not in wanted:
            errors[name] = f"An instrument of type {kind} has none."
    if not errors and complete and kind in DERIVATIVES:
        settlement = instrument.settlement_asset_id
        if instrument.is_inverse and instrument.is_quanto:
            errors["is_quanto"] = "An inverse contract settles in its underlying: not quanto."
        elif instrument.is_inverse and settlement != instrument.underlying_asset_id:
            errors["settlement_asset"] = "An inverse contract settles in its underlying asset."
        elif (
            not instrument.is_inverse
            and not instrument.is_quanto
            and settlement != instrument.quote_asset_id
        ):
            errors["settlement_asset"] = "A linear contract settles in its quote asset."
        elif instrument.is_quanto and settlement in (
            instrument.underlying_asset_id,
            instrument.quote_asset_id,
        ):
            errors["settlement_asset"] = (
                "A quanto contract settles in an asset that is neither its underlying nor "
                "its quote."
            )
    if instrument.expiry is not None and instrument.expiry.microsecond:
        errors["expiry"] = "A contract expires at a whole second."
    if instrument.quote_asset_id and instrument.quote_asset_id == instrument.underlying_asset_id:
        errors["quote_asset"] = "The quote asset must differ from the underlying."
    if kind in LENDING and instrument.protocol_id and instrument.protocol.venue_type != "LENDING":
        errors["protocol"] = "A lending instrument's protocol is a LENDING venue."
    if errors:
        raise ValidationError(errors)


# --- Markets ------------------------------------------------------------------------


def _check_market(market: Market, *, now: datetime | None = None) -> None:
    """The rules that span the market and its instrument."""
    instrument = market.instrument
    errors: dict[str, str] = {}
    if market.market_type != instrument.instrument_type:
        errors["market_type"] = (
            f"The instrument {instrument.code} is {instrument.instrument_type}; a market's "
            "type is its instrument's."
        )
    expiry = instrument.expiry
    if expiry is not None:
        if market.listed_at is not None and market.listed_at >= expiry:
            errors["listed_at"] = (
                f"The instrument expires at {expiry.isoformat()}: it is listed before it expires."
            )
        if market.status == MarketStatus.TRADING and (now or timezone.now()) >= expiry:
            errors["status"] = (
                f"The instrument expired at {expiry.isoformat()}: its market cannot be TRADING."
            )
    if market.funding_interval_secs is not None and market.market_type != "PERPETUAL":
        errors["funding_interval_secs"] = "Only a perpetual has a funding interval."
    elif market.funding_interval_secs is not None and market.funding_interval_secs <= 0:
        errors["funding_interval_secs"] = "Must be a positive number of seconds."
    if (
        market.status == MarketStatus.TRADING
        and market.listed_at is not None
        and market.listed_at > (now or timezone.now())
    ):
        errors["status"] = (
            f"Listed from {market.listed_at.isoformat()}: a market is not TRADING before it "
            "is listed (HALTED until then)."
        )
    if market.pk is None and market.listed_at is not None:
        earlier = (
            Market.objects.filter(
                venue_id=market.venue_id,
                market_type=market.market_type,
                venue_symbol=market.venue_symbol,
                delisted_at__gt=market.listed_at,
            )
            .order_by("-delisted_at")
            .first()
        )
        if earlier is not None:
            errors["listed_at"] = (
                f"Market {earlier.pk} listed this symbol until "
                f"{earlier.delisted_at.isoformat()}: listing periods do not overlap."
            )
    if market.market_type in LENDING and instrument.protocol_id != market.venue_id:
        errors["venue"] = (
            f"A lending market is listed on its protocol ({instrument.protocol_id}), not on "
            f"{market.venue_id}."
        )
    if market.delisted_at is None and market.status == MarketStatus.DELISTED:
        errors["status"] = "A market is delisted by delisting it (it gets a delisting time)."
    if errors:
        raise ValidationError(errors)


def _after_market_write(market: Market) -> None:
    invalidate(market_keys(market))


@transaction.atomic
def market_create(*, venue, venue_symbol: str, instrument: Instrument, **fields: Any) -> Market:
    """List ``instrument`` on ``venue`` under ``venue_symbol`` with its trading rules.

    Other fields: tick_size, lot_size, min_order_size, max_order_size, min_notional,
    maker_fee, taker_fee, funding_interval_secs, status, listed_at, metadata.
    """
    fields.setdefault("market_type", instrument.instrument_type)
    market = Market(venue=venue, venue_symbol=venue_symbol, instrument=instrument, **fields)
    _check_market(market)
    validated_create(market)
    _after_market_write(market)
    record("market_created", market)
    record("venue_market_listed", market)
    record("venue_symbol_mapped", market)  # the venue-ticker event, for its consumers
    provenance.record_created([market])
    return market


@transaction.atomic
def market_update(
    *, market: Market, changes: Mapping[str, Any], expected_version: int | None = None
) -> list[str]:
    """Change the trading rules, status (but DELISTED: delist it), listing time and
    metadata. What the market means is fixed; only a market whose instrument's terms are
    not known may move to an instrument of the same type and underlying that has them."""
    rewritten = {
        name: "Fixed once listed: delist this market and list the symbol anew."
        for name in MARKET_KEY_FIELDS
        if name in changes and changes[name] != getattr(market, name)
    }
    if "instrument" in rewritten and _completes(market.instrument, changes["instrument"]):
        del rewritten["instrument"]
    if "delisted_at" in changes and changes["delisted_at"] != market.delisted_at:
        rewritten["delisted_at"] = "Set by delisting, once."
    if changes.get("status") == MarketStatus.DELISTED and market.status != MarketStatus.DELISTED:
        rewritten["status"] = "A market is delisted by delisting it (it gets a delisting time)."
    if rewritten:
        raise ValidationError(rewritten)
    probe = copy.copy(market)
    for name, value in changes.items():
        setattr(probe, name, value)
    _check_market(probe)
    previous_keys = market_keys(market)
    changed = validated_update(
        market, changes, expected_version=expected_version, event="market_updated"
    )
    if changed:
        invalidate(previous_keys | market_keys(market))
        ticker_fields = set(_legacy_fields(changed)) & TICKER_FIELDS
        if ticker_fields:  # what the venue-ticker events show changed
            record("venue_symbol_updated", market, changed_fields=sorted(ticker_fields))
        provenance.record_sources({market: changed})
    return changed


# The fields of a market the venue-ticker events show (cqar.registry.v1.VenueSymbol).
TICKER_FIELDS = {"symbol", "is_active", "listed_at", "delisted_at", "metadata"}


def _legacy_fields(changed: list[str]) -> list[str]:
    """The venue-ticker names of changed market fields (its events always named these)."""
    names = {"status": "is_active", "venue_symbol": "symbol"}
    return sorted({names.get(name, name) for name in changed})


def _completes(current: Instrument, new: Instrument | None) -> bool:
    return (
        new is not None
        and not current.terms_complete
        and new.terms_complete
        and new.instrument_type == current.instrument_type
        and new.underlying_asset_id == current.underlying_asset_id
    )


@transaction.atomic
def market_delist(
    *,
    market: Market,
    at: datetime | None = None,
    reason: str = "",
    expected_version: int | None = None,
) -> Market:
    """Close the market: the symbol no longer lists this instrument, and may be listed anew."""
    lock_and_reload(market, expected_version=expected_version)
    if market.delisted_at is not None:
        raise ValidationError(
            {"delisted_at": f"Already delisted at {market.delisted_at.isoformat()}."}
        )
    changes: dict[str, Any] = {"delisted_at": at or timezone.now(), "status": MarketStatus.DELISTED}
    if reason:
        changes["metadata"] = {**market.metadata, "delisting_reason": reason}
    changed = validated_update(
        market, changes, expected_version=expected_version, event="venue_market_delisted"
    )
    record("venue_symbol_delisted", market, changed_fields=_legacy_fields(changed))
    _after_market_write(market)
    provenance.record_sources({market: changed})
    return market


# --- Venue tickers: markets as the venue-ticker API shows them -----------------------


def fiat_quote(metadata) -> Asset | None:
    """The FIAT asset of the fiat quote a venue ticker notes in ``metadata.quote_currency``
    (an ISO 4217 code: "USD"), as the venue-ticker API has always taken it; None for
    anything else there."""
    code = metadata.get("quote_currency") if isinstance(metadata, dict) else None
    if not isinstance(code, str) or not ISO_CODE.fullmatch(code):
        return None
    try:
        return fiat_asset_get_or_create(code)
    except (ValidationError, RegistryError):  # no ISO 4217 code, or a deleted currency
        return None


def legacy_instrument(*, market_type: str, asset: Asset, quote_asset: Asset | None) -> Instrument:
    """The instrument a venue ticker names: a spot pair's is known from its base and
    quote; a derivative's terms are not (the venue-ticker API has no field for them), so
    it gets an instrument of its own with ``terms_complete`` false, until an import or a
    steward completes them."""
    if market_type == InstrumentType.SPOT and quote_asset is not None:
        instrument, _ = instrument_get_or_create(
            instrument_type=InstrumentType.SPOT, underlying_asset=asset, quote_asset=quote_asset
        )
        return instrument
    return instrument_create(
        instrument_type=market_type,
        underlying_asset=asset,
        quote_asset=quote_asset,
        terms_complete=False,
    )


@transaction.atomic
def venue_symbol_create(
    *,
    venue,
    symbol: str,
    asset: Asset,
    market_type: str = InstrumentType.SPOT,
    quote_asset: Asset | None = None,
    is_active: bool = True,
    **fields: Any,
) -> Market:
    """Map a venue ticker to its base (and quote) asset: a market of the instrument they
    name."""
    if market_type not in InstrumentType.values:
        raise ValidationError({"market_type": f"One of {', '.join(InstrumentType.values)}."})
    if quote_asset is not None and quote_asset.pk == asset.pk:
        raise ValidationError({"quote_asset": "The quote asset must differ from the base asset."})
    quote_asset = quote_asset or fiat_quote(fields.get("metadata"))
    instrument = legacy_instrument(market_type=market_type, asset=asset, quote_asset=quote_asset)
    if not is_active:
        fields["status"] = MarketStatus.HALTED
    market = market_create(
        venue=venue, venue_symbol=symbol, instrument=instrument, market_type=market_type, **fields
    )
    return VenueSymbol.objects.select_related("instrument").get(pk=market.pk)


def legacy_changes(market: Market, changes: Mapping[str, Any]) -> dict[str, Any]:
    """A venue-ticker change as a market change (symbol, asset, quote_asset, is_active)."""
    translated = dict(changes)
    if "symbol" in translated:
        translated["venue_symbol"] = translated.pop("symbol")
    errors = {}
    for name, current in (
        ("asset", market.instrument.underlying_asset),
        ("quote_asset", market.instrument.quote_asset),
    ):
        if name in translated and translated.pop(name) != current:
            errors[name] = "Fixed once mapped: delist this mapping and map the ticker anew."
    if errors:
        raise ValidationError(errors)
    if "is_active" in translated:
        active = translated.pop("is_active")
        if active != market.is_active:
            translated["status"] = MarketStatus.TRADING if active else MarketStatus.HALTED
    return translated


@transaction.atomic
def venue_symbol_update(
    *, venue_symbol: Market, changes: Mapping[str, Any], expected_version: int | None = None
) -> list[str]:
    """Change what does not alter the mapping's meaning: is_active, listed_at, metadata."""
    changed = market_update(
        market=venue_symbol,
        changes=legacy_changes(venue_symbol, changes),
        expected_version=expected_version,
    )
    return ["is_active" if name == "status" else name for name in changed]


@transaction.atomic
def venue_symbol_delist(
    *, venue_symbol: Market, at: datetime | None = None, expected_version: int | None = None
) -> Market:
    """Close the mapping: the ticker no longer means this asset, and may be mapped anew."""
    return market_delist(market=venue_symbol, at=at, expected_version=expected_version)


# The services each entity is written through (its viewset, admin, inlines and the
# exchange read these).
INSTRUMENT_WRITES = Writes(
    "instrument", create=instrument_create, update=instrument_update, delete=instrument_delete
)
MARKET_WRITES = Writes("market", create=market_create, update=market_update)
VENUE_SYMBOL_WRITES = Writes("venue_symbol", create=venue_symbol_create, update=venue_symbol_update)


def delist_expired_markets(*, now: datetime | None = None) -> int:
    """Delist, at their instrument's expiry, the markets of futures and options that have
    expired: an expired contract no longer trades, and a market of it must not answer
    TRADING. Each market in its own transaction (a concurrent write to one does not hold
    up the rest). Returns how many were delisted."""
    now = now or timezone.now()
    expired = (
        Market.objects.current().filter(instrument__expiry__lte=now).select_related("instrument")
    )
    delisted = 0
    for market in expired.iterator():
        with transaction.atomic():
            locked = Market.objects.select_for_update().select_related("instrument")
            market = locked.filter(pk=market.pk, delisted_at__isnull=True).first()
            if market is None:
                continue
            market_delist(
                market=market,
                at=max(market.instrument.expiry, market.listed_at or market.instrument.expiry),
                reason="expired",
            )
            delisted += 1
    return delisted
