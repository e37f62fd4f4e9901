"""The venues app's event types and the protobuf form of its entities."""

from registry.events.encoding import message_from
from registry.events.types import EventType, register_event_type
from registry.pb.cqar.events.v1 import events_pb2 as cqar_events
from registry.pb.cqar.registry.v1 import registry_pb2
from registry.pb.cqc.events.v1 import events_pb2 as cqc_events
from registry.pb.cqc.venues.v1 import venues_pb2
from venues.models import Venue, VenueAsset


def venue_message(venue: Venue) -> registry_pb2.Venue:
    return message_from(venue, registry_pb2.Venue)


def venue_asset_message(venue_asset: VenueAsset) -> venues_pb2.VenueAsset:
    """The contract's VenueAsset: venue_id is the venue's slug, asset_id the asset's UUID."""
    return message_from(
        venue_asset,
        venues_pb2.VenueAsset,
        metadata={**venue_asset.metadata, "cqar_venue_asset_id": str(venue_asset.pk)},
    )


def listing_fields(venue_asset: VenueAsset) -> dict:
    """A second code of an asset the venue already lists is not a new listing. A removed
    code does not count: removing one corrects a mistake, it records no delisting."""
    others = VenueAsset.objects.filter(venue_id=venue_asset.venue_id, asset_id=venue_asset.asset_id)
    return {"is_new_listing": not others.exclude(pk=venue_asset.pk).exists()}


def register() -> None:
    register_event_type(
        EventType(
            name="venue_asset_listed",
            message=cqc_events.VenueAssetListed,
            entity_field="venue_asset",
            entity=venue_asset_message,
            asset_ids=lambda va: [va.asset_id],
            extra=listing_fields,
        )
    )
    shapes = {
        "venue": (cqar_events.VenueEvent, venue_message, lambda v: []),
        "venue_asset": (
            cqar_events.VenueAssetEvent,
            venue_asset_message,
            lambda va: [va.asset_id],
        ),
    }
    for entity, names in {
        "venue": ("venue_created", "venue_updated", "venue_deleted"),
        "venue_asset": ("venue_asset_updated", "venue_asset_removed"),
    }.items():
        message, build, asset_ids = shapes[entity]
        for name in names:
            register_event_type(
                EventType(
                    name=name,
                    message=message,
                    entity_field=entity,
                    entity=build,
                    asset_ids=asset_ids,
                )
            )
