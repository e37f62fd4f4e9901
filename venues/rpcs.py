"""The venues methods of the AssetRegistry gRPC service (docs/GRPC.md): CreateVenue,
GetVenue, ListVenues, CreateVenueAsset, GetVenueAsset, ListVenueAssets.

Each does what its REST twin does (/api/v1/venues/, /api/v1/venue-assets/): the same
serializers, filtersets and ``Writes``. Conventions:

- ``venue_id`` is the venue's slug ("binance"). CreateVenue has no field for it: it is
  made from ``name`` by the registry's one rule (registry.text.slug_of: ASCII, lower
  case, every run of other characters one "-", at most 64 characters: "Crypto.com" is
  ``crypto-com``); a venue with that slug already is ALREADY_EXISTS, a name that gives
  no slug INVALID_ARGUMENT on ``name``. An error of the venue's fields names the
  request's (``api_url`` is ``api_endpoint``, ``chain`` ``chain_id``).
- ``venue_type`` as the contract numbers it (VENUE_TYPE_CEX … ↔ CEX …, by name);
  ``api_endpoint`` is the registry's ``api_url``; ``chain_id`` a chain's slug.
- ``deployment_id`` of CreateVenueAsset: the registry keeps no deployment for a venue's
  code (a code names the asset, whichever chain the venue moves it on; the VenueAsset
  message leaves it unset), so a non-empty one is INVALID_ARGUMENT, never dropped.
- GetVenueAsset when the venue has several codes for the asset (Kraken's XXBT and XBT):
  the active one first, then the one trading is enabled for, then the oldest, then by
  code; the others' codes are named in ``metadata["cqar_other_venue_asset_symbols"]``,
  for ListVenueAssets to fetch.
- Lists answer every row up to fields.LIST_LIMIT (the contract has no page fields; more
  is RESOURCE_EXHAUSTED), in REST's default order; an unknown venue, asset or chain in
  a list's filter is INVALID_ARGUMENT naming the field, as REST's list filter answers
  400.
"""

from registry.api.pagination import complete_ordering
from registry.events.encoding import message_from
from registry.grpc.calls import answers_for_a_moment, register_rpc
from registry.grpc.errors import invalid, not_found
from registry.grpc.fields import (
    EnumMap,
    capped,
    created,
    enum_value,
    filtered,
    get_by_slug,
    optional_text,
    optional_uuid,
    request_field_names,
    required_text,
    required_uuid,
    slug_id,
)
from registry.pb.cqc.services.v1 import asset_registry_pb2 as service
from registry.pb.cqc.venues.v1 import venues_pb2
from venues.api.serializers import VenueAssetSerializer, VenueSerializer
from venues.api.views import VenueAssetViewSet, VenueViewSet
from venues.choices import VenueType
from venues.events import venue_asset_message
from venues.filtersets import VenueAssetFilterSet, VenueFilterSet
from venues.models import Venue, VenueAsset
from venues.services import VENUE_ASSET_WRITES, VENUE_WRITES

# VENUE_TYPE_CEX is CEX.
VENUE_TYPES = EnumMap(venues_pb2.VenueType, VenueType)

# The serializer's and the model's fields -> the request's.
VENUE_FIELDS = {"venue_id": "name", "chain": "chain_id", "api_url": "api_endpoint"}
VENUE_ASSET_FIELDS = {"venue": "venue_id", "asset": "asset_id"}


def venue_message(venue: Venue) -> venues_pb2.Venue:
    """The contract's Venue: every field of ours has one (api_url is api_endpoint)."""
    return message_from(
        venue,
        venues_pb2.Venue,
        venue_type=VENUE_TYPES.number_of(venue.venue_type),
        api_endpoint=venue.api_url,
    )


def create_venue(request, call):
    name = required_text(request, "name")
    data = {"venue_id": slug_id(name, Venue._meta.get_field("venue_id")), "name": name}
    if (venue_type := enum_value(request, "venue_type", VENUE_TYPES)) is not None:
        data["venue_type"] = venue_type
    for field, name_in_request in (
        ("chain", "chain_id"),
        ("api_url", "api_endpoint"),
        ("website_url", "website_url"),
    ):
        if value := optional_text(request, name_in_request):
            data[field] = value
    venue = created(VenueSerializer, VENUE_WRITES, data, call, names=VENUE_FIELDS)
    return service.CreateVenueResponse(venue=venue_message(venue))


@answers_for_a_moment
def get_venue(request, call):
    venue = get_by_slug(request, "venue_id", Venue.objects.all(), "venue", call)
    call.show_version(venue)
    return service.GetVenueResponse(venue=venue_message(venue))


def list_venues(request, call):
    data = {}
    if (venue_type := enum_value(request, "venue_type", VENUE_TYPES)) is not None:
        data["venue_type"] = [venue_type]
    if chain_id := optional_text(request, "chain_id"):
        data["chain"] = chain_id
    with request_field_names(VENUE_FIELDS):
        venues = filtered(VenueFilterSet, data, Venue.objects.all())
    venues = capped(
        venues.order_by(*complete_ordering(VenueViewSet.ordering, Venue)),
        what="venues",
        narrow="narrow the list by venue_type or chain_id, or page through GET /api/v1/venues/",
    )
    return service.ListVenuesResponse(venues=[venue_message(venue) for venue in venues])


def create_venue_asset(request, call):
    if optional_text(request, "deployment_id"):
        raise invalid(
            "deployment_id",
            "The registry keeps no deployment for a venue's code (the code names the "
            "asset, whichever chain the venue moves it on); send none.",
        )
    data = {
        "venue": required_text(request, "venue_id"),
        "asset": str(required_uuid(request, "asset_id")),
    }
    for name in ("venue_asset_symbol", "deposit_enabled", "withdraw_enabled", "trading_enabled"):
        if request.HasField(name):
            data[name] = getattr(request, name)
    venue_asset = created(
        VenueAssetSerializer, VENUE_ASSET_WRITES, data, call, names=VENUE_ASSET_FIELDS
    )
    return service.CreateVenueAssetResponse(venue_asset=venue_asset_message(venue_asset))


# GetVenueAsset's choice among several codes of one asset (the module docstring).
PREFERRED_CODE_FIRST = ("-is_active", "-trading_enabled", "created_at", "venue_asset_symbol")


def get_venue_asset(request, call):
    venue_id = required_text(request, "venue_id")
    asset_id = required_uuid(request, "asset_id")
    codes = list(
        VenueAsset.objects.of_live("asset")
        .filter(venue_id=venue_id, asset_id=asset_id)
        .order_by(*PREFERRED_CODE_FIRST)
    )
    if not codes:
        raise not_found(f"Venue {venue_id!r} has no code for the asset {asset_id}.")
    venue_asset, others = codes[0], codes[1:]
    message = venue_asset_message(venue_asset)
    if others:
        message.metadata.update(
            {"cqar_other_venue_asset_symbols": [code.venue_asset_symbol for code in others]}
        )
    call.show_version(venue_asset)
    return service.GetVenueAssetResponse(venue_asset=message)


def list_venue_assets(request, call):
    data = {}
    if venue_id := optional_text(request, "venue_id"):
        data["venue"] = venue_id
    if (asset_id := optional_uuid(request, "asset_id")) is not None:
        data["asset"] = str(asset_id)
    with request_field_names(VENUE_ASSET_FIELDS):
        venue_assets = filtered(VenueAssetFilterSet, data, VenueAsset.objects.of_live("asset"))
    venue_assets = capped(
        venue_assets.order_by(*complete_ordering(VenueAssetViewSet.ordering, VenueAsset)),
        what="venue assets",
        narrow="narrow the list by venue_id or asset_id, or page through GET /api/v1/venue-assets/",
    )
    return service.ListVenueAssetsResponse(
        venue_assets=[venue_asset_message(venue_asset) for venue_asset in venue_assets]
    )


def register() -> None:
    register_rpc("CreateVenue", create_venue, permission="venues.add_venue")
    register_rpc("GetVenue", get_venue, permission="venues.view_venue", reads=True)
    register_rpc("ListVenues", list_venues, permission="venues.view_venue", reads=True)
    register_rpc("CreateVenueAsset", create_venue_asset, permission="venues.add_venueasset")
    register_rpc("GetVenueAsset", get_venue_asset, permission="venues.view_venueasset", reads=True)
    register_rpc(
        "ListVenueAssets", list_venue_assets, permission="venues.view_venueasset", reads=True
    )
