"""GET /api/v1/events/: the outbox as a feed, in commit order, for consumers without
NATS and for replay. Each item carries the message published on the bus, in the proto3
JSON mapping; ``after`` is the last ``sequence`` the consumer has seen."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from registry.api.params import KnownQueryParametersMixin, QueryIntegerField
from registry.api.permissions import RegistryModelPermissions
from registry.events.outbox import sequence_pending
from registry.events.types import event_type_names
from registry.models import OutboxEvent
from registry.numbers import BIGINT_MAX

MAX_LIMIT = 1000


class EventFeedQuery(serializers.Serializer):
    after = QueryIntegerField(min_value=0, max_value=BIGINT_MAX, default=0)
    type = serializers.CharField(required=False, allow_blank=False)
    asset = serializers.UUIDField(required=False)
    limit = QueryIntegerField(min_value=1, max_value=MAX_LIMIT, default=100)

    def validate_type(self, value: str) -> list[str]:
        names = [name.strip() for name in value.split(",") if name.strip()]
        unknown = sorted(set(names) - set(event_type_names()))
        if unknown or not names:
            raise serializers.ValidationError(
                f"Unknown event type {', '.join(unknown) or '(empty)'}; "
                f"known: {', '.join(event_type_names())}."
            )
        return names


class EventSerializer(serializers.ModelSerializer):
    subject = serializers.SerializerMethodField()
    payload = serializers.JSONField(
        read_only=True, help_text="The message in the proto3 JSON mapping (.proto field names)."
    )

    class Meta:
        model = OutboxEvent
        fields = [
            "sequence",
            "event_id",
            "event_type",
            "subject",
            "message_type",
            "entity_id",
            "asset_ids",
            "actor_id",
            "request_id",
            "occurred_at",
            "status",
            "published_at",
            "payload",
        ]

    def get_subject(self, event: OutboxEvent) -> str:
        return event.subject


class EventFeedView(KnownQueryParametersMixin, GenericAPIView):
    """Every change in commit order, each with the message the bus carried; pass the
    last ``sequence`` seen as ``after``."""

    queryset = OutboxEvent.objects.all()
    permission_classes = [RegistryModelPermissions]
    serializer_class = EventSerializer
    pagination_class = None

    @extend_schema(
        operation_id="events_feed",
        summary="Registry events in commit order (cursor feed)",
        parameters=[
            OpenApiParameter("after", int, description="Events after this sequence (default 0)."),
            OpenApiParameter("type", str, description="Comma-separated event types."),
            OpenApiParameter("asset", str, description="Only events concerning this asset id."),
            OpenApiParameter("limit", int, description=f"At most this many (1 to {MAX_LIMIT})."),
        ],
        responses=inline_serializer(
            "EventFeedPage",
            {
                "results": EventSerializer(many=True),
                "next_after": serializers.IntegerField(
                    help_text="Pass as ``after`` for the next page."
                ),
                "has_more": serializers.BooleanField(),
                "oldest_sequence": serializers.IntegerField(
                    allow_null=True,
                    help_text="The oldest event still kept (older ones were pruned): a "
                    "consumer whose ``after`` is below it has missed events.",
                ),
            },
        ),
    )
    def get(self, request):
        if request.query_params.get("type", None) == "":  # DRF would read it as absent
            raise ValidationError({"type": ["Name at least one event type, or leave it out."]})
        query = EventFeedQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        # Rows no publisher has numbered yet (no worker running) still reach the feed.
        if OutboxEvent.objects.filter(sequence__isnull=True).exists():
            sequence_pending()
        events = OutboxEvent.objects.filter(sequence__gt=params["after"])
        if "type" in params:
            events = events.filter(event_type__in=params["type"])
        if "asset" in params:
            events = events.filter(asset_ids__contains=[params["asset"]])
        rows = list(events.order_by("sequence")[: params["limit"] + 1])
        has_more = len(rows) > params["limit"]
        rows = rows[: params["limit"]]
        return Response(
            {
                "results": EventSerializer(rows, many=True).data,
                "next_after": rows[-1].sequence if rows else params["after"],
                "has_more": has_more,
                "oldest_sequence": OutboxEvent.objects.filter(sequence__isnull=False)
                .order_by("sequence")
                .values_list("sequence", flat=True)
                .first(),
            }
        )
