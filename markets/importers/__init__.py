"""Importers of market data, one module per source format: ``ccxt`` (CCXT market
snapshots), each a ``plan`` and an ``apply`` (registry.importing); ``ccxt_terms`` derives
a market's contract terms (tick and lot size, contract multiplier, linear or inverse,
expiry, status, fees) from one CCXT market, cross-checked against the venue's own
payload, and refuses what it cannot derive."""
