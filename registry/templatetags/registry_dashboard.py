"""The admin index's registry totals and recent changes (from every path: the outbox)."""

from django import template
from django.apps import apps
from django.urls import reverse

from registry.admin import admin_change_url
from registry.models import OutboxEvent

register = template.Library()

# Event type prefix -> the model whose admin page shows the entity (longest prefix wins).
_ENTITY_PAGES = {
    "asset_": "assets.asset",
    "asset_deployment_": "assets.assetdeployment",
    "asset_identifier_": "assets.assetidentifier",
    "asset_group_": "assets.assetgroup",
    "relationship_": "assets.assetrelationship",
    "group_member_": "assets.assetgroupmember",
    "quality_flag_": "quality.assetqualityflag",
    "chain_": "chains.chain",
    "venue_": "venues.venue",
    "venue_asset_": "venues.venueasset",
    "venue_symbol_": "venues.venuesymbol",
}
_REMOVALS = ("_deleted", "_removed")


def _model_label(event_type: str) -> str | None:
    matches = [prefix for prefix in _ENTITY_PAGES if event_type.startswith(prefix)]
    return _ENTITY_PAGES[max(matches, key=len)] if matches else None


def _admin_url(event: OutboxEvent) -> str | None:
    label = _model_label(event.event_type)
    if label is None or event.event_type.endswith(_REMOVALS):
        return None
    return admin_change_url(apps.get_model(label), event.entity_id)


@register.simple_tag
def registry_totals() -> list[tuple[str, int, str]]:
    """(label, count, admin changelist URL) of what the registry holds."""
    Asset = apps.get_model("assets", "Asset")
    Flag = apps.get_model("quality", "AssetQualityFlag")
    VenueSymbol = apps.get_model("venues", "VenueSymbol")
    rows = [
        ("Assets", Asset.objects.count(), "admin:assets_asset_changelist"),
        (
            "Deployments",
            apps.get_model("assets", "AssetDeployment").objects.count(),
            "admin:assets_assetdeployment_changelist",
        ),
        (
            "Chains",
            apps.get_model("chains", "Chain").objects.count(),
            "admin:chains_chain_changelist",
        ),
        (
            "Venues",
            apps.get_model("venues", "Venue").objects.count(),
            "admin:venues_venue_changelist",
        ),
        (
            "Current venue tickers",
            VenueSymbol.objects.filter(delisted_at__isnull=True).count(),
            "admin:venues_venuesymbol_changelist",
        ),
        (
            "Active quality flags",
            Flag.objects.filter(resolved_at__isnull=True).count(),
            "admin:quality_assetqualityflag_changelist",
        ),
        (
            "Active CRITICAL flags",
            Flag.objects.filter(resolved_at__isnull=True, severity=5).count(),
            "admin:quality_assetqualityflag_changelist",
        ),
        (
            "Events not yet on the bus",
            OutboxEvent.objects.exclude(status=OutboxEvent.Status.PUBLISHED).count(),
            "admin:registry_outboxevent_changelist",
        ),
    ]
    return [(label, count, reverse(url)) for label, count, url in rows]


@register.simple_tag
def recent_changes(limit: int = 12) -> list[dict]:
    """The latest changes, whichever path made them (API, admin, import, shell)."""
    events = OutboxEvent.objects.order_by("-id").only(
        "event_type", "entity_id", "actor_id", "occurred_at", "body"
    )[:limit]
    changes = []
    for event in events:
        changes.append(
            {
                "what": event.event_type.replace("_", " "),
                "actor": event.actor_id,
                "when": event.occurred_at,
                "url": _admin_url(event),
                "entity": event.entity_id,
                "source": event.payload.get("source", ""),
            }
        )
    return changes
