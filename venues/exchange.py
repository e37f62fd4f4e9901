"""The export and CSV import rules of the venues app's entities (registry.exchange):
venues and venue assets."""

from registry.exchange.entities import (
    Entity,
    register_entity,
)
from venues.api.views import VenueAssetViewSet, VenueViewSet


def register() -> None:
    register_entity(Entity("venues", VenueViewSet, ("venue_id",)))
    register_entity(Entity("venue-assets", VenueAssetViewSet, ("venue", "venue_asset_symbol")))
