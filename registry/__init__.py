"""What every app of CQAR shares: base models, domain errors, text rules, health checks.

This package imports no entity app. Apps register what they contribute (demo data now;
lookups, importers and event types later) from their ``AppConfig.ready()``.
"""
