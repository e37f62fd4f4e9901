"""What the quality app shows on the admin index (registry.dashboard)."""

from quality.choices import Severity
from quality.models import AssetQualityFlag
from registry import dashboard


def register() -> None:
    """Called from QualityConfig.ready()."""
    active = AssetQualityFlag.objects.active()
    dashboard.register_total("Active quality flags", active, weight=60)
    dashboard.register_total(
        "Active CRITICAL flags", active.filter(severity=Severity.CRITICAL), weight=70
    )
    dashboard.register_event_pages({"quality_flag_": AssetQualityFlag})
