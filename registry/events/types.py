"""The registry of event types. Each app registers its own in ``AppConfig.ready()``.

An event type names its subject suffix (``asset_created``), the protobuf message it is
sent as, which field of that message holds the entity, how a model instance becomes
that entity, which assets the event concerns (for the feed's ``asset`` filter), and
any fields of its own (``QualityFlagRaised.suspend_trading``).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from google.protobuf.message import Message


@dataclass(frozen=True)
class EventType:
    name: str
    message: type[Message]
    entity_field: str
    entity: Callable[[Any], Message]
    asset_ids: Callable[[Any], Iterable]
    extra: Callable[[Any], dict] | None = None

    @property
    def subject(self) -> str:
        return f"{settings.EVENTS_SUBJECT_PREFIX}.{self.name}"

    @property
    def message_type(self) -> str:
        return self.message.DESCRIPTOR.full_name

    @property
    def has_change_fields(self) -> bool:
        return "changed_fields" in self.message.DESCRIPTOR.fields_by_name


_types: dict[str, EventType] = {}


def register_event_type(event_type: EventType) -> None:
    existing = _types.get(event_type.name)
    if existing is not None and existing != event_type:
        raise ValueError(f"Event type {event_type.name} is registered twice.")
    _types[event_type.name] = event_type


def event_type(name: str) -> EventType:
    try:
        return _types[name]
    except KeyError:
        raise LookupError(f"No event type {name!r}; the app must register it.") from None


def event_type_names() -> list[str]:
    return sorted(_types)
