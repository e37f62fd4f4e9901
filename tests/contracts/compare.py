"""What a message, an enum or a service is on the wire, in a form two descriptors can be
compared by: our generated ones (or the server's, read by reflection) against the
stand-in's. Names of files and comments are not part of it; everything a client
generated from the contract depends on is.
"""

from __future__ import annotations

from google.protobuf import descriptor_pb2, unknown_fields
from google.protobuf.descriptor import (
    Descriptor,
    EnumDescriptor,
    FieldDescriptor,
    ServiceDescriptor,
)
from google.protobuf.message import Message


def _proto3_optional(descriptor: Descriptor) -> frozenset[str]:
    """The fields declared ``optional`` (their oneof is synthetic, not a real one)."""
    as_proto = descriptor_pb2.DescriptorProto()
    descriptor.CopyToProto(as_proto)
    return frozenset(field.name for field in as_proto.field if field.proto3_optional)


def enum_structure(enum: EnumDescriptor) -> tuple:
    return (enum.full_name, tuple((value.name, value.number) for value in enum.values))


def structure(descriptor: Descriptor, seen: frozenset = frozenset()) -> tuple:
    """Per field its name, JSON name, number, type, label, presence and real oneof, and
    recursively the messages and enums it holds."""
    if descriptor.full_name.startswith("google.protobuf.") or descriptor.full_name in seen:
        return (descriptor.full_name,)
    seen = seen | {descriptor.full_name}
    declared_optional = _proto3_optional(descriptor)
    fields = []
    for field in sorted(descriptor.fields, key=lambda f: f.number):
        kind: tuple = (field.type,)
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            kind = structure(field.message_type, seen)
        elif field.type == FieldDescriptor.TYPE_ENUM:
            kind = enum_structure(field.enum_type)
        oneof = field.containing_oneof
        real_oneof = oneof.name if oneof and field.name not in declared_optional else None
        fields.append(
            (
                field.name,
                field.json_name,
                field.number,
                kind,
                field.label,
                field.has_presence,
                real_oneof,
            )
        )
    return (descriptor.full_name, tuple(fields))


def service_structure(service: ServiceDescriptor) -> tuple:
    """Per method (by name): its request and response message names and streaming."""
    return (
        service.full_name,
        tuple(
            sorted(
                (
                    method.name,
                    method.input_type.full_name,
                    method.output_type.full_name,
                    method.client_streaming,
                    method.server_streaming,
                )
                for method in service.methods
            )
        ),
    )


def assert_no_unknown_fields(message) -> None:
    """Nothing in the body that the reading message has no field for, at any depth."""
    assert len(unknown_fields.UnknownFieldSet(message)) == 0, type(message).__name__
    for field, value in message.ListFields():
        if field.type != FieldDescriptor.TYPE_MESSAGE:
            continue
        if field.message_type.GetOptions().map_entry:
            items = value.values()
        elif field.label == FieldDescriptor.LABEL_REPEATED:
            items = value
        else:
            items = (value,)
        for item in items:
            if isinstance(item, Message):
                assert_no_unknown_fields(item)
