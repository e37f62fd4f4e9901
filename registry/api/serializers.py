"""The base serializer of every entity.

Serializers check the *shape* of input (types, required fields, known choices); the
services own the rules. So the base drops DRF's uniqueness validators: a duplicate is
a conflict with existing data, which the service reports as a 409, not a 400.
"""

import functools
from collections.abc import Mapping
from decimal import Decimal

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from registry import timeline
from registry.filters import BOOLEAN_WORDS
from registry.numbers import ascii_integer, exact_normal, plain_decimal


@extend_schema_field({"type": "object", "additionalProperties": True})
class MetadataField(serializers.JSONField):
    """Free-form metadata: any JSON object (not a list, string or null)."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be a JSON object.")
        return value


class StrictIntegerField(serializers.IntegerField):
    """A whole number: a JSON integer, or ASCII digits in a string (``registry.numbers``).
    DRF's IntegerField reads ``"\u0666"`` (ARABIC-INDIC DIGIT SIX), full-width digits
    and ``"6.0"`` as 6; here they are refused, never read as something else."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            value = ascii_integer(data.strip())
        elif isinstance(data, int) and not isinstance(data, bool):
            value = data
        else:
            value = None
        if value is None:
            self.fail("invalid")
        return super().to_internal_value(value)


class StrictBooleanField(serializers.BooleanField):
    """true or false: a JSON boolean, or the words the filters take (``true``, ``false``
    in any case, ``1``, ``0``, as registry.filters.BOOLEAN_WORDS), never DRF's ``"yes"``,
    ``"on"`` or ``"y"``, and no number but 1 and 0."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if isinstance(data, int) and data in (0, 1):
            return bool(data)
        if isinstance(data, str) and data.strip().lower() in BOOLEAN_WORDS:
            return BOOLEAN_WORDS[data.strip().lower()]
        self.fail("invalid", input=data)


class KnownFieldsMixin:
    """A field the serializer does not have is a 400 naming it ("catgory" would have been
    dropped, and the asset written without what was meant). Read-only fields may be sent
    back (a client PUTs what it GOT) and are ignored, as the schema's readOnly says."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(str(name) for name in data if name not in self.fields)
            if unknown:
                writable = ", ".join(
                    name for name, field in self.fields.items() if not field.read_only
                )
                raise serializers.ValidationError(
                    {
                        name[:100]: [f"Unknown field; this operation takes: {writable}."]
                        for name in unknown
                    }
                )
        return super().to_internal_value(data)


class InstantField(serializers.DateTimeField):
    """A moment in a request body read as every ``as_of`` is (registry.timeline): RFC 3339
    with its zone, or a date; nothing before 1970. A time without a zone is refused, not
    guessed (UTC to one client, local time to another)."""

    def to_internal_value(self, value):
        try:
            return timeline.parse_instant(value, "value")
        except ValueError as error:
            raise serializers.ValidationError(str(error).removeprefix("value: ")) from None


class RegistryPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference by primary key that refuses a NUL character before it reaches the database."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", pk_value=data.replace("\x00", "\\x00"))
        return super().to_internal_value(data)


class StrictTextMixin:
    """Text only from a JSON string: DRF's CharField also takes a number (description: 0
    was stored as "0"), which the schema, a string, says a client may not send."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@functools.cache
def strict_text_field(field_class: type) -> type:
    """``field_class`` (CharField, URLField, SlugField …) refusing anything but a string."""
    return type(f"Strict{field_class.__name__}", (StrictTextMixin, field_class), {})


class RegistryModelSerializer(KnownFieldsMixin, serializers.ModelSerializer):
    """Also enforces ``Meta.create_only_fields``: set on create, refused on update; and
    names the allowed values when a choice is wrong."""

    # (Not in the docstring: the schema shows it as the description of every serializer
    # without its own.) Fields it does not have are refused (KnownFieldsMixin); integers
    # and booleans are read strictly.

    serializer_related_field = RegistryPrimaryKeyRelatedField
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.JSONField: MetadataField,
        **dict.fromkeys(
            (
                models.IntegerField,
                models.BigIntegerField,
                models.SmallIntegerField,
                models.PositiveIntegerField,
                models.PositiveSmallIntegerField,
                models.PositiveBigIntegerField,
            ),
            StrictIntegerField,
        ),
        models.BooleanField: StrictBooleanField,
    }

    def get_validators(self):
        return []

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if issubclass(field_class, serializers.CharField):
            field_class = strict_text_field(field_class)
        kwargs["validators"] = [
            validator
            for validator in kwargs.get("validators", [])
            if not isinstance(validator, UniqueValidator)
        ]
        if "choices" in kwargs:  # a wrong choice is answered with the choices there are
            values = ", ".join(str(value) for value, _ in kwargs["choices"])
            kwargs["error_messages"] = {
                **kwargs.get("error_messages", {}),
                "invalid_choice": f'"{{input}}" is not one of: {values}.',
            }
        return field_class, kwargs

    def validate(self, attrs):
        if self.instance is not None:
            frozen = {
                name: "Cannot be changed after creation."
                for name in getattr(self.Meta, "create_only_fields", ())
                if name in attrs and attrs[name] != getattr(self.instance, name)
            }
            if frozen:
                raise serializers.ValidationError(frozen)
        return attrs


class ExactDecimalField(serializers.DecimalField):
    """A decimal as a string both ways: written as people write it ("0.01", never
    "0.010000000000000000" or "1E-8"), every digit kept, read from a string of ASCII
    characters or a JSON integer. A JSON
    number with a fraction or an exponent is refused: the JSON parser reads it as a
    binary float, which may have lost digits before it gets here."""

    default_error_messages = {
        "float": 'Send a decimal as a string ("0.01"): a JSON number with a fraction or '
        "an exponent is read as a binary float and may lose digits.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, float | bool):
            self.fail("float" if isinstance(data, float) else "invalid")
        if isinstance(data, str) and not data.isascii():
            # Decimal() reads other scripts' digits ("\u0661" is 1): a misread, as
            # registry.numbers refuses them in whole numbers.
            self.fail("invalid")
        return super().to_internal_value(data)

    def validate_precision(self, value):
        # Trailing zeros are not precision: "0.000000000000000001000" is 1E-18 and fits
        # 18 places, as "0.10" fits 1.
        super().validate_precision(exact_normal(value))
        return value

    def to_representation(self, value):
        # DRF's normalize_output rounds to 28 digits; the columns hold 38.
        quantized = super().to_representation(value)  # every decimal place, exactly
        return None if quantized is None else plain_decimal(Decimal(quantized))
