"""Reading the fields of a request message.

Every field of the contracts is ``optional`` (explicit presence), so "not sent" and
"sent empty" differ: a method asks for a field as required, or reads it when present.
A value that cannot be what the field names is INVALID_ARGUMENT naming the field.
"""

import uuid

from google.protobuf.message import Message

from registry.grpc.errors import invalid


def present(request: Message, name: str) -> bool:
    return request.HasField(name)


def optional_text(request: Message, name: str) -> str | None:
    """The field's text, trimmed; None when it was not sent."""
    return getattr(request, name).strip() if request.HasField(name) else None


def required_text(request: Message, name: str) -> str:
    value = optional_text(request, name)
    if not value:
        raise invalid(name, "This field is required.")
    return value


def optional_uuid(request: Message, name: str) -> uuid.UUID | None:
    value = optional_text(request, name)
    if value is None or value == "":
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise invalid(name, f"'{value[:64]}' is not a UUID.") from None


def required_uuid(request: Message, name: str) -> uuid.UUID:
    value = optional_uuid(request, name)
    if value is None:
        raise invalid(name, "This field is required.")
    return value


def enum_value(request: Message, name: str, names: dict[int, str], *, required: bool = False):
    """The registry's name for an enum field's number (``names``: contract number ->
    registry value). UNSPECIFIED (0) is "not given"; a number the mapping does not know,
    a value of the contract the registry has no meaning for, is INVALID_ARGUMENT."""
    if not request.HasField(name) or getattr(request, name) == 0:
        if required:
            raise invalid(name, "This field is required.")
        return None
    number = getattr(request, name)
    if number not in names:
        field = request.DESCRIPTOR.fields_by_name[name]
        known = ", ".join(value.name for value in field.enum_type.values if value.number in names)
        raise invalid(name, f"{number} is not a value this registry accepts; one of {known}.")
    return names[number]


def validated(serializer_class, data: dict, *, names: dict[str, str] | None = None, **kwargs):
    """The REST endpoint's serializer, valid on ``data``: the same validation as REST.

    Its field errors name the request's fields: ``names`` maps a serializer field to the
    request field it came from (``{"network_id": "chain_id"}``)."""
    from rest_framework import serializers

    serializer = serializer_class(data=data, **kwargs)
    try:
        serializer.is_valid(raise_exception=True)
    except serializers.ValidationError as error:
        if names and isinstance(error.detail, dict):
            error.detail = {names.get(key, key): value for key, value in error.detail.items()}
        raise
    return serializer


def filtered(filterset_class, data: dict, queryset, *, names: dict[str, str] | None = None):
    """The REST list's filterset applied to ``queryset``: the same filters as REST.
    A value the filterset refuses is INVALID_ARGUMENT naming the request's field."""
    from django.core.exceptions import ValidationError

    filterset = filterset_class(data=data, queryset=queryset)
    if not filterset.is_valid():
        raise ValidationError(
            {(names or {}).get(key, key): value for key, value in filterset.errors.items()}
        )
    return filterset.qs
