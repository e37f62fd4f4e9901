"""The registry of event types. Each app registers its own in ``AppConfig.ready()``.

An event type names its subject suffix (``asset_created``), the protobuf message it is
sent as, which field of that message holds the entity, how a model instance becomes
that entity, which assets the event concerns (for the feed's ``asset`` filter), and
any fields of its own (``QualityFlagRaised.suspend_trading``).

Subjects come in two families that never overlap. An event the platform contracts
define is sent as exactly the contract's message (package ``cqc.events.v1``) on
``<EVENTS_SUBJECT_PREFIX>.<its name>``, the name being the message's in snake case
(``AssetCreated`` on ``cqc.events.v1.asset_created``). Every other event is CQAR's own
(package ``cqar.events.v1``) and goes on ``<EVENTS_CQAR_SUBJECT_PREFIX>.<its name>``, so
a consumer generated from the contracts never meets a message it would misread.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from google.protobuf import descriptor_pool, message_factory
from google.protobuf.message import Message

CONTRACT_EVENTS_PACKAGE = "cqc.events.v1"


def is_contract_message(message_type: str) -> bool:
    return message_type.startswith(f"{CONTRACT_EVENTS_PACKAGE}.")


def subject(name: str, message_type: str) -> str:
    """The subject of an event of type ``name`` sent as ``message_type``."""
    if is_contract_message(message_type):
        return f"{settings.EVENTS_SUBJECT_PREFIX}.{name}"
    return f"{settings.EVENTS_CQAR_SUBJECT_PREFIX}.{name}"


def subject_filters() -> list[str]:
    """Both families, as the stream and a consumer of every event name them."""
    return [f"{settings.EVENTS_SUBJECT_PREFIX}.>", f"{settings.EVENTS_CQAR_SUBJECT_PREFIX}.>"]


def message_class(message_type: str) -> type[Message]:
    """The generated class of a full message name (an outbox row's ``message_type``)."""
    descriptor = descriptor_pool.Default().FindMessageTypeByName(message_type)
    return message_factory.GetMessageClass(descriptor)


def _snake_case(message_name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", message_name).lower()


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
        return subject(self.name, self.message_type)

    @property
    def message_type(self) -> str:
        return self.message.DESCRIPTOR.full_name

    @property
    def has_change_fields(self) -> bool:
        return "changed_fields" in self.message.DESCRIPTOR.fields_by_name


_types: dict[str, EventType] = {}


def register_event_type(event_type: EventType) -> None:
    message = event_type.message.DESCRIPTOR
    if is_contract_message(message.full_name) and event_type.name != _snake_case(message.name):
        # A contract subject carries the contract event it is named after, and no other.
        raise ValueError(
            f"Event type {event_type.name} cannot be sent as {message.full_name}: a contract "
            f"message goes on the subject named after it ({_snake_case(message.name)})."
        )
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
