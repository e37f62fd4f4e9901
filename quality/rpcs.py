"""The quality methods of the AssetRegistry gRPC service (docs/GRPC.md): RaiseQualityFlag,
ResolveQualityFlag, ListQualityFlags.

Each does what its REST twin does (/api/v1/quality-flags/, its resolve/, and
/api/v1/resolve/pretrade/ for the hot read): the same serializers, filterset, services
(``flag_raise``, ``flag_resolve``: history, events, cache invalidation, the four-eyes
rule) and hot-path cache. Conventions:

- The actor, who raised or resolved a flag (the history, the events, the flag's own
  ``raised_by`` and ``resolved_by``), is always the token's account, never a request
  field: a caller cannot act as someone else.
- RaiseQualityFlag's ``raised_by`` is the flag's ``source``, the party that says so
  ("certik"; "manual" when not sent), as the contract's AssetQualityFlag answers it in
  ``source``; the actor is in ``metadata["raised_by"]``. ``description`` is the
  flag's ``reason``. An ``asset_id`` that names no live asset is INVALID_ARGUMENT on
  ``asset_id``, as REST's 400 on ``asset``.
- ResolveQualityFlag's ``resolved_by`` may be left out, or name the token's account
  (``service:risk`` or ``risk``); naming anyone else is INVALID_ARGUMENT. The four-eyes
  rule holds (a CRITICAL flag is resolved by someone other than who raised it:
  PERMISSION_DENIED); ``if-match`` metadata is the version the resolution expects
  (another is FAILED_PRECONDITION); resolving a resolved flag is FAILED_PRECONDITION
  (REST: a 400 naming ``resolved_at``), as the state of the flag refuses it.
- Flag types: the contract's nine, by name (FLAG_TYPE_SCAM is SCAM). The registry's
  own (ORACLE_FAILED, ADMIN_KEYS …) cannot be raised over gRPC (the request has no way
  to name them) and are answered as FLAG_TYPE_UNSPECIFIED with the registry's name in
  ``metadata["flag_type"]``, as the events send them.
- ListQualityFlags of one asset without ``include_resolved`` is the pre-trade read: it
  answers from the hot-path cache's ``flags`` lookup (the cached answer that
  resolve/pretrade/ weighs), so a raise or resolve through either interface shows at
  once. Otherwise (``include_resolved``, or no ``asset_id``: every asset's flags) it
  reads the database through the REST list's filterset, at most fields.LIST_LIMIT flags
  (more is RESOURCE_EXHAUSTED). ``min_severity`` is "at least
  this severe" (default: every severity). Either way the flags come most severe first,
  then the newest, as the REST list orders them, and an ``asset_id`` that names no live
  asset is NOT_FOUND (as resolve/pretrade/ answers 404).
- An error of the flag's fields names the request's, whether the serializer or the
  service refuses it (``source`` is ``raised_by``, ``reason`` ``description``).
"""

import grpc
import orjson
from django.core.exceptions import ValidationError

from assets.models import Asset
from quality import services
from quality.api.serializers import AssetQualityFlagSerializer, FlagResolutionSerializer
from quality.api.views import AssetQualityFlagViewSet
from quality.choices import FlagType, Severity
from quality.events import flag_message
from quality.filtersets import AssetQualityFlagFilterSet
from quality.models import AssetQualityFlag
from registry import cache
from registry.api.pagination import complete_ordering
from registry.grpc.calls import answers_for_a_moment, register_rpc
from registry.grpc.errors import RpcError, error_of, invalid, not_found
from registry.grpc.fields import (
    EnumMap,
    capped,
    datetime_of,
    enum_value,
    filtered,
    optional_text,
    optional_uuid,
    request_field_names,
    required_uuid,
    validated,
)
from registry.pb.cqc.assets.v1 import assets_pb2
from registry.pb.cqc.services.v1 import asset_registry_pb2 as service
from registry.replicas import read_on_replica

# By name (FLAG_TYPE_SCAM is SCAM, FLAG_SEVERITY_HIGH is HIGH, 4); the registry's own
# flag types have no number.
FLAG_TYPES = EnumMap(assets_pb2.FlagType, FlagType)
SEVERITIES = EnumMap(assets_pb2.FlagSeverity, Severity)

# The serializer's and the model's fields -> the request's.
FLAG_FIELDS = {"asset": "asset_id", "reason": "description", "source": "raised_by"}
RESOLUTION_FIELDS = {"notes": "resolution_notes"}


ACTOR_PREFIXES = ("user:", "service:")


def raise_quality_flag(request, call):
    data = {"asset": str(required_uuid(request, "asset_id"))}
    if (flag_type := enum_value(request, "flag_type", FLAG_TYPES)) is not None:
        data["flag_type"] = flag_type
    if (severity := enum_value(request, "severity", SEVERITIES)) is not None:
        data["severity"] = severity
    if request.HasField("description"):
        data["reason"] = request.description
    if source := optional_text(request, "raised_by"):
        actor = call.caller.actor
        if source.startswith(ACTOR_PREFIXES) and source != actor:
            # The source names where the finding comes from (certik, manual …); one
            # written as an account would read as that account having raised it.
            raise invalid(
                "raised_by",
                f"Names another account; the raiser is the token's account, {actor}.",
            )
        data["source"] = source
    with request_field_names(FLAG_FIELDS):
        serializer = validated(AssetQualityFlagSerializer, data)
        flag = services.flag_raise(actor=call.caller.actor, **serializer.validated_data)
    call.show_version(flag)
    return service.RaiseQualityFlagResponse(flag=flag_message(flag))


def resolve_quality_flag(request, call):
    flag_id = required_uuid(request, "flag_id")
    actor = call.caller.actor
    resolved_by = optional_text(request, "resolved_by")
    if resolved_by and resolved_by not in (actor, actor.partition(":")[2]):
        raise invalid(
            "resolved_by",
            f"The resolver is the token's account, {actor}: send that or nothing.",
        )
    flag = AssetQualityFlag.objects.of_live("asset").filter(pk=flag_id).first()
    if flag is None:
        raise not_found(f"No flag {flag_id}.")
    notes = {"notes": request.resolution_notes} if request.HasField("resolution_notes") else {}
    try:
        with request_field_names(RESOLUTION_FIELDS):
            body = validated(FlagResolutionSerializer, notes)
            services.flag_resolve(
                flag=flag,
                actor=actor,
                notes=body.validated_data["notes"],
                expected_version=call.expected_version(),
            )
    except ValidationError as error:
        if not hasattr(error, "error_dict") or set(error.error_dict) != {"resolved_at"}:
            raise
        refused = error_of(error)  # REST's code and message, for the flag's state
        raise RpcError(
            grpc.StatusCode.FAILED_PRECONDITION, refused.error_code, refused.message
        ) from None
    call.show_version(flag)
    return service.ResolveQualityFlagResponse(flag=flag_message(flag))


@answers_for_a_moment
def list_quality_flags(request, call):
    asset_id = optional_uuid(request, "asset_id")
    min_severity = enum_value(request, "min_severity", SEVERITIES) or Severity.INFO
    include_resolved = request.HasField("include_resolved") and request.include_resolved
    moment = call.moment()  # the flags active then (as-of, known-at metadata)
    if moment is not None and include_resolved:
        raise invalid("as-of", "asks for the flags active then; leave include_resolved out.")
    if moment is not None and moment.known_at is not None and asset_id is None:
        raise invalid("known-at", "answered for one asset: give asset_id.")
    if asset_id is not None and not include_resolved:
        flags = active_flags_cached(asset_id, min_severity, moment)
    else:
        flags = read_on_replica(
            lambda: capped(
                flags_stored(asset_id, min_severity, include_resolved, moment),
                what="flags",
                narrow="narrow the list by asset_id, or page through GET /api/v1/quality-flags/",
            )
        )
    return service.ListQualityFlagsResponse(flags=[flag_message(flag) for flag in flags])


def active_flags_cached(asset_id, min_severity: int, moment=None) -> list[AssetQualityFlag]:
    """The asset's active flags as the hot-path cache answers them (the ``flags`` lookup,
    as resolve/pretrade/ reads it), as flags to encode; those active at ``moment``."""
    lookup = cache.lookup("flags")
    found, body = lookup.resolve([lookup.parse({"asset": str(asset_id)})], moment=moment)[0]
    answer = orjson.loads(body)
    if not found:
        raise not_found(answer["error"]["message"])
    if any("raised_at" not in flag for flag in answer["active_flags"]):
        # Cached before the answers carried every field the message needs (until its
        # TTL ends after an upgrade): the database answers instead.
        return list(flags_stored(asset_id, min_severity, False, moment))
    flags = [
        AssetQualityFlag(
            asset_id=asset_id,
            **{**flag, "raised_at": datetime_of(flag["raised_at"])},
        )
        for flag in answer["active_flags"]
        if flag["severity"] >= min_severity
    ]
    # The summary's order is the most severe, then the oldest: answer the list's.
    flags.sort(key=lambda flag: str(flag.flag_id))
    flags.sort(key=lambda flag: (flag.severity, flag.raised_at), reverse=True)
    return flags


def flags_stored(asset_id, min_severity: int, include_resolved: bool, moment=None):
    """Flags from the database, filtered as the REST list filters them."""
    data = {"min_severity": str(min_severity)}
    if moment is not None:
        data["as_of"] = moment.as_of.isoformat()
    if asset_id is not None:
        if not Asset.objects.filter(pk=asset_id).exists():
            raise not_found(f"No live asset {asset_id}.")
        data["asset"] = str(asset_id)
    if not include_resolved and moment is None:
        data["active_only"] = "true"
    with request_field_names(FLAG_FIELDS):
        flags = filtered(AssetQualityFlagFilterSet, data, AssetQualityFlag.objects.of_live("asset"))
    return flags.order_by(*complete_ordering(AssetQualityFlagViewSet.ordering, AssetQualityFlag))


def register() -> None:
    register_rpc("RaiseQualityFlag", raise_quality_flag, permission="quality.add_assetqualityflag")
    register_rpc(
        "ResolveQualityFlag", resolve_quality_flag, permission="quality.change_assetqualityflag"
    )
    # Not a replica read as a whole: the pre-trade read's cache miss loads from a
    # caught-up replica by itself (registry.cache); the database path reads a replica.
    register_rpc("ListQualityFlags", list_quality_flags, permission="quality.view_assetqualityflag")
