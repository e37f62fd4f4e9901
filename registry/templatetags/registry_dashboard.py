"""The admin index's registry totals and recent changes (from every path: the outbox).

Each shows a user only what the user may view: a total, the view permission of the
model it counts; the recent changes, that of the outbox (what the event feed needs), so
a staff account without a role sees neither.
"""

from django import template
from django.urls import reverse

from registry import dashboard
from registry.admin import admin_change_url
from registry.models import OutboxEvent

register = template.Library()

_REMOVALS = ("_deleted", "_removed")


def _admin_url(event: OutboxEvent) -> str | None:
    model = dashboard.event_page_model(event.event_type)
    if model is None or event.event_type.endswith(_REMOVALS):
        return None
    return admin_change_url(model, event.entity_id)


def may_view(user, model) -> bool:
    return user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")


@register.simple_tag
def registry_totals(user) -> list[tuple[str, int, str]]:
    """(label, count, admin changelist URL) of what the registry holds that ``user`` may
    view: each app's totals (registry.dashboard), then the core's own."""
    rows = [
        (total.label, total.count, total.changelist)
        for total in dashboard.totals()
        if may_view(user, total.rows.model)
    ]
    if may_view(user, OutboxEvent):
        unpublished = OutboxEvent.objects.exclude(status=OutboxEvent.Status.PUBLISHED)
        rows.append(
            (
                "Events not yet on the bus",
                unpublished.count,
                "admin:registry_outboxevent_changelist",
            )
        )
    return [(label, count(), reverse(url)) for label, count, url in rows]


@register.simple_tag
def recent_changes(user, limit: int = 12) -> list[dict] | None:
    """The latest changes, whichever path made them (API, admin, import, shell); None
    for a user who may not read the outbox."""
    if not may_view(user, OutboxEvent):
        return None
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
