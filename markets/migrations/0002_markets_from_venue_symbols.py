"""Every venue ticker (venues.VenueSymbol) becomes a market with the same id, listing
period, status and metadata, and its history moves with it.

- A spot ticker with a quote asset lists the spot instrument of its base and quote (one
  per pair, shared by every venue that lists it).
- A spot ticker quoted in a fiat currency the registry could not hold before (its
  ``metadata.quote_currency``, an ISO 4217 code) gets that currency's FIAT asset as its
  quote (created if the registry has none).
- Any other ticker (a derivative, or a spot ticker with no quote) names no contract
  terms: it lists an instrument of its own whose terms are not known
  (``terms_complete`` false), until an import or a steward completes them.

The markets' history rows are the tickers' history rows (the same labels, times and
context), with the instrument each ticker now lists. Inserting the markets records no
history of its own: nothing about them changed.
"""

import re
import uuid

import pgtrigger
from django.db import migrations

ISO_4217 = re.compile(r"[A-Z]{3}")
# The names of the fiat currencies the registry's demo and imports quote in; another code
# is named by itself (a steward may rename it).
FIAT_NAMES = {
    "USD": "US Dollar",
    "EUR": "Euro",
    "GBP": "Pound Sterling",
    "JPY": "Yen",
    "AUD": "Australian Dollar",
    "CAD": "Canadian Dollar",
    "CHF": "Swiss Franc",
    "TRY": "Turkish Lira",
    "BRL": "Brazilian Real",
}


def _id8(instrument_id: uuid.UUID) -> str:
    return instrument_id.hex[:8].upper()


def forwards(apps, schema_editor):
    Asset = apps.get_model("assets", "Asset")
    VenueSymbol = apps.get_model("venues", "VenueSymbol")
    Instrument = apps.get_model("markets", "Instrument")
    Market = apps.get_model("markets", "Market")

    fiat: dict[str, object] = {}

    def fiat_asset(code: str):
        if code not in fiat:
            asset = Asset.objects.filter(
                asset_type="FIAT", symbol=code, deleted_at__isnull=True
            ).first()
            fiat[code] = asset or Asset.objects.create(
                symbol=code, name=FIAT_NAMES.get(code, code), asset_type="FIAT"
            )
        return fiat[code]

    codes: set[str] = set()
    spot: dict[tuple, object] = {}
    instruments, markets = [], []

    def new_instrument(**fields):
        instrument_id = uuid.uuid4()
        code = fields.pop("code")
        if code in codes or not fields.get("terms_complete", True):
            code = f"{code}-{_id8(instrument_id)}"
        codes.add(code)
        instrument = Instrument(instrument_id=instrument_id, code=code, **fields)
        instruments.append(instrument)
        return instrument

    tickers = VenueSymbol.objects.select_related("asset", "quote_asset").order_by("id")
    for ticker in tickers.iterator(chunk_size=2000):
        base, quote = ticker.asset, ticker.quote_asset
        fiat_code = ticker.metadata.get("quote_currency")
        if quote is None and isinstance(fiat_code, str) and ISO_4217.fullmatch(fiat_code):
            quote = fiat_asset(fiat_code)
        base_code = base.symbol.upper()
        if ticker.market_type == "SPOT" and quote is not None and quote.pk != base.pk:
            instrument = spot.get((base.pk, quote.pk))
            if instrument is None:
                instrument = spot[(base.pk, quote.pk)] = new_instrument(
                    instrument_type="SPOT",
                    code=f"{base_code}-{quote.symbol.upper()}",
                    underlying_asset=base,
                    quote_asset=quote,
                    created_at=ticker.created_at,
                    updated_at=ticker.created_at,
                )
        else:
            quote_code = quote.symbol.upper() if quote is not None else "UNKNOWN"
            kind = {"PERPETUAL": "-PERP", "FUTURE": "-FUTURE", "OPTION": "-OPTION"}
            instrument = new_instrument(
                instrument_type=ticker.market_type,
                code=f"{base_code}-{quote_code}{kind.get(ticker.market_type, '')}",
                underlying_asset=base,
                quote_asset=quote if quote is not None and quote.pk != base.pk else None,
                terms_complete=False,
                created_at=ticker.created_at,
                updated_at=ticker.created_at,
            )
        if ticker.delisted_at is not None:
            status = "DELISTED"
        else:
            status = "TRADING" if ticker.is_active else "HALTED"
        markets.append(
            Market(
                id=ticker.id,
                venue_id=ticker.venue_id,
                venue_symbol=ticker.symbol,
                market_type=ticker.market_type,
                instrument=instrument,
                status=status,
                listed_at=ticker.listed_at,
                delisted_at=ticker.delisted_at,
                metadata=ticker.metadata,
                created_at=ticker.created_at,
                updated_at=ticker.updated_at,
                version=ticker.version,
            )
        )
    Instrument.objects.bulk_create(instruments, batch_size=2000)
    with schema_editor.connection.cursor() as cursor:
        with pgtrigger.ignore("markets.Market:insert_insert"):
            Market.objects.bulk_create(markets, batch_size=2000)
        # The tickers' history, as the markets' (with the instrument each now lists).
        cursor.execute(
            """
            INSERT INTO markets_marketevent (
                pgh_created_at, pgh_label, pgh_context, pgh_context_id, pgh_obj_id,
                id, created_at, updated_at, version, venue_id, venue_symbol, market_type,
                instrument_id, status, listed_at, delisted_at, metadata
            )
            SELECT e.pgh_created_at, e.pgh_label, e.pgh_context, e.pgh_context_id,
                e.pgh_obj_id, e.id, e.created_at, e.updated_at, e.version, e.venue_id,
                e.symbol, e.market_type, m.instrument_id,
                CASE WHEN e.delisted_at IS NOT NULL THEN 'DELISTED'
                     WHEN e.is_active THEN 'TRADING' ELSE 'HALTED' END,
                e.listed_at, e.delisted_at, e.metadata
            FROM venues_venuesymbolevent e
            JOIN markets_market m ON m.id = e.pgh_obj_id
            ORDER BY e.pgh_id
            """
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('markets_market', 'id'), "
            "COALESCE((SELECT MAX(id) FROM markets_market), 0) + 1, false)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("markets", "0001_initial"),
        ("venues", "0002_history"),
        ("assets", "0008_fiat_assets"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
