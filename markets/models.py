"""Instrument (what is traded, venue-independent) and Market (an instrument listed on a
venue under the venue's own symbol, with its trading rules).

An instrument is its terms: two instruments with the same terms are one instrument, a
database constraint (``instrument_unique_terms``). A market's settlement and price
currency are its instrument's settlement and quote asset; they are not stored twice.
A market is closed (``delisted_at``), never overwritten, when the venue delists or
re-points the symbol, so a reused symbol keeps its history.
"""

import uuid

from django.db import models
from django.db.models import F, Q

from markets.choices import ExerciseStyle, InstrumentType, MarketStatus, OptionType
from markets.querysets import InstrumentQuerySet, MarketQuerySet
from registry.history import tracked
from registry.models import RegistryModel
from registry.text import normalize_code

# Quantities, prices and multipliers: exact decimals. 38 digits with 18 after the point
# hold a satoshi-sized tick and a 10^20 max order alike.
DECIMAL = {"max_digits": 38, "decimal_places": 18}
# Fees as fractions (0.001 = 0.1 %): a maker rebate is negative; no venue charges 5 %.
FEE_BOUNDS = (-0.01, 0.05)

# What an instrument is: two with these equal are one (instrument_unique_terms), and a
# change to any of them would make it another instrument (markets.services).
INSTRUMENT_TERMS = (
    "instrument_type",
    "underlying_asset",
    "quote_asset",
    "settlement_asset",
    "is_inverse",
    "is_quanto",
    "contract_multiplier",
    "expiry",
    "strike_price",
    "option_type",
    "exercise_style",
    "protocol",
)
# The statuses of a market that is not closed.
_OPEN_STATUSES = [MarketStatus.TRADING, MarketStatus.HALTED, MarketStatus.REDUCE_ONLY]
DERIVATIVES = (InstrumentType.PERPETUAL, InstrumentType.FUTURE, InstrumentType.OPTION)
LENDING = (InstrumentType.LENDING_DEPOSIT, InstrumentType.LENDING_BORROW)


def _absent(*names: str) -> Q:
    condition = Q()
    for name in names:
        condition &= Q(**{f"{name}__isnull": True})
    return condition


def _present(*names: str) -> Q:
    condition = Q()
    for name in names:
        condition &= Q(**{f"{name}__isnull": False})
    return condition


NO_OPTION_TERMS = _absent("strike_price") & Q(option_type="") & Q(exercise_style="")
# The terms each instrument type has, and none of the others (when its terms are known).
TERMS_OF_TYPE = {
    InstrumentType.SPOT: _present("quote_asset")
    & _absent("settlement_asset", "is_inverse", "is_quanto", "contract_multiplier", "expiry")
    & _absent("protocol")
    & NO_OPTION_TERMS,
    InstrumentType.PERPETUAL: _present(
        "quote_asset", "settlement_asset", "is_inverse", "is_quanto", "contract_multiplier"
    )
    & _absent("expiry", "protocol")
    & NO_OPTION_TERMS,
    InstrumentType.FUTURE: _present(
        "quote_asset", "settlement_asset", "is_inverse", "is_quanto", "contract_multiplier"
    )
    & _present("expiry")
    & _absent("protocol")
    & NO_OPTION_TERMS,
    InstrumentType.OPTION: _present(
        "quote_asset", "settlement_asset", "is_inverse", "is_quanto", "contract_multiplier"
    )
    & _present("expiry", "strike_price")
    & ~Q(option_type="")
    & ~Q(exercise_style="")
    & _absent("protocol"),
    InstrumentType.LENDING_DEPOSIT: _present("protocol")
    & _absent("quote_asset", "settlement_asset", "is_inverse", "is_quanto")
    & _absent("contract_multiplier", "expiry")
    & NO_OPTION_TERMS,
}
TERMS_OF_TYPE[InstrumentType.LENDING_BORROW] = TERMS_OF_TYPE[InstrumentType.LENDING_DEPOSIT]


def _terms_of_its_type() -> Q:
    condition = Q(terms_complete=False)
    for instrument_type, terms in TERMS_OF_TYPE.items():
        condition |= Q(instrument_type=instrument_type) & terms
    return condition


# The history is read by code and by ticker too (registry.timeline: answers as of a time).
@tracked(meta={"indexes": [models.Index(fields=["code"], name="instrument_event_code_idx")]})
class Instrument(RegistryModel):
    """What is traded, whichever venue lists it: "BTC/USDT linear perpetual, 1 BTC a
    contract" is one instrument however many venues list it.

    ``underlying_asset`` is a spot pair's base asset and a derivative's or lending
    market's underlying. A derivative settles in its ``settlement_asset``: an inverse
    contract in its underlying, a linear one in its quote, a quanto one in a third asset.

    ``terms_complete`` is false only for an instrument whose terms the registry does not
    know yet: a venue ticker mapped before instruments existed, or through the venue-ticker
    API, which names no contract terms. Such an instrument belongs to its one market and
    is never shared; an import or a steward completes its terms (markets.services).
    """

    instrument_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    instrument_type = models.CharField(max_length=20, choices=InstrumentType.choices)
    code = models.CharField(
        max_length=120,
        unique=True,
        help_text="Canonical code made from the terms: BTC-USDT, BTC-USDT-PERP, "
        "BTC-USD-PERP-INV-X100, ETH-USDT-27DEC2026-3000-C (docs/DESIGN.md).",
    )
    underlying_asset = models.ForeignKey(
        "assets.Asset",
        on_delete=models.PROTECT,
        related_name="underlying_instruments",
        help_text="The base asset of a spot pair; the underlying of anything else.",
    )
    quote_asset = models.ForeignKey(
        "assets.Asset",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quoted_instruments",
        help_text="What prices are in (a market's price currency).",
    )
    settlement_asset = models.ForeignKey(
        "assets.Asset",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="settled_instruments",
        help_text="What a derivative pays out and margins in.",
    )
    is_inverse = models.BooleanField(null=True, blank=True)
    is_quanto = models.BooleanField(null=True, blank=True)
    contract_multiplier = models.DecimalField(
        **DECIMAL,
        null=True,
        blank=True,
        help_text="What one contract is worth: in the underlying for a linear contract "
        "(0.01 BTC), in the quote for an inverse one (100 USD).",
    )
    expiry = models.DateTimeField(null=True, blank=True)
    strike_price = models.DecimalField(**DECIMAL, null=True, blank=True)
    option_type = models.CharField(max_length=4, choices=OptionType.choices, blank=True)
    exercise_style = models.CharField(max_length=8, choices=ExerciseStyle.choices, blank=True)
    protocol = models.ForeignKey(
        "venues.Venue",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lending_instruments",
        help_text="The lending protocol of a lending deposit or borrow.",
    )
    terms_complete = models.BooleanField(default=True)
    metadata = models.JSONField(default=dict, blank=True)

    objects = InstrumentQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=list(INSTRUMENT_TERMS),
                condition=Q(terms_complete=True),
                nulls_distinct=False,
                name="instrument_unique_terms",
                violation_error_message="An instrument with these terms already exists.",
            ),
            # The target of the markets' (instrument, type) reference: a market's type is
            # its instrument's (migration 0001 adds that composite foreign key).
            models.UniqueConstraint(
                fields=["instrument_id", "instrument_type"], name="instrument_id_type_unique"
            ),
            models.CheckConstraint(
                condition=_terms_of_its_type(),
                name="instrument_terms_of_its_type",
                violation_error_message="The terms do not fit the instrument type "
                "(docs/DESIGN.md, Instruments).",
            ),
            models.CheckConstraint(
                condition=Q(quote_asset__isnull=True) | ~Q(quote_asset=F("underlying_asset")),
                name="instrument_quote_differs_from_underlying",
                violation_error_code="quote_asset",
                violation_error_message="The quote asset must differ from the underlying.",
            ),
            models.CheckConstraint(
                # Inverse: settles in the underlying. Linear: in the quote. Quanto: in a
                # third asset. (So a contract is never both inverse and quanto.)
                condition=Q(settlement_asset__isnull=True)
                | Q(is_inverse=True, is_quanto=False, settlement_asset=F("underlying_asset"))
                | Q(is_inverse=False, is_quanto=False, settlement_asset=F("quote_asset"))
                | (
                    Q(is_inverse=False, is_quanto=True)
                    & ~Q(settlement_asset=F("underlying_asset"))
                    & ~Q(settlement_asset=F("quote_asset"))
                ),
                name="instrument_settles_by_its_kind",
                violation_error_code="settlement_asset",
                violation_error_message="An inverse contract settles in its underlying, a "
                "linear one in its quote asset, a quanto one in neither.",
            ),
            models.CheckConstraint(
                condition=Q(contract_multiplier__isnull=True) | Q(contract_multiplier__gt=0),
                name="instrument_multiplier_positive",
                violation_error_message="The contract multiplier must be positive.",
            ),
            models.CheckConstraint(
                condition=Q(strike_price__isnull=True) | Q(strike_price__gt=0),
                name="instrument_strike_positive",
                violation_error_message="The strike price must be positive.",
            ),
        ]
        indexes = [
            models.Index(fields=["underlying_asset", "instrument_type"]),
            models.Index(fields=["settlement_asset"]),
            models.Index(fields=["quote_asset"]),
            models.Index(fields=["expiry"], condition=Q(expiry__isnull=False), name="instr_expiry"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def base_asset_id(self):
        """The contract's SpotInstrument.base_asset_id: a spot pair's underlying."""
        return self.underlying_asset_id


@tracked(
    meta={
        "indexes": [models.Index(fields=["venue", "venue_symbol"], name="market_event_ticker_idx")]
    }
)
class Market(RegistryModel):
    """An instrument listed on a venue under the venue's symbol, with its trading rules,
    for as long as the symbol means it. What was a venue ticker (VenueSymbol) before
    instruments existed; the ids were kept (migration 0002)."""

    venue = models.ForeignKey("venues.Venue", on_delete=models.PROTECT, related_name="markets")
    venue_symbol = models.CharField(
        max_length=100, help_text="The venue's symbol, exactly as the venue spells it."
    )
    market_type = models.CharField(
        max_length=20,
        choices=InstrumentType.choices,
        default=InstrumentType.SPOT,
        help_text="The instrument's type (a database constraint keeps them equal).",
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="markets")
    tick_size = models.DecimalField(**DECIMAL, null=True, blank=True)
    lot_size = models.DecimalField(**DECIMAL, null=True, blank=True)
    min_order_size = models.DecimalField(**DECIMAL, null=True, blank=True)
    max_order_size = models.DecimalField(**DECIMAL, null=True, blank=True)
    min_notional = models.DecimalField(**DECIMAL, null=True, blank=True)
    maker_fee = models.DecimalField(max_digits=12, decimal_places=8, null=True, blank=True)
    taker_fee = models.DecimalField(max_digits=12, decimal_places=8, null=True, blank=True)
    funding_interval_secs = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=12, choices=MarketStatus.choices, default=MarketStatus.TRADING
    )
    listed_at = models.DateTimeField(null=True, blank=True)
    delisted_at = models.DateTimeField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    objects = MarketQuerySet.as_manager()

    normalizers = {"venue_symbol": normalize_code}

    class Meta:
        ordering = ["venue_id", "venue_symbol", "market_type", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["venue", "market_type", "venue_symbol"],
                condition=Q(delisted_at__isnull=True),
                name="market_unique_current",
                violation_error_message="The venue already has a current market with this "
                "symbol and type.",
            ),
            models.CheckConstraint(
                condition=~Q(venue_symbol=""),
                name="market_symbol_not_empty",
                violation_error_message="The venue symbol must not be empty.",
            ),
            models.CheckConstraint(
                condition=Q(listed_at__isnull=True)
                | Q(delisted_at__isnull=True)
                | Q(delisted_at__gte=F("listed_at")),
                name="market_delisted_after_listed",
                violation_error_message="A market cannot be delisted before it was listed.",
                violation_error_code="delisted_at",
            ),
            models.CheckConstraint(
                condition=Q(delisted_at__isnull=True, status__in=_OPEN_STATUSES)
                | Q(delisted_at__isnull=False, status=MarketStatus.DELISTED),
                name="market_delisted_status",
                violation_error_message="A market is DELISTED exactly when it has a delisting "
                "time.",
            ),
            models.CheckConstraint(
                condition=Q(tick_size__isnull=True) | Q(tick_size__gt=0),
                name="market_tick_size_positive",
                violation_error_message="The tick size must be positive.",
            ),
            models.CheckConstraint(
                condition=Q(lot_size__isnull=True) | Q(lot_size__gt=0),
                name="market_lot_size_positive",
                violation_error_message="The lot size must be positive.",
            ),
            models.CheckConstraint(
                condition=Q(min_order_size__isnull=True) | Q(min_order_size__gte=0),
                name="market_min_order_size_not_negative",
                violation_error_message="The minimum order size must not be negative.",
            ),
            models.CheckConstraint(
                condition=Q(max_order_size__isnull=True) | Q(max_order_size__gt=0),
                name="market_max_order_size_positive",
                violation_error_message="The maximum order size must be positive.",
            ),
            models.CheckConstraint(
                condition=Q(min_order_size__isnull=True)
                | Q(max_order_size__isnull=True)
                | Q(max_order_size__gte=F("min_order_size")),
                name="market_max_order_at_least_min",
                violation_error_message="The maximum order size must be at least the minimum.",
                violation_error_code="max_order_size",  # the field to blame (registry.services)
            ),
            models.CheckConstraint(
                condition=Q(min_notional__isnull=True) | Q(min_notional__gte=0),
                name="market_min_notional_not_negative",
                violation_error_message="The minimum notional must not be negative.",
            ),
            models.CheckConstraint(
                condition=Q(maker_fee__isnull=True)
                | Q(maker_fee__gte=FEE_BOUNDS[0], maker_fee__lte=FEE_BOUNDS[1]),
                name="market_maker_fee_bounded",
                violation_error_message="A fee is a fraction between -0.01 (a 1 %% rebate) and "
                "0.05 (5 %%).",
            ),
            models.CheckConstraint(
                condition=Q(taker_fee__isnull=True)
                | Q(taker_fee__gte=FEE_BOUNDS[0], taker_fee__lte=FEE_BOUNDS[1]),
                name="market_taker_fee_bounded",
                violation_error_message="A fee is a fraction between -0.01 (a 1 %% rebate) and "
                "0.05 (5 %%).",
            ),
            models.CheckConstraint(
                condition=Q(funding_interval_secs__isnull=True)
                | Q(market_type=InstrumentType.PERPETUAL, funding_interval_secs__gt=0),
                name="market_funding_only_perpetual",
                violation_error_message="Only a perpetual has a funding interval.",
                violation_error_code="funding_interval_secs",
            ),
        ]
        indexes = [
            # Symbol resolution: (venue, symbol) among current markets, any type.
            models.Index(
                fields=["venue", "venue_symbol"],
                condition=Q(delisted_at__isnull=True),
                name="market_current_idx",
            ),
            # ... and among closed ones, for a ticker as of a past moment (markets_at):
            # with the index above, every listing period of a ticker by index.
            models.Index(
                fields=["venue", "venue_symbol"],
                condition=Q(delisted_at__isnull=False),
                name="market_closed_ticker_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.venue_id}:{self.venue_symbol} ({self.market_type})"

    @property
    def is_current(self) -> bool:
        return self.delisted_at is None

    @property
    def is_active(self) -> bool:
        """What the venue-ticker API called active: open for new orders."""
        return self.status == MarketStatus.TRADING

    @property
    def settlement_asset_id(self):
        return self.instrument.settlement_asset_id

    @property
    def price_currency_asset_id(self):
        return self.instrument.quote_asset_id


class VenueSymbol(Market):
    """A market as the venue-ticker API has always shown it: a venue ticker mapped to its
    base (``asset``) and quote asset. The same rows; the names below are the old ones."""

    class Meta:
        proxy = True
        verbose_name = "venue symbol"
        ordering = ["venue_id", "venue_symbol", "market_type", "id"]

    @property
    def symbol(self) -> str:
        return self.venue_symbol

    @property
    def asset(self):
        return self.instrument.underlying_asset

    @property
    def asset_id(self):
        return self.instrument.underlying_asset_id

    @property
    def quote_asset(self):
        return self.instrument.quote_asset

    @property
    def quote_asset_id(self):
        return self.instrument.quote_asset_id
