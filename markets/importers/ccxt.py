"""Import of CCXT market snapshots: a venue's markets, their instruments, and the venue's
own currency codes.

A snapshot is what ccxt's ``load_markets()`` returns for one exchange: a JSON object
keyed by unified symbol ("BTC/USD"), each value a Market with the venue-native ``id``
("XXBTZUSD"), the unified currency codes ``base``/``quote``/``settle``, the venue's own
codes for them ``baseId``/``quoteId``/``settleId`` ("XXBT", "ZUSD"), and ccxt's reading
of the contract. Each market's terms are derived by ``ccxt_terms.derive`` (checked
against the venue's own payload in ``info``); a market whose terms cannot be derived is
rejected with every reason, never guessed, and the rest imports.

Each market becomes a Market keyed by (venue, market type, venue symbol) among the
current markets, listing the Instrument its terms name (found by its terms, registered
when the registry lacks it), and each native currency code a VenueAsset of its asset.
A currency is resolved to an asset without guessing, in this order:

1. the venue's recorded code for it (an existing VenueAsset with that native code);
2. a code the venue's own spelling marks as fiat (Kraken's ``ZUSD``): the FIAT asset of
   that ISO 4217 currency;
3. the asset group whose canonical symbol is the unified code, by its canonical member;
4. the one live asset whose symbol is the unified code (a FIAT asset is one like any
   other, never preferred);
5. with no such asset, a quote or settlement currency whose code is an ISO 4217
   currency: its FIAT asset, created (``fiat_asset_get_or_create``). A base currency is
   not taken for fiat on its code alone: ccxt's unified codes collide with ISO codes for
   real tokens (Bybit's MNT is Mantle, not the tögrög).

Several live assets with the symbol and nothing above to decide between them make the
market ambiguous; no asset makes it unknown. Both are rejected, naming the currency.

An existing current market with the same key is updated in its trading rules and status
when it lists the same instrument; moved to the derived instrument when its own
instrument's terms are not known (a migrated venue ticker of the same type and
underlying: ``market_update`` allows exactly that); delisted when the snapshot says
DELISTED. One that lists another instrument (the venue re-pointed the symbol) is
reported, or with ``--overwrite`` delisted (kept in history) and listed anew. Current
markets of the venue the snapshot lacks are counted, or with ``delist_missing`` delisted.

``plan`` decides each market, ``apply`` writes the plan (see registry.importing). The
plan checks every row it would write (instruments, markets, their delisting, codes) with
the validation of the service that writes it, so a dry run (the plan alone) reports what
the real run does, market by market.
"""

import copy
import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assets.choices import AssetType
from assets.fiat import iso_currencies
from assets.models import Asset, AssetGroup, AssetGroupMember
from assets.services import fiat_asset_get_or_create
from markets import services
from markets.choices import MarketStatus
from markets.importers.ccxt_terms import TYPES, MarketTerms, TermsError, derive
from markets.models import Instrument, Market
from markets.services import (
    INSTRUMENT_TERMS,
    instrument_code,
    instrument_get_or_create,
    market_create,
    market_delist,
    market_update,
)
from registry.exceptions import ConflictError, RegistryError
from registry.importing import (
    ImportReport,
    ItemRejected,
    Progress,
    SourceError,
    apply_in_batches,
    error_text,
)
from registry.services import check_create, check_update
from registry.text import normalize_code, symbol_key
from venues.models import Venue, VenueAsset
from venues.services import venue_asset_create

# Our venue ids whose ccxt exchange id differs (the command's --exchange default).
CCXT_EXCHANGES = {"coinbase": "coinbaseexchange", "gateio": "gate", "gate-io": "gate"}
# Fields without which an entry is not a market (a currencies file has none of them).
MARKET_FIELDS = ("id", "base", "quote", "type")
SYMBOL_MAX_LENGTH = Market._meta.get_field("venue_symbol").max_length
CODE_MAX_LENGTH = VenueAsset._meta.get_field("venue_asset_symbol").max_length
# The trading rules an import sets from the terms. A rule the snapshot does not state
# (None) leaves the market's as it is: a snapshot without a funding interval does not
# say there is none.
RULES = (
    "tick_size",
    "lot_size",
    "min_order_size",
    "max_order_size",
    "min_notional",
    "maker_fee",
    "taker_fee",
    "funding_interval_secs",
)

CREATE, UPDATE, UNCHANGED, REPLACE, DELIST = "create", "update", "unchanged", "replace", "delist"
CURRENT_MARKET = "market_unique_current"  # the constraint a replacement frees
MARKETS, INSTRUMENTS, CODES, FIATS = "markets", "instruments", "venue assets", "fiat assets"
DELISTED = "markets delisted"
NOT_LISTED = "markets delisted on the venue (not listed)"


def venue_fiat_code(exchange: str, native: str | None, code: str) -> bool:
    """Whether the venue's own code for ``code`` says it is fiat: Kraken writes its fiat
    currencies Z + the ISO code (ZUSD, ZEUR), its crypto ones X + a code (XXBT)."""
    return exchange == "kraken" and native == f"Z{code}" and code in iso_currencies()


@dataclass(frozen=True)
class Currency:
    role: str  # "base", "quote", "settle"
    code: str  # unified: "BTC"
    native: str | None  # the venue's: "XXBT"

    @property
    def key(self) -> str:
        """The form asset symbols and group symbols are compared in."""
        return symbol_key(self.code)


@dataclass
class PlannedMarket:
    name: str  # the unified symbol, "BTC/USD"
    terms: MarketTerms
    action: str
    instrument: Instrument  # found, or a probe the apply registers (planned_instrument)
    planned_instrument: bool = False
    existing: Market | None = None
    changes: dict[str, Any] = field(default_factory=dict)  # an update's
    # Native codes of the market's currencies and the asset each means here.
    codes: dict[str, Asset] = field(default_factory=dict)
    fiats: set[str] = field(default_factory=set)  # FIAT assets it needs created

    @property
    def label(self) -> str:
        return f"{self.terms.venue_symbol} ({self.terms.instrument_type}, market {self.name})"


@dataclass
class Plan:
    """One venue's markets to list, update or delist, and codes to record
    (registry.importing.Plan)."""

    venue: Venue
    markets: list[PlannedMarket]
    new_codes: dict[str, Asset]  # native code -> asset, to record
    new_fiats: dict[str, Asset]  # ISO code -> probe of the FIAT asset to create
    missing: list[Market]  # current markets the snapshot lacks, to delist
    source: str = ""  # the command's: import:markets:<venue>

    def count(self, report: ImportReport) -> None:
        instruments = set()
        for item in self.markets:
            _count(report, item.action)
            if item.planned_instrument:
                instruments.add(item.instrument.pk)
        report.created[INSTRUMENTS] += len(instruments)
        report.created[CODES] += len(self.new_codes)
        report.created[FIATS] += len(self.new_fiats)
        report.updated[DELISTED] += len(self.missing)


def markets_of(data: Any) -> dict[str, dict]:
    """The snapshot's markets by unified symbol; SourceError if it is not a snapshot."""
    if not isinstance(data, dict):
        raise SourceError(
            "not a CCXT market snapshot: expected a JSON object keyed by unified symbol, "
            f"got a JSON {_json_type(data)}."
        )
    if not data:
        raise SourceError("the snapshot holds no markets.")
    for name, market in data.items():
        if not isinstance(market, dict):
            raise SourceError(
                "not a CCXT market snapshot: every value must be a market object, but "
                f"{name!r} is a JSON {_json_type(market)}."
            )
    if not any(all(key in market for key in MARKET_FIELDS) for market in data.values()):
        raise SourceError(
            f"not a CCXT market snapshot: none of its {len(data)} entries has the market "
            f"fields {', '.join(MARKET_FIELDS)} (a currencies file?)."
        )
    return data


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "null" if value is None else "object"


def snapshot_key(raw: dict) -> tuple[str, str] | None:
    """(market type, venue symbol) of an entry, whether or not its terms derive: a
    market the snapshot holds is not missing from it."""
    market_type = TYPES.get(raw.get("type")) if isinstance(raw.get("type"), str) else None
    if market_type is None or not isinstance(raw.get("id"), str):
        return None
    try:
        return market_type, normalize_code(raw["id"])
    except ValidationError:
        return None


def read_market(exchange: str, name: str, raw: dict) -> tuple[MarketTerms, list[Currency]]:
    """The market's terms and currencies; ItemRejected saying every reason why not."""
    if raw.get("symbol") not in (None, name):
        raise ItemRejected(f"its symbol {raw['symbol']!r} differs from its key.")
    try:
        terms = derive(exchange, raw)
    except TermsError as error:
        raise ItemRejected("; ".join(error.reasons)) from None
    symbol = _code(terms.venue_symbol, "id")
    if len(symbol) > SYMBOL_MAX_LENGTH:
        raise ItemRejected(f"id {symbol!r} is longer than {SYMBOL_MAX_LENGTH} characters.")
    currencies = []
    for role, code, native in (
        ("base", terms.base, terms.base_id),
        ("quote", terms.quote, terms.quote_id),
        ("settle", terms.settle, terms.settle_id),
    ):
        if code is None:
            continue
        if native is not None:
            native = _code(native, f"{role}Id")
            if len(native) > CODE_MAX_LENGTH:
                raise ItemRejected(
                    f"{role}Id {native!r} is longer than {CODE_MAX_LENGTH} characters."
                )
        currencies.append(Currency(role, code, native))
    if symbol != terms.venue_symbol:
        terms = dataclasses.replace(terms, venue_symbol=symbol)
    return terms, currencies


def _code(value: str, what: str) -> str:
    try:
        return normalize_code(value)
    except ValidationError as error:
        raise ItemRejected(f"{what} {value!r}: {error_text(error)}") from None


def _asset_text(asset: Asset | None) -> str:
    if asset is None:
        return "no asset"
    if asset._state.adding:
        return f"{asset.symbol} ({asset.name}, to be created)"
    deleted = ", deleted" if asset.deleted_at is not None else ""
    return f"{asset.symbol} ({asset.name}, {asset.asset_id}{deleted})"


class CurrencyResolver:
    """Resolves the currencies of many markets with one query per kind of answer."""

    def __init__(self, venue: Venue, exchange: str, currencies: Sequence[Currency]) -> None:
        self.venue = venue
        self.exchange = exchange
        natives = {currency.native for currency in currencies if currency.native}
        keys = {currency.key for currency in currencies}
        self.codes = {
            code.venue_asset_symbol: code
            for code in VenueAsset.objects.filter(
                venue=venue, venue_asset_symbol__in=natives
            ).select_related("asset")
        }
        self.groups = {
            group.canonical_symbol_key: group
            for group in AssetGroup.objects.with_canonical_symbol_keys(keys)
        }
        self.canonical = {
            member.group_id: member.asset
            for member in AssetGroupMember.objects.filter(
                group__in=self.groups.values(), is_canonical=True
            ).select_related("asset")
        }
        self.assets: dict[str, list[Asset]] = defaultdict(list)
        candidates = Asset.objects.filter(symbol_key__in=keys).not_testnet_only()
        for asset in candidates.order_by("created_at", "asset_id"):
            self.assets[asset.symbol_key].append(asset)
        iso = iso_currencies()
        fiat_keys = keys & iso.keys()
        self.deleted_fiats = set(
            Asset.all_objects.fiat()
            .filter(symbol__in=fiat_keys, deleted_at__isnull=False)
            .values_list("symbol", flat=True)
        )
        # FIAT assets this import creates, by ISO code: probes until the apply makes them.
        self.new_fiats: dict[str, Asset] = {}

    def fiat(self, currency: Currency) -> Asset:
        """The FIAT asset of the currency's ISO code: live, or planned (a probe)."""
        for asset in self.assets.get(currency.key, []):
            if asset.asset_type == AssetType.FIAT:
                return asset
        if currency.key in self.deleted_fiats:
            raise ItemRejected(
                f"{currency.role} currency {currency.code}: the fiat currency's asset "
                f"{currency.key} is deleted; restore it."
            )
        iso = iso_currencies()[currency.key]
        if currency.key not in self.new_fiats:
            self.new_fiats[currency.key] = Asset(
                symbol=iso.code, name=iso.name, asset_type=AssetType.FIAT
            )
        return self.new_fiats[currency.key]

    def resolve(self, currency: Currency) -> Asset:
        code = self.codes.get(currency.native) if currency.native else None
        if code is not None:
            if code.asset.deleted_at is not None:
                raise ItemRejected(
                    f"{currency.role} currency {currency.code}: the venue's code "
                    f"{currency.native} is recorded for {_asset_text(code.asset)}; restore "
                    "the asset or remove the code."
                )
            return code.asset
        if venue_fiat_code(self.exchange, currency.native, currency.key):
            return self.fiat(currency)
        group = self.groups.get(currency.key)
        canonical = self.canonical.get(group.group_id) if group is not None else None
        if canonical is not None and canonical.deleted_at is None:
            return canonical
        candidates = self.assets.get(currency.key, [])
        if len(candidates) == 1:
            return candidates[0]
        native = f", venue code {currency.native}" if currency.native else ""
        if not candidates:
            if currency.role != "base" and currency.key in iso_currencies():
                return self.fiat(currency)
            record = (
                f", or record the venue's code {currency.native} for the asset it stands for"
                if currency.native
                else ""
            )
            raise ItemRejected(
                f"unknown currency {currency.code} ({currency.role}{native}): no live asset "
                f"has that symbol; create the asset{record}."
            )
        names = "; ".join(f"{asset.asset_id} {asset.name}" for asset in candidates)
        group_note = (
            f" (group {group.group_id} has no live canonical member)" if group is not None else ""
        )
        decide = (
            f"recording the venue's code {currency.native} for the right asset (a VenueAsset "
            f"of {self.venue.venue_id}), or by "
            if currency.native
            else ""
        )
        raise ItemRejected(
            f"currency {currency.code} ({currency.role}{native}) is ambiguous: "
            f"{len(candidates)} live assets have that symbol: {names}. Decide it by {decide}"
            f"an asset group with canonical symbol {currency.code} and a canonical "
            f"member{group_note}."
        )


# --- instruments --------------------------------------------------------------------


def instrument_terms(terms: MarketTerms, by_role: dict[str, Asset]) -> dict[str, Any]:
    """The instrument a market's terms name, as instrument_get_or_create is given it."""
    derivative = terms.instrument_type != "SPOT"
    return {
        "instrument_type": terms.instrument_type,
        "underlying_asset": by_role["base"],
        "quote_asset": by_role["quote"],
        "settlement_asset": by_role.get("settle") if derivative else None,
        "is_inverse": terms.is_inverse,
        "is_quanto": terms.is_quanto,
        "contract_multiplier": terms.contract_multiplier,
        "expiry": terms.expiry,
        "strike_price": terms.strike_price,
        "option_type": terms.option_type or "",
        "exercise_style": terms.exercise_style or "",
    }


def _terms_key(instrument: Instrument) -> tuple:
    """An instrument's terms as one hashable value (Decimals and datetimes hash by value)."""
    return tuple(
        getattr(instrument, Instrument._meta.get_field(name).attname) for name in INSTRUMENT_TERMS
    )


class Instruments:
    """The complete instruments the snapshot's markets name, found with one query, and
    the ones the import registers (probes until the apply does)."""

    def __init__(self, underlyings: set[Any]) -> None:
        self.known = {
            _terms_key(instrument): instrument
            for instrument in Instrument.objects.filter(
                terms_complete=True, underlying_asset__in=underlyings
            )
        }
        self.planned: dict[tuple, Instrument] = {}
        self.refused: dict[tuple, str] = {}

    def get(self, terms: dict[str, Any], fresh: set[Any]) -> tuple[Instrument, bool]:
        """The instrument of ``terms`` and whether the import registers it; ItemRejected
        if instrument_create would refuse it."""
        probe = Instrument(**terms)
        key = _terms_key(probe)
        if key in self.known:
            return self.known[key], False
        if key in self.refused:
            raise ItemRejected(self.refused[key])
        if key not in self.planned:
            try:
                instrument_check(probe, fresh=fresh)
            except (ValidationError, RegistryError) as error:
                self.refused[key] = f"instrument {instrument_code(probe)}: {error_text(error)}"
                raise ItemRejected(self.refused[key]) from None
            self.planned[key] = probe
        return self.planned[key], True


def instrument_check(probe: Instrument, *, fresh: set[Any] = frozenset()) -> None:
    """What instrument_create checks before it writes, without writing: the rules of the
    terms and the row's validation. (markets.services has no public check of its own.)"""
    services._check_instrument(probe)
    probe.code = instrument_code(probe)
    check_create(probe, fresh=fresh)
    # The code is made unique by the write (an id suffix when taken); not a refusal.


def market_check(market: Market, *, fresh: set[Any] = frozenset()) -> None:
    """What market_create checks before it writes, without writing."""
    services._check_market(market)
    check_create(market, fresh=fresh)


def market_update_check(
    market: Market, changes: dict[str, Any], *, fresh: set[Any] = frozenset()
) -> None:
    """What market_update checks before it writes ``changes``, without writing."""
    probe = copy.copy(market)
    for name, value in changes.items():
        setattr(probe, name, value)
    services._check_market(probe)
    check_update(market, changes, fresh=fresh)


# --- the plan -----------------------------------------------------------------------


def plan(
    data: Any,
    *,
    report: ImportReport,
    venue: Venue,
    exchange: str | None = None,
    overwrite: bool = False,
    delist_missing: bool = False,
) -> Plan:
    """Decide per market of the snapshot ``data`` of ``venue`` (ccxt ``exchange``, the
    venue's id by default): create, update, unchanged, replace (``overwrite``), delist
    or rejected; and the venue's current markets the snapshot lacks.

    Reads only, in bulk: the venue's codes, groups and assets for the currencies named,
    the instruments of the underlyings named, and the venue's current markets.
    """
    exchange = (exchange or CCXT_EXCHANGES.get(venue.venue_id, venue.venue_id)).lower()
    data = markets_of(data)
    report.items = len(data)
    read: list[tuple[str, MarketTerms, list[Currency]]] = []
    in_snapshot = set()
    for name, raw in data.items():
        key = snapshot_key(raw)
        if key is not None:
            in_snapshot.add(key)
        try:
            read.append((name, *read_market(exchange, name, raw)))
        except ItemRejected as error:
            report.reject(f"market {name}", str(error))

    by_key: dict[tuple[str, str], list[str]] = defaultdict(list)
    for name, terms, _ in read:
        by_key[(terms.instrument_type, terms.venue_symbol)].append(name)
    resolver = CurrencyResolver(venue, exchange, [c for *_, currencies in read for c in currencies])
    current = {
        (market.market_type, market.venue_symbol): market
        for market in Market.objects.current()
        .filter(venue=venue)
        .select_related(
            "instrument",
            "instrument__underlying_asset",
            "instrument__quote_asset",
            "instrument__settlement_asset",
        )
    }
    resolved, delistings = [], []
    for name, terms, currencies in read:
        try:
            if terms.status == MarketStatus.DELISTED:
                existing = current.get((terms.instrument_type, terms.venue_symbol))
                item = _plan_delisting(name, terms, existing)
                if item is None:
                    report.unchanged[NOT_LISTED] += 1
                else:
                    delistings.append(item)
                continue
            resolved.append((name, terms, *_resolve(terms, currencies, resolver, by_key, name)))
        except ItemRejected as error:
            report.reject(f"market {name}", str(error))
    instruments = Instruments({by_role["base"].pk for *_, by_role, _ in resolved})
    fresh = {asset.pk for asset in resolver.new_fiats.values()}

    items = list(delistings)
    for name, terms, by_role, codes in resolved:
        try:
            items.append(
                _plan_market(
                    venue,
                    name,
                    terms,
                    by_role,
                    codes,
                    instruments,
                    current,
                    fresh,
                    overwrite=overwrite,
                )
            )
        except ItemRejected as error:
            report.reject(f"market {name}", str(error))

    kept, new_codes = _plan_codes(items, resolver, venue, report, fresh)
    used_fiats = {code for item in kept for code in item.fiats}
    new_fiats = {code: asset for code, asset in resolver.new_fiats.items() if code in used_fiats}

    missing = [
        market
        for key, market in current.items()
        if key not in in_snapshot and key[0] in TYPES.values()
    ]
    to_delist = []
    if delist_missing:
        now = timezone.now()
        for market in missing:
            try:  # what market_delist checks
                check_update(market, {"delisted_at": now, "status": MarketStatus.DELISTED})
            except (ValidationError, RegistryError) as error:
                report.reject(f"missing market {_market_text(market)}", error_text(error))
                continue
            to_delist.append(market)
    elif missing:
        shown = ", ".join(_market_text(market) for market in missing[:5])
        more = f" and {len(missing) - 5:,} more" if len(missing) > 5 else ""
        report.notes.append(
            f"not in the snapshot: {len(missing):,} current markets of {venue.venue_id}, "
            f"left listed (--delist-missing delists them): {shown}{more}"
        )

    for item in kept:
        _name_change(item, report)
    planned = {item.instrument.pk: item.instrument for item in kept if item.planned_instrument}
    for probe in planned.values():
        report.change("create", "instrument", probe.code)
    for code, asset in new_fiats.items():
        report.change("create", "fiat asset", f"{code} ({asset.name})")
    for native, asset in new_codes.items():
        report.change("create", "venue asset", f"{native} = {_asset_text(asset)}")
    for market in to_delist:
        report.change("delist", "market", f"{_market_text(market)}: not in the snapshot")
    return Plan(
        venue=venue,
        markets=kept,
        new_codes=new_codes,
        new_fiats=new_fiats,
        missing=to_delist,
    )


def _market_text(market: Market) -> str:
    return f"{market.venue_symbol} ({market.market_type}, {market.instrument.code})"


def _resolve(
    terms: MarketTerms,
    currencies: list[Currency],
    resolver: CurrencyResolver,
    by_key: dict[tuple[str, str], list[str]],
    name: str,
) -> tuple[dict[str, Asset], dict[str, Asset]]:
    """The asset of each role (base, quote, settle) and of each native code."""
    others = [
        other for other in by_key[(terms.instrument_type, terms.venue_symbol)] if other != name
    ]
    if others:
        raise ItemRejected(
            f"its id {terms.venue_symbol} ({terms.instrument_type}) is also the id of market "
            f"{', '.join(others)}; a symbol names one market, so neither is imported."
        )
    by_role: dict[str, Asset] = {}
    codes: dict[str, Asset] = {}
    problems: list[str] = []
    for currency in currencies:
        try:
            asset = resolver.resolve(currency)
        except ItemRejected as error:
            if str(error) not in problems:
                problems.append(str(error))
            continue
        by_role[currency.role] = asset
        if currency.native and codes.setdefault(currency.native, asset) != asset:
            problems.append(
                f"the venue code {currency.native} stands for two currencies of this market."
            )
    if problems:
        raise ItemRejected(" ".join(problems))
    base, quote = by_role["base"], by_role["quote"]
    if base == quote:
        raise ItemRejected(
            f"base {terms.base} and quote {terms.quote} resolve to the same asset, "
            f"{_asset_text(base)}."
        )
    return by_role, codes


def _completes(current: Instrument, new: Instrument) -> bool:
    """A market of ``current`` (terms not known) may move to ``new`` (market_update)."""
    return (
        not current.terms_complete
        and current.instrument_type == new.instrument_type
        and current.underlying_asset_id == new.underlying_asset_id
        and current.quote_asset_id in (None, new.quote_asset_id)
    )


def _plan_delisting(name: str, terms: MarketTerms, existing: Market | None) -> PlannedMarket | None:
    """The venue says the market is delisted: close ours, if we list it."""
    if existing is None:
        return None
    item = PlannedMarket(name, terms, DELIST, existing.instrument, existing=existing)
    try:  # what market_delist checks
        check_update(existing, {"delisted_at": timezone.now(), "status": MarketStatus.DELISTED})
    except (ValidationError, RegistryError) as error:
        raise ItemRejected(error_text(error)) from None
    return item


def _plan_market(
    venue: Venue,
    name: str,
    terms: MarketTerms,
    by_role: dict[str, Asset],
    codes: dict[str, Asset],
    instruments: Instruments,
    current: dict[tuple[str, str], Market],
    fresh: set[Any],
    *,
    overwrite: bool,
) -> PlannedMarket:
    existing = current.get((terms.instrument_type, terms.venue_symbol))
    instrument, planned = instruments.get(instrument_terms(terms, by_role), fresh)
    fresh_here = fresh | ({instrument.pk} if planned else set())
    item = PlannedMarket(
        name,
        terms,
        CREATE,
        instrument,
        planned_instrument=planned,
        existing=existing,
        codes=codes,
        fiats={asset.symbol for asset in by_role.values() if asset.pk in fresh},
    )
    rules = {rule: getattr(terms, rule) for rule in RULES if getattr(terms, rule) is not None}
    rules["status"] = terms.status
    metadata = {"ccxt": {"symbol": name}}
    try:
        if existing is None:
            item.changes = {**rules, "listed_at": terms.listed_at, "metadata": metadata}
            market_check(_new_market(item, venue), fresh=fresh_here)
            return item
        same = existing.instrument_id == instrument.pk
        if same or _completes(existing.instrument, instrument):
            wanted = {**rules, "metadata": {**existing.metadata, **metadata}}
            if not same:
                wanted["instrument"] = instrument
            item.changes = {
                rule: value for rule, value in wanted.items() if getattr(existing, rule) != value
            }
            item.action = UPDATE if item.changes else UNCHANGED
            if item.changes:
                market_update_check(existing, item.changes, fresh=fresh_here)
            return item
        if not overwrite:
            raise ItemRejected(
                f"{terms.venue_symbol} ({terms.instrument_type}) lists "
                f"{existing.instrument.code}, not {instrument.code}; delist it first (or "
                "import with --overwrite, which delists it and lists the symbol anew)."
            )
        item.action = REPLACE
        now = timezone.now()
        check_update(existing, {"delisted_at": now, "status": MarketStatus.DELISTED})
        item.changes = {**rules, "listed_at": now, "metadata": metadata}
        try:
            market_check(_new_market(item, venue), fresh=fresh_here)
        except ConflictError as error:
            # The current market a replacement delists first is the one it conflicts with.
            if error.details.get("constraint") != CURRENT_MARKET:
                raise
    except (ValidationError, RegistryError) as error:
        raise ItemRejected(error_text(error)) from None
    return item


def _new_market(item: PlannedMarket, venue: Venue) -> Market:
    """The market market_create would write for ``item``."""
    return Market(
        venue=venue,
        venue_symbol=item.terms.venue_symbol,
        market_type=item.terms.instrument_type,
        instrument=item.instrument,
        **item.changes,
    )


def _plan_codes(
    items: list[PlannedMarket],
    resolver: CurrencyResolver,
    venue: Venue,
    report: ImportReport,
    fresh: set[Any],
) -> tuple[list[PlannedMarket], dict[str, Asset]]:
    """The markets to write and the venue codes they record: a code is recorded when the
    markets that use it agree on its asset; a market whose code would be refused is."""
    meanings: dict[str, dict[Any, tuple[Asset, str]]] = defaultdict(dict)
    for item in items:
        for native, asset in item.codes.items():
            meanings[native].setdefault(asset.pk, (asset, item.name))
    new_codes, refused_codes, unchanged = {}, {}, 0
    for native, assets in meanings.items():
        if native in resolver.codes:
            unchanged += 1
        elif len(assets) == 1:
            asset = next(iter(assets.values()))[0]
            try:  # what venue_asset_create checks
                check_create(
                    VenueAsset(venue=venue, asset=asset, venue_asset_symbol=native), fresh=fresh
                )
            except (ValidationError, RegistryError) as error:
                refused_codes[native] = error_text(error)
                continue
            new_codes[native] = asset
        else:
            uses = ", ".join(f"{_asset_text(a)} in market {m}" for a, m in assets.values())
            report.warnings.append(
                f"venue code {native} names different assets in this snapshot ({uses}); "
                "not recorded: record it by hand for the right asset."
            )
    report.unchanged[CODES] += unchanged
    kept = []
    for item in items:
        refused = [native for native in item.codes if native in refused_codes]
        if refused:
            reasons = "; ".join(f"venue code {n}: {refused_codes[n]}" for n in refused)
            report.reject(f"market {item.name}", reasons)
        else:
            kept.append(item)
    used = {native for item in kept for native in item.codes}
    return kept, {native: asset for native, asset in new_codes.items() if native in used}


def _name_change(item: PlannedMarket, report: ImportReport) -> None:
    """The market in the report's list of changes, with the fields an update sets."""
    if item.action == UPDATE:
        report.change("update", "market", item.label, item.changes)
    elif item.action == REPLACE:
        report.change(
            "replace", "market", f"{item.label}: {item.existing.instrument.code} → "
            f"{item.instrument.code}"
        )  # fmt: skip
    elif item.action == CREATE:
        report.change("create", "market", f"{item.label}: {item.instrument.code}")
    elif item.action == DELIST:
        report.change("delist", "market", f"{item.label}: delisted on the venue")


def _count(report: ImportReport, action: str) -> None:
    if action == CREATE:
        report.created[MARKETS] += 1
    elif action == REPLACE:
        report.created[MARKETS] += 1
        report.updated[DELISTED] += 1
    elif action == UPDATE:
        report.updated[MARKETS] += 1
    elif action == DELIST:
        report.updated[DELISTED] += 1
    else:
        report.unchanged[MARKETS] += 1


# --- the writes ---------------------------------------------------------------------


class _Writer:
    """Writes the plan's markets, registering the FIAT assets, instruments and codes each
    needs first, in the market's savepoint: what a refused market made is forgotten."""

    def __init__(self, plan: Plan, report: ImportReport) -> None:
        self.plan, self.report = plan, report
        self.pending_codes = dict(plan.new_codes)
        self.fiat_probes = {asset.pk: asset for asset in plan.new_fiats.values()}
        self.made: dict[Any, Any] = {}  # probe pk -> the asset or instrument written

    def real(self, value: Any, made_now: list) -> Any:
        """The written row for a probe (creating it), else the value itself."""
        pk = getattr(value, "pk", None)
        if pk in self.made:
            return self.made[pk]
        if isinstance(value, Asset) and pk in self.fiat_probes:
            self.made[pk] = fiat_asset_get_or_create(value.symbol)
            made_now.append((pk, FIATS))
            return self.made[pk]
        return value

    def instrument(self, item: PlannedMarket, made_now: list) -> Instrument:
        probe = item.instrument
        if not item.planned_instrument:
            return probe
        if probe.pk not in self.made:
            terms = {
                name: self.real(getattr(probe, name), made_now)
                for name in INSTRUMENT_TERMS
                if name != "protocol"
            }
            instrument, created = instrument_get_or_create(**terms)
            self.made[probe.pk] = instrument
            made_now.append((probe.pk, INSTRUMENTS if created else None))
        return self.made[probe.pk]

    def write(self, item: PlannedMarket) -> None:
        """One market in a savepoint of its own; ItemRejected-like errors propagate."""
        venue, made_now, recorded = self.plan.venue, [], {}
        try:
            with transaction.atomic():
                for native in item.codes:
                    if native in self.pending_codes:
                        asset = self.real(self.pending_codes.pop(native), made_now)
                        recorded[native] = asset
                        venue_asset_create(venue=venue, asset=asset, venue_asset_symbol=native)
                self._write_market(venue, item, made_now)
        except (ValidationError, RegistryError) as error:
            for pk, _ in made_now:
                self.made.pop(pk, None)
            self.pending_codes.update({n: self.plan.new_codes[n] for n in recorded})
            self.report.reject(f"market {item.name}", error_text(error))
            return
        for _, kind in made_now:
            if kind is not None:
                self.report.created[kind] += 1
        self.report.created[CODES] += len(recorded)
        _count(self.report, item.action)

    def _write_market(self, venue: Venue, item: PlannedMarket, made_now: list) -> None:
        existing = item.existing
        if item.action == UNCHANGED:
            return
        if item.action == DELIST:
            market_delist(market=existing, expected_version=existing.version)
            return
        instrument = self.instrument(item, made_now)
        if item.action == UPDATE:
            changes = dict(item.changes)
            if "instrument" in changes:
                changes["instrument"] = instrument
            market_update(market=existing, changes=changes, expected_version=existing.version)
            return
        fields = dict(item.changes)
        if item.action == REPLACE:
            # The new market starts when the old one ends, so "what did the symbol list
            # then" has one answer at every moment.
            fields["listed_at"] = timezone.now()
            market_delist(
                market=existing, at=fields["listed_at"], expected_version=existing.version
            )
        market_create(
            venue=venue,
            venue_symbol=item.terms.venue_symbol,
            instrument=instrument,
            market_type=item.terms.instrument_type,
            **fields,
        )

    def delist_missing(self, market: Market) -> None:
        try:
            with transaction.atomic():
                market_delist(
                    market=market, reason="not in the snapshot", expected_version=market.version
                )
        except (ValidationError, RegistryError) as error:
            self.report.reject(f"missing market {_market_text(market)}", error_text(error))
            return
        self.report.updated[DELISTED] += 1


def apply(
    plan: Plan, *, report: ImportReport, batch_size: int, strict: bool, progress: Progress
) -> None:
    """Write the plan through the services, each market in a savepoint of its own: a
    market the database refuses (a concurrent write) is rejected with nothing of it kept."""
    writer = _Writer(plan, report)
    work: list[PlannedMarket | Market] = []
    for item in plan.markets:
        if item.action == UNCHANGED and not writer.pending_codes.keys() & item.codes.keys():
            _count(report, UNCHANGED)  # nothing to write for it
        else:
            work.append(item)
    work.extend(plan.missing)

    def write(batch: Sequence[PlannedMarket | Market]) -> None:
        for item in batch:
            if isinstance(item, Market):
                writer.delist_missing(item)
            else:
                writer.write(item)
            progress(1)

    progress.start(len(work), f"markets of {plan.venue.venue_id}")
    apply_in_batches(work, write, batch_size=batch_size, strict=strict)
