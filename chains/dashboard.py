"""What the chains app shows on the admin index (registry.dashboard)."""

from chains.models import Chain
from registry import dashboard


def register() -> None:
    """Called from ChainsConfig.ready()."""
    dashboard.register_total("Chains", Chain.objects.all(), weight=30)
    dashboard.register_event_pages({"chain_": Chain})
