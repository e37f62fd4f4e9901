"""Helpers for tests of import reports (registry.importing)."""


def comparable(report: dict) -> dict:
    """An import's JSON report without what differs between any two runs of the same plan
    (timing, the dry-run flag): a dry run's must equal the real run's."""
    return {
        key: value
        for key, value in report.items()
        if key not in ("seconds", "items_per_second", "dry_run")
    }
