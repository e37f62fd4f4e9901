"""Model values to protobuf fields: times, JSON metadata, ids, decimals."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message
from google.protobuf.struct_pb2 import Struct
from google.protobuf.timestamp_pb2 import Timestamp

from registry.numbers import plain_decimal


def timestamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def struct(value: Any) -> Struct | None:
    """JSON metadata as a Struct. Numbers become doubles, as Struct has no integers; a
    value that is not an object (the API refuses those, older rows may hold one) is
    wrapped as {"cqar_value": value} rather than failing the write."""
    if value is None or value == {}:
        return None
    message = Struct()
    message.update(value if isinstance(value, dict) else {"cqar_value": value})
    return message


def text(value: Any) -> str:
    """Ids, decimals and optional strings as the contracts' strings ('' for none)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return plain_decimal(value)
    return str(value)


def fill(message: Message, **values: Any) -> Message:
    """Set fields by name, skipping None; message fields are copied in."""
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, Message):
            getattr(message, name).CopyFrom(value)
        elif isinstance(value, list | tuple):
            getattr(message, name).extend(value)
        else:
            setattr(message, name, value)
    return message


_MISSING = object()


def message_from(instance, message_class: type[Message], **values: Any) -> Message:
    """The message whose fields take the instance's attributes of the same names.

    ``values`` supply what the instance names differently or an enum needs; ids and
    decimals become strings, datetimes Timestamps, dicts Structs, None stays unset.
    """
    message = message_class()
    for field in message_class.DESCRIPTOR.fields:
        value = values.pop(field.name, _MISSING)
        if value is _MISSING:
            value = getattr(instance, field.name, None)
        if value is None:
            continue
        if field.message_type is not None:
            name = field.message_type.full_name
            if name == "google.protobuf.Timestamp" and isinstance(value, datetime):
                value = timestamp(value)
            elif name == "google.protobuf.Struct" and not isinstance(value, Struct):
                value = struct(value)
            if value is None:
                continue
            getattr(message, field.name).CopyFrom(value)
        elif field.type == field.TYPE_STRING:
            setattr(message, field.name, text(value))
        else:
            setattr(message, field.name, value)
    if values:
        raise TypeError(f"{message_class.__name__} has no fields {', '.join(sorted(values))}")
    return message


def to_json(message: Message) -> dict:
    """The proto3 JSON mapping, with the .proto field names (also valid proto3 JSON).

    A field with presence (every ``optional`` one) appears exactly when set, false and 0
    included; a repeated field always appears."""
    return json_format.MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )
