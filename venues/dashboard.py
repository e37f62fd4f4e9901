"""What the venues app shows on the admin index (registry.dashboard)."""

from registry import dashboard
from venues.models import Venue, VenueAsset


def register() -> None:
    """Called from VenuesConfig.ready()."""
    dashboard.register_total("Venues", Venue.objects.all(), weight=40)
    dashboard.register_event_pages({"venue_": Venue, "venue_asset_": VenueAsset})
