"""Importers of published lists into assets (and the chains they name), one module per
source format: ``tokenlist`` (Token Lists), ``chainlist`` (ethereum-lists/chains). Each
is a ``plan`` and an ``apply`` (registry.importing)."""
