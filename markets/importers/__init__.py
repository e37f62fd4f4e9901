"""Importers of venue data, one module per source format: ``ccxt`` (CCXT market
snapshots). Each is a ``plan`` and an ``apply`` (registry.importing)."""
