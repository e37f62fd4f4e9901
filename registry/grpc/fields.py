"""Reading the fields of a request message, and the conventions every method shares.

Every field of the contracts is ``optional`` (explicit presence), so "not sent" and
"sent empty" differ: a method asks for a field as required, or reads it when present.
A value that cannot be what the field names is INVALID_ARGUMENT naming the field.

One helper for each thing the apps' methods all do:

- ids: ``required_uuid``, ``required_integer_id`` (an integer id sent as a string),
  ``get_by_slug`` (an object by its slug, or NOT_FOUND), ``slug_id`` (the id a create
  makes from a name, registry.text.slug_of);
- enums: ``EnumMap`` (contract number <-> registry value, by name), ``enum_value``;
- numbers: ``decimal_text`` (a double as the decimal it was written as) and
  ``double_of`` (a decimal as a double); ``datetime_of`` (a time, or its ISO form as a
  cached answer holds it);
- REST's validation and filters: ``validated`` (the serializer), ``filtered`` (the
  filterset), and ``request_field_names`` around them and every write's service call,
  so that an error names the field the request sent; ``created``, a create as REST's;
- lists the contract gives no page token: ``capped``.
"""

import uuid
from contextlib import contextmanager
from datetime import datetime

import grpc
from django.core.exceptions import ValidationError as DjangoValidationError
from google.protobuf.message import Message
from rest_framework import serializers

from registry import timeline
from registry.grpc.errors import RpcError, invalid, not_found
from registry.numbers import ascii_integer
from registry.text import slug_of


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


def optional_integer_id(request: Message, name: str) -> int | None:
    """An integer id (a market's, an identifier's) the contract sends as a string: ASCII
    digits, 1 or more; None when not sent or empty."""
    value = optional_text(request, name)
    if not value:
        return None
    number = ascii_integer(value, minimum=1)
    if number is None:
        raise invalid(name, f"'{value[:64]}' is not an id (a whole number from 1).")
    return number


def required_integer_id(request: Message, name: str) -> int:
    number = optional_integer_id(request, name)
    if number is None:
        raise invalid(name, "This field is required.")
    return number


def get_by_slug(request: Message, name: str, queryset, what: str, call=None):
    """The object of ``queryset`` whose primary key, a slug ("ethereum"), the required
    field ``name`` holds; NOT_FOUND naming ``what`` ("chain") when there is none. With
    the ``call``, as it was at the moment its metadata asks about (``object_then``)."""
    slug = required_text(request, name)
    if call is not None and (moment := call.moment()) is not None:
        return object_then(queryset.model, moment, what, slug)
    found = queryset.filter(pk=slug).first()
    if found is None:
        raise not_found(f"No {what} {slug!r}.")
    return found


def object_then(model, moment, what: str, pk):
    """The object ``pk`` names as it was at ``moment`` (registry.timeline.object_at);
    NOT_FOUND naming ``what`` and the moment when it was not there then."""
    found = timeline.object_at(model, moment, pk=pk)
    if found is None:
        raise not_found(f"No {what} {pk} {moment.in_words()}.")
    return found


def slug_id(name: str, id_field) -> str:
    """The id a create makes from the request's ``name`` (the contract has no field for
    it): registry.text.slug_of, at most ``id_field``'s (the model's slug field's)
    max_length. A name with no letter or digit a-z, 0-9 is INVALID_ARGUMENT on ``name``."""
    slug = slug_of(name, id_field.max_length)
    if not slug:
        raise invalid(
            "name",
            f"The {id_field.name} is made from the name's letters and digits (a-z, 0-9), and "
            f"this one has none; REST's create takes the {id_field.name} itself.",
        )
    return slug


class EnumMap:
    """A contract enum and the registry's choices, matched by name after the enum's
    prefix: VENUE_TYPE_CEX is VenueType.CEX ("CEX"), FLAG_SEVERITY_HIGH is Severity.HIGH
    (4). ``values``: contract number -> registry value (what requests send); ``numbers``:
    registry value -> contract number (what answers send). A value only one side has is
    in neither."""

    def __init__(self, enum, choices) -> None:
        prefix = enum.Name(0).removesuffix("UNSPECIFIED")  # every contract enum's 0
        by_name = {member.name: member.value for member in choices}
        self.values = {
            number: by_name[name.removeprefix(prefix)]
            for name, number in enum.items()
            if number and name.removeprefix(prefix) in by_name
        }
        self.numbers = {value: number for number, value in self.values.items()}

    def number_of(self, value) -> int:
        """The contract's number of a registry value; 0 (UNSPECIFIED) for one it lacks."""
        return self.numbers.get(value, 0)


def enum_value(request: Message, name: str, enum: EnumMap, *, required: bool = False):
    """The registry's value of an enum field's number. UNSPECIFIED (0) is "not given"; a
    number the map does not know, a value of the contract the registry has no meaning
    for, is INVALID_ARGUMENT."""
    if not request.HasField(name) or getattr(request, name) == 0:
        if required:
            raise invalid(name, "This field is required.")
        return None
    number = getattr(request, name)
    if number not in enum.values:
        field = request.DESCRIPTOR.fields_by_name[name]
        known = ", ".join(
            value.name for value in field.enum_type.values if value.number in enum.values
        )
        raise invalid(name, f"{number} is not a value this registry accepts; one of {known}.")
    return enum.values[number]


def decimal_text(request: Message, name: str) -> str | None:
    """A double field as the decimal it was written as, its shortest round-trip form
    (0.1 is "0.1", not 0.1000000000000000055…), for a serializer's DecimalField; None
    when not sent."""
    return repr(getattr(request, name)) if request.HasField(name) else None


def double_of(value) -> float | None:
    """A decimal (or its text, as a cached answer holds it) as the contract's double."""
    return None if value is None else float(value)


def datetime_of(value: datetime | str | None) -> datetime | None:
    """A time of an answer: a datetime, or its ISO form as a cached (JSON) answer holds it."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _renamed(errors: dict, names: dict[str, str]) -> dict:
    """``errors`` by the request's field names; two fields one request field fed merge."""
    renamed = {}
    for field, reasons in errors.items():
        name = names.get(field, field)
        earlier = renamed.get(name)
        if isinstance(earlier, list) and isinstance(reasons, list):
            reasons = [*earlier, *reasons]
        renamed[name] = reasons
    return renamed


@contextmanager
def request_field_names(names: dict[str, str] | None = None):
    """The field errors raised inside name the request's fields: ``names`` maps a
    serializer's, filterset's or model's field to the request field it came from
    ({"api_url": "api_endpoint"}); one it does not name keeps its name. Both kinds of
    ValidationError: DRF's (a serializer's, a REST view's helper) and Django's (a
    service's or a model's normalize(), a filterset's). Every write wraps its
    serializer and service call in it, even where the names agree (``names`` None), so
    a field renamed later cannot leak a model's name."""
    names = names or {}
    try:
        yield
    except serializers.ValidationError as error:
        if isinstance(error.detail, dict):
            error.detail = _renamed(error.detail, names)
        raise
    except DjangoValidationError as error:
        if hasattr(error, "error_dict"):
            error.error_dict = _renamed(error.error_dict, names)
        raise


def validated(serializer_class, data: dict, **kwargs):
    """The REST endpoint's serializer, valid on ``data``: the same validation as REST
    (its errors name the serializer's fields: wrap in ``request_field_names``)."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer


def filtered(filterset_class, data: dict, queryset):
    """The REST list's filterset applied to ``queryset``: the same filters as REST. A
    value the filterset refuses is INVALID_ARGUMENT naming the filter (wrap in
    ``request_field_names``)."""
    filterset = filterset_class(data=data, queryset=queryset)
    if not filterset.is_valid():
        raise DjangoValidationError(dict(filterset.errors))
    return filterset.qs


# The most rows a list the contract gives no page token answers (5,000 deployments are
# about 1.5 MB, venue symbols ~250 bytes each: well within GRPC_MAX_MESSAGE_BYTES).
LIST_LIMIT = 5_000


def capped(rows, *, what: str, narrow: str, limit: int = LIST_LIMIT) -> list:
    """The rows of a list without paging (a queryset in its final order, or a list); more
    than ``limit`` is RESOURCE_EXHAUSTED, reason ``too_many_results``, saying how to
    ``narrow`` it ("narrow the list by venue_id")."""
    found = list(rows[: limit + 1])
    if len(found) > limit:
        raise RpcError(
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "too_many_results",
            f"More than {limit:,} {what} match: {narrow}.",
        )
    return found


def created(serializer_class, writes, data: dict, call, *, names: dict | None = None):
    """A create as REST's CreateMixin makes it: the serializer's validation, then the
    entity's ``Writes``; the new object's version in the ``etag`` trailer. Errors name
    the request's fields (``names``: model or serializer field -> request field)."""
    with request_field_names(names):
        serializer = validated(serializer_class, data)
        instance = writes.create(**serializer.validated_data)
    call.show_version(instance)
    return instance
