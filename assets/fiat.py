"""Fiat currencies: the ISO 4217 codes a FIAT asset may have, and what ISO says of each.

A FIAT asset (USD, EUR …) is the currency itself, not a token: its symbol is its ISO 4217
alphabetic code, it has no deployments and no relationships (assets.models). Markets
quoted in a currency, and inverse contracts settled against one, name it as an asset.

The list is the ISO 4217 maintenance agency's own table ("list one", current codes), as
the ``iso4217`` package ships it. A code is a currency when ISO gives it minor units: the
entries it marks "N.A." are not currencies (gold XAU, silver XAG, the bond-market units
XBA to XBD, the SDR XDR, the testing code XTS, "no currency" XXX …) and are refused, so
a venue's gold contract never names a "fiat" gold.
"""

from dataclasses import dataclass
from functools import cache

import iso4217
from django.core.exceptions import ValidationError

from registry.text import symbol_key


@dataclass(frozen=True)
class IsoCurrency:
    code: str  # "USD"
    name: str  # "US Dollar", as ISO names it
    numeric: str  # "840", three digits
    minor_units: int  # 2: a dollar is 100 cents

    @property
    def metadata(self) -> dict:
        """What a FIAT asset created for it keeps in its metadata."""
        return {"iso4217": {"numeric": self.numeric, "minor_units": self.minor_units}}


@cache
def iso_currencies() -> dict[str, IsoCurrency]:
    """The ISO 4217 currencies by alphabetic code (about 170)."""
    return {
        currency.code: IsoCurrency(
            code=currency.code,
            name=currency.currency_name,
            numeric=f"{currency.number:03d}",
            minor_units=currency.exponent,
        )
        for currency in iso4217.Currency
        if currency.exponent is not None  # "N.A.": a metal, a unit of account, a test code
    }


def iso_currency(code: str) -> IsoCurrency:
    """The currency whose ISO 4217 code is ``code`` (in any ASCII letter case); a
    ValidationError saying why not otherwise."""
    if not isinstance(code, str):
        raise ValidationError("A fiat currency's code must be a string.", code="invalid")
    key = symbol_key(code)
    currency = iso_currencies().get(key)
    if currency is None:
        shown = key if len(key) <= 20 else f"{key[:20]}…"
        raise ValidationError(
            f"{shown!r} is not an ISO 4217 currency code: a fiat asset's symbol is its "
            "three-letter ISO 4217 code (USD, EUR, JPY …).",
            code="not_iso4217",
        )
    return currency
