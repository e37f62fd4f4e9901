"""Importers of market data. ``ccxt_terms`` derives a market's contract terms (tick and lot
size, contract multiplier, linear or inverse, expiry, status, fees) from one CCXT market,
cross-checked against the venue's own payload, and refuses what it cannot derive."""
