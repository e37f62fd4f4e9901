"""Quality hears of facts two sources disagree on (registry.provenance) and raises a
DATA_CONFLICT flag on the asset concerned, through its one write path (services)."""

from quality.services import flag_conflicts
from registry import provenance


def register() -> None:
    provenance.register_conflict_handler(flag_conflicts)
