"""Import of CCXT market snapshots: a venue's tickers and its own currency codes.

A snapshot is what ccxt's ``load_markets()`` returns for one exchange: a JSON object
keyed by unified symbol ("BTC/USD"), each value a Market with the venue-native ``id``
("XXBTZUSD"), the unified currency codes ``base``/``quote``/``settle`` and the venue's
own codes for them ``baseId``/``quoteId``/``settleId`` ("XXBT", "ZUSD").

Each market becomes a VenueSymbol keyed by (venue, market type, native id) among the
current mappings, and each native currency code a VenueAsset of its asset. A currency
is resolved to an asset without guessing, in this order:

1. the venue's recorded code for it (an existing VenueAsset with that native code);
2. the asset group whose canonical symbol is the unified code, by its canonical member;
3. the one live asset whose symbol is the unified code.

Several live assets with that symbol and nothing of the above to decide between them
make the market ambiguous; no asset makes it unknown. Both are rejected, naming the
currency, and the rest of the snapshot imports. A current mapping that means something
else (another base or quote asset) is never rewritten: it is reported, or with
``--overwrite`` delisted (kept in history) and the ticker mapped anew.

An asset deployed only on testnets is no candidate for a venue's currency (a testnet's
native "USDT" is no exchange's USDT).

``plan`` decides each market, ``apply`` writes the plan (see registry.importing). The
plan checks every row it would write (tickers, their delisting, codes) with the
validation of the service that writes it, so a dry run (the plan alone) reports what
the real run does, market by market.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assets.models import Asset, AssetGroup, AssetGroupMember
from markets.choices import InstrumentType as MarketType
from markets.models import Market as MarketRow
from markets.models import VenueSymbol
from markets.services import (
    legacy_changes,
    venue_symbol_check,
    venue_symbol_create,
    venue_symbol_delist,
    venue_symbol_update,
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

MARKET_TYPES = {
    "spot": MarketType.SPOT,
    "swap": MarketType.PERPETUAL,
    "future": MarketType.FUTURE,
    "option": MarketType.OPTION,
}
# What a market says beyond its ticker and currencies, kept in metadata["ccxt"].
CCXT_FIELDS = ("settle", "linear", "inverse", "expiry", "strike", "optionType", "contractSize")
# Fields without which an entry is not a market (a currencies file has none of them).
MARKET_FIELDS = ("id", "base", "quote", "type")
SYMBOL_MAX_LENGTH = MarketRow._meta.get_field("venue_symbol").max_length
CODE_MAX_LENGTH = VenueAsset._meta.get_field("venue_asset_symbol").max_length

CREATE, UPDATE, UNCHANGED, REPLACE = "create", "update", "unchanged", "replace"
CURRENT_MAPPING = "market_unique_current"  # the constraint a replacement frees
SYMBOLS, CODES, DELISTED = "venue symbols", "venue assets", "venue symbols delisted"


@dataclass(frozen=True)
class Currency:
    role: str  # "base", "quote", "settle"
    code: str  # unified: "BTC"
    native: str  # the venue's: "XXBT"

    @property
    def key(self) -> str:
        """The form asset symbols and group symbols are compared in."""
        return symbol_key(self.code)


@dataclass
class Market:
    name: str  # the unified symbol, "BTC/USD"
    symbol: str  # the venue-native id, "XXBTZUSD"
    market_type: str
    is_active: bool
    ccxt: dict[str, Any]
    currencies: list[Currency]


@dataclass
class PlannedMarket:
    market: Market
    asset: Asset
    quote_asset: Asset
    action: str
    existing: VenueSymbol | None = None
    # Native codes of the market's currencies and the asset each means here.
    codes: dict[str, Asset] = field(default_factory=dict)

    @property
    def metadata(self) -> dict[str, Any]:
        kept = self.existing.metadata if self.existing is not None and self.action == UPDATE else {}
        return {**kept, "ccxt": self.market.ccxt}


@dataclass
class Plan:
    """One venue's tickers to map and codes to record (registry.importing.Plan)."""

    venue: Venue
    markets: list[PlannedMarket]
    new_codes: dict[str, Asset]  # native code -> asset, to record
    source: str = ""  # the command's: import:markets:<venue>

    def count(self, report: ImportReport) -> None:
        for item in self.markets:
            _count(report, item.action)
        if self.new_codes:
            report.created[CODES] += len(self.new_codes)


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


def read_market(name: str, raw: dict) -> Market:
    """Check one entry and read what the import needs; ItemRejected saying why not."""
    if raw.get("symbol") not in (None, name):
        raise ItemRejected(f"its symbol {raw['symbol']!r} differs from its key.")
    market_id = raw.get("id")
    if not isinstance(market_id, str):
        raise ItemRejected("id (the venue's ticker) is missing or not a string.")
    symbol = _code(market_id, "id")
    if len(symbol) > SYMBOL_MAX_LENGTH:
        raise ItemRejected(f"id {symbol!r} is longer than {SYMBOL_MAX_LENGTH} characters.")
    market_type = MARKET_TYPES.get(raw["type"]) if isinstance(raw.get("type"), str) else None
    if market_type is None:
        raise ItemRejected(f"type {raw.get('type')!r} is not one of {', '.join(MARKET_TYPES)}.")
    active = raw.get("active")
    if active is not None and not isinstance(active, bool):
        raise ItemRejected(f"active must be true, false or null, not {active!r}.")
    currencies = []
    for role, required in (("base", True), ("quote", True), ("settle", False)):
        code, native = raw.get(role), raw.get(f"{role}Id")
        if code is None and native is None and not required:
            continue
        if not isinstance(code, str) or not code.strip():
            raise ItemRejected(f"{role} (the unified currency code) is missing.")
        if not isinstance(native, str):
            raise ItemRejected(f"{role}Id (the venue's code for {code}) is missing.")
        native = _code(native, f"{role}Id")
        if len(native) > CODE_MAX_LENGTH:
            raise ItemRejected(f"{role}Id {native!r} is longer than {CODE_MAX_LENGTH} characters.")
        currencies.append(Currency(role, code, native))
    ccxt = {"symbol": name} | {key: raw[key] for key in CCXT_FIELDS if raw.get(key) is not None}
    return Market(
        name=name,
        symbol=symbol,
        market_type=market_type,
        is_active=True if active is None else active,
        ccxt=ccxt,
        currencies=currencies,
    )


def _code(value: str, what: str) -> str:
    try:
        return normalize_code(value)
    except ValidationError as error:
        raise ItemRejected(f"{what} {value!r}: {error_text(error)}") from None


def _asset_text(asset: Asset | None) -> str:
    if asset is None:
        return "no asset"
    deleted = ", deleted" if asset.deleted_at is not None else ""
    return f"{asset.symbol} ({asset.name}, {asset.asset_id}{deleted})"


class CurrencyResolver:
    """Resolves the currencies of many markets with one query per kind of answer."""

    def __init__(self, venue: Venue, currencies: Sequence[Currency]) -> None:
        self.venue = venue
        natives = {currency.native for currency in currencies}
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

    def resolve(self, currency: Currency) -> Asset:
        code = self.codes.get(currency.native)
        if code is not None:
            if code.asset.deleted_at is not None:
                raise ItemRejected(
                    f"{currency.role} currency {currency.code}: the venue's code "
                    f"{currency.native} is recorded for {_asset_text(code.asset)}; restore "
                    "the asset or remove the code."
                )
            return code.asset
        group = self.groups.get(currency.key)
        canonical = self.canonical.get(group.group_id) if group is not None else None
        if canonical is not None and canonical.deleted_at is None:
            return canonical
        candidates = self.assets.get(currency.key, [])
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise ItemRejected(
                f"unknown currency {currency.code} ({currency.role}, venue code "
                f"{currency.native}): no live asset has that symbol; create the asset, or "
                f"record the venue's code {currency.native} for the asset it stands for."
            )
        names = "; ".join(f"{asset.asset_id} {asset.name}" for asset in candidates)
        group_note = (
            f" (group {group.group_id} has no live canonical member)" if group is not None else ""
        )
        raise ItemRejected(
            f"currency {currency.code} ({currency.role}, venue code {currency.native}) is "
            f"ambiguous: {len(candidates)} live assets have that symbol: {names}. Decide it "
            f"by recording the venue's code {currency.native} for the right asset (a "
            f"VenueAsset of {self.venue.venue_id}), or by an asset group with canonical "
            f"symbol {currency.code} and a canonical member{group_note}."
        )


def plan(data: Any, *, report: ImportReport, venue: Venue, overwrite: bool = False) -> Plan:
    """Decide per market of the snapshot ``data`` of ``venue``: create, update, unchanged,
    replace (``overwrite``) or rejected.

    Reads only, in bulk: the venue's codes, groups and assets for the currencies named,
    and the current mappings of the tickers named.
    """
    data = markets_of(data)
    markets: list[Market] = []
    report.items = len(data)
    for name, raw in data.items():
        try:
            markets.append(read_market(name, raw))
        except ItemRejected as error:
            report.reject(f"market {name}", str(error))

    by_key: dict[tuple[str, str], list[str]] = defaultdict(list)
    for market in markets:
        by_key[(market.market_type, market.symbol)].append(market.name)
    resolver = CurrencyResolver(venue, [c for market in markets for c in market.currencies])
    current = {
        (mapping.market_type, mapping.symbol): mapping
        for mapping in VenueSymbol.objects.current()
        .select_related("instrument")
        .filter(venue=venue, venue_symbol__in={market.symbol for market in markets})
        .select_related("asset", "quote_asset")
    }

    items = []
    for market in markets:
        try:
            items.append(_plan_market(market, resolver, current, by_key, overwrite=overwrite))
        except ItemRejected as error:
            report.reject(f"market {market.name}", str(error))

    # A code is recorded when the markets that use it agree on its asset.
    meanings: dict[str, dict[Any, tuple[Asset, str]]] = defaultdict(dict)
    for item in items:
        for native, asset in item.codes.items():
            meanings[native].setdefault(asset.pk, (asset, item.market.name))
    new_codes = {}
    refused_codes = {}
    for native, assets in meanings.items():
        existing = resolver.codes.get(native)
        if existing is not None:
            report.unchanged[CODES] += 1
        elif len(assets) == 1:
            asset = next(iter(assets.values()))[0]
            try:  # what venue_asset_create checks
                check_create(VenueAsset(venue=venue, asset=asset, venue_asset_symbol=native))
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
    # A market is written with the codes it records: a refused code refuses it.
    kept = []
    for item in items:
        refused = [native for native in item.codes if native in refused_codes]
        if refused:
            reasons = "; ".join(f"venue code {n}: {refused_codes[n]}" for n in refused)
            report.reject(f"market {item.market.name}", reasons)
        else:
            kept.append(item)
    # A code is recorded by a market written with it: only the kept markets' are.
    used = {native for item in kept for native in item.codes}
    new_codes = {native: asset for native, asset in new_codes.items() if native in used}
    for item in kept:
        _name_change(item, report)
    for native, asset in new_codes.items():
        report.change("create", "venue asset", f"{native} = {_asset_text(asset)}")
    return Plan(venue=venue, markets=kept, new_codes=new_codes)


def _name_change(item: PlannedMarket, report: ImportReport) -> None:
    """The market in the report's list of changes, with the fields an update sets."""
    market = item.market
    label = f"{market.symbol} ({market.market_type}, market {market.name})"
    if item.action == UPDATE:
        report.change("update", "venue symbol", label, _update_changes(item))
    elif item.action in (CREATE, REPLACE):
        report.change(item.action, "venue symbol", label)


def _plan_market(
    market: Market,
    resolver: CurrencyResolver,
    current: dict[tuple[str, str], VenueSymbol],
    by_key: dict[tuple[str, str], list[str]],
    *,
    overwrite: bool,
) -> PlannedMarket:
    key = (market.market_type, market.symbol)
    others = [name for name in by_key[key] if name != market.name]
    if others:
        raise ItemRejected(
            f"its id {market.symbol} ({market.market_type}) is also the id of market "
            f"{', '.join(others)}; a ticker names one market, so neither is imported."
        )
    codes: dict[str, Asset] = {}
    problems = []
    for currency in market.currencies:
        try:
            asset = resolver.resolve(currency)
        except ItemRejected as error:
            if str(error) not in problems:
                problems.append(str(error))
            continue
        if codes.setdefault(currency.native, asset) != asset:
            problems.append(
                f"the venue code {currency.native} stands for two currencies of this market."
            )
    if problems:
        raise ItemRejected(" ".join(problems))
    by_role = {currency.role: codes[currency.native] for currency in market.currencies}
    base, quote = by_role["base"], by_role["quote"]
    if base == quote:
        raise ItemRejected(
            f"base {market.currencies[0].code} and quote {market.currencies[1].code} "
            f"resolve to the same asset, {_asset_text(base)}."
        )
    item = PlannedMarket(market=market, asset=base, quote_asset=quote, action=CREATE, codes=codes)
    existing = current.get(key)
    if existing is not None:
        item.existing = existing
        if existing.asset_id != base.pk or existing.quote_asset_id != quote.pk:
            if not overwrite:
                raise ItemRejected(
                    f"{market.symbol} ({market.market_type}) is mapped to "
                    f"{_asset_text(existing.asset)} quoted in "
                    f"{_asset_text(existing.quote_asset)}, not to {_asset_text(base)} quoted "
                    f"in {_asset_text(quote)}; delist it first (or import with --overwrite, "
                    "which delists it and maps the ticker anew)."
                )
            item.action = REPLACE
        elif existing.is_active != market.is_active or existing.metadata.get("ccxt") != market.ccxt:
            item.action = UPDATE
        else:
            item.action = UNCHANGED
    try:
        _check_write(item, resolver.venue)
    except (ValidationError, RegistryError) as error:
        raise ItemRejected(error_text(error)) from None
    return item


def _check_write(item: PlannedMarket, venue: Venue) -> None:
    """What the services _write_market calls check before they write (without writing)."""
    if item.action == UPDATE:
        check_update(item.existing, legacy_changes(item.existing, _update_changes(item)))
        return
    if item.action == UNCHANGED:
        return
    listed_at = None
    if item.action == REPLACE:
        listed_at = timezone.now()
        check_update(item.existing, {"delisted_at": listed_at, "status": "DELISTED"})
    try:
        venue_symbol_check(**_mapping_fields(venue, item, listed_at))
    except ConflictError as error:
        # The current mapping a replacement delists first is the one it conflicts with.
        if item.action != REPLACE or error.details.get("constraint") != CURRENT_MAPPING:
            raise


def _mapping_fields(venue: Venue, item: PlannedMarket, listed_at) -> dict[str, Any]:
    """The new mapping, as venue_symbol_create is given it (and the plan checks it)."""
    market = item.market
    return {
        "venue": venue,
        "symbol": market.symbol,
        "market_type": market.market_type,
        "asset": item.asset,
        "quote_asset": item.quote_asset,
        "is_active": market.is_active,
        "listed_at": listed_at,
        "metadata": item.metadata,
    }


def _update_changes(item: PlannedMarket) -> dict[str, Any]:
    """What venue_symbol_update is given: the fields that differ."""
    changes = {"is_active": item.market.is_active, "metadata": item.metadata}
    return {name: value for name, value in changes.items() if getattr(item.existing, name) != value}


def _count(report: ImportReport, action: str) -> None:
    if action == CREATE:
        report.created[SYMBOLS] += 1
    elif action == REPLACE:
        report.created[SYMBOLS] += 1
        report.updated[DELISTED] += 1
    elif action == UPDATE:
        report.updated[SYMBOLS] += 1
    else:
        report.unchanged[SYMBOLS] += 1


def apply(
    plan: Plan, *, report: ImportReport, batch_size: int, strict: bool, progress: Progress
) -> None:
    """Write the plan through venues.services, each market in a savepoint of its own: a
    market the database refuses (a concurrent write) is rejected with nothing of it kept."""
    venue = plan.venue
    pending = dict(plan.new_codes)
    work = []
    for item in plan.markets:
        if item.action == UNCHANGED and not pending.keys() & item.codes.keys():
            _count(report, UNCHANGED)  # nothing to write for it
        else:
            work.append(item)

    def write(batch: Sequence[PlannedMarket]) -> None:
        for item in batch:
            recorded = {}
            try:
                with transaction.atomic():
                    for native in item.codes:
                        if native in pending:
                            asset = pending.pop(native)
                            recorded[native] = asset
                            venue_asset_create(venue=venue, asset=asset, venue_asset_symbol=native)
                    _write_market(venue, item)
            except (ValidationError, RegistryError) as error:
                pending.update(recorded)
                report.reject(f"market {item.market.name}", error_text(error))
                progress(1)
                continue
            if recorded:
                report.created[CODES] += len(recorded)
            _count(report, item.action)
            progress(1)

    progress.start(len(work), f"markets of {venue.venue_id}")
    apply_in_batches(work, write, batch_size=batch_size, strict=strict)


def _write_market(venue: Venue, item: PlannedMarket) -> None:
    if item.action == UPDATE:
        venue_symbol_update(
            venue_symbol=item.existing,
            changes=_update_changes(item),
            expected_version=item.existing.version,
        )
        return
    if item.action == UNCHANGED:
        return
    listed_at = None
    if item.action == REPLACE:
        # The new mapping starts when the old one ends, so "what did it mean then" has
        # one answer at every moment.
        listed_at = timezone.now()
        venue_symbol_delist(
            venue_symbol=item.existing, at=listed_at, expected_version=item.existing.version
        )
    venue_symbol_create(**_mapping_fields(venue, item, listed_at))
