"""Filters shared by the apps' FilterSets, and their base FilterSet.

Every filter reads its value strictly and refuses what it cannot read with a 400 that
says what it takes: django-filter's defaults read ``?active_only=1`` as "unknown" and
ignore it (the select widget of a null boolean takes 2 and 3 for yes and no), and take
``?network_id=1.5`` as 1.
"""

from datetime import UTC

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from drf_spectacular.utils import extend_schema_field

from registry.numbers import ascii_integer
from registry.timeline import FORMAT_HINT, parse_instant

BOOLEAN_WORDS = {"true": True, "1": True, "false": False, "0": False}


class StrictBooleanField(forms.Field):
    """true or false (any letter case), 1 or 0; anything else is an error, not "unknown"."""

    widget = forms.TextInput
    default_error_messages = {"invalid": "Must be true or false (or 1 or 0), not %(value)s."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return BOOLEAN_WORDS[str(value).lower()]
        except KeyError:
            raise ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": repr(value)}
            ) from None


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class StrictIntegerField(forms.IntegerField):
    """ASCII digits (and a '-') within the field's bounds and PostgreSQL's bigint."""

    default_error_messages = {"invalid": "Must be a whole number in ASCII digits."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = ascii_integer(str(value))
        if number is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class IntegerFilter(django_filters.Filter):
    """A whole number; ``min_value`` and ``max_value`` bound it, in the schema too (a
    client generated from it, or schemathesis, sends nothing the filter refuses). (A
    ``method`` filter annotates its ``value: int`` for the schema.)"""

    field_class = StrictIntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bounds = {
            name: self.extra[key]
            for name, key in (("minimum", "min_value"), ("maximum", "max_value"))
            if self.extra.get(key) is not None
        }
        if bounds:
            help_text = self.extra.get("help_text")
            description = {"description": str(help_text)} if help_text else {}
            extend_schema_field({"type": "integer", **bounds, **description})(self)


class InstantField(forms.Field):
    """A moment as every ``as_of`` reads it (registry.timeline.parse_instant): RFC 3339
    with its zone, or a date."""

    widget = forms.TextInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_instant(value, "value")
        except ValueError as error:
            raise ValidationError(str(error).removeprefix("value: "), code="invalid") from None


class InstantFilter(django_filters.Filter):
    """A point in time (``as_of``), read as the hot lookups read it; with a ``method``.
    Its schema says what it filters (the filter's help text) and the form it takes."""

    field_class = InstantField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        help_text = self.extra.get("help_text", "")
        extend_schema_field(
            {"type": "string", "description": f"{help_text} A moment: {FORMAT_HINT}.".strip()}
        )(self)


class UTCDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date-time, compared in UTC.

    Python accepts UTC offsets up to ±24 h, PostgreSQL only up to ±15:59; converting
    first makes every offset Python parses a valid query.
    """

    def filter(self, qs, value):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return super().filter(qs, value)


_INTEGER_FIELDS = (
    models.SmallIntegerField,
    models.IntegerField,
    models.BigIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
    models.AutoField,
    models.BigAutoField,
)


class RegistryFilterSet(django_filters.FilterSet):
    """The base FilterSet of the API: strict booleans and whole numbers for the model's
    fields, and a wrong choice answered with the choices there are."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
        **{field: {"filter_class": IntegerFilter} for field in _INTEGER_FIELDS},
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for filter_ in self.filters.values():
            field = filter_.field  # the filter's own copy (FilterSet deep-copies them)
            if isinstance(field, forms.ChoiceField) and not isinstance(
                field, forms.ModelChoiceField
            ):
                values = ", ".join(str(value) for value, _ in field.choices if value != "")
                field.error_messages = {
                    **field.error_messages,
                    "invalid_choice": f"%(value)s is not one of: {values}.",
                }
