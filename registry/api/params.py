"""What a request may say in its query string, and how its numbers are read.

Every endpoint takes exactly the query parameters its OpenAPI operation documents
(plus DRF's ``format``): a misspelt filter must not be ignored, for a trading system
would take the unfiltered answer for the filtered one. The documented parameters of a
DRF view come from the same drf-spectacular introspection that writes openapi.yaml
(filterset, ordering, pagination, ``extend_schema`` parameters), so what is documented
and what is accepted cannot drift apart.

Numbers in headers and parameters are read by ``registry.numbers.ascii_integer``.
"""

import functools

from rest_framework import serializers
from rest_framework.settings import api_settings

from registry.numbers import BIGINT_MAX, ascii_integer
from registry.text import unstorable_characters


class QueryIntegerField(serializers.IntegerField):
    """An integer query parameter, read by ``ascii_integer`` within ``min_value`` and
    ``max_value``."""

    def to_internal_value(self, data):
        minimum = -BIGINT_MAX if self.min_value is None else self.min_value
        maximum = BIGINT_MAX if self.max_value is None else self.max_value
        value = None
        if isinstance(data, str):
            value = ascii_integer(data, minimum=minimum, maximum=maximum)
        if value is None:
            raise serializers.ValidationError(
                f"Must be a whole number from {minimum} to {maximum}, in ASCII digits."
            )
        return value


def unknown_parameter_errors(names, accepted) -> dict[str, list[str]]:
    """{name: [reason]} for each of ``names`` not in ``accepted``; empty when all are known."""
    unknown = sorted(set(names) - set(accepted))
    if not unknown:
        return {}
    known = ", ".join(sorted(accepted)) or "none"
    return {name: [f"Unknown parameter; this endpoint takes: {known}."] for name in unknown}


def malformed_parameter_errors(query_params, repeatable=frozenset()) -> dict[str, list[str]]:
    """{name: [reason]} for each parameter of ``query_params`` (a QueryDict) given more
    than once where the operation takes one value (``symbol=BTC&symbol=ETH`` would be
    answered for one of them, silently), or holding a character no text can (NUL:
    PostgreSQL refuses it, which was a 400 about "a value out of range")."""
    errors = {}
    for name, values in query_params.lists():
        if len(values) > 1 and name not in repeatable:
            errors[name] = [f"Given {len(values)} times; this parameter takes one value."]
            continue
        for value in values:
            unstorable = unstorable_characters(value)
            if unstorable:
                errors[name] = [f"Contains characters no text may hold: {', '.join(unstorable)}."]
                break
    return errors


def choice_param(
    request, name: str, choices, default: str | None = None, *, any_case: bool = False
) -> str:
    """A query parameter that must be one of ``choices`` (in upper case, when
    ``any_case``); a 400 listing them otherwise."""
    value = request.query_params.get(name, "").strip() or default
    if any_case and value is not None:
        value = value.upper()
    if value not in choices:
        shown = "(empty)" if value is None else repr(value)
        raise serializers.ValidationError({name: [f"{shown} is not one of: {', '.join(choices)}."]})
    return value


def _documented_query_parameters(callback, method: str) -> list[dict]:
    """The query parameters openapi.yaml documents for the view ``callback`` (a URL
    pattern's view function) and ``method``, as drf-spectacular generates them."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.plumbing import ComponentRegistry

    generator = SchemaGenerator()  # keeps the view's schema alive (a weak proxy)
    view = generator.create_view(callback, method)
    operation = view.schema.get_operation("", "", "", method, ComponentRegistry()) or {}
    return [
        parameter for parameter in operation.get("parameters", []) if parameter["in"] == "query"
    ]


@functools.cache
def documented_query_parameters(callback, method: str) -> frozenset[str]:
    """The names of the query parameters the operation documents."""
    return frozenset(
        parameter["name"] for parameter in _documented_query_parameters(callback, method)
    )


@functools.cache
def repeatable_query_parameters(callback, method: str) -> frozenset[str]:
    """The documented parameters that take several values, each given on its own
    (``?status=TRADING&status=HALTED``: an array, exploded)."""
    return frozenset(
        parameter["name"]
        for parameter in _documented_query_parameters(callback, method)
        if parameter["schema"].get("type") == "array" and parameter.get("explode", True)
    )


class KnownQueryParametersMixin:
    """For DRF views: a query parameter the view's operation does not document, one
    given twice that takes one value, or one holding a NUL, is a 400 naming it (after
    authentication, so an anonymous caller still gets the 401)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        handled = getattr(self, request.method.lower(), None) is not None
        if not handled or request.method == "OPTIONS" or request.resolver_match is None:
            return  # a 405 (or OPTIONS' metadata): no operation to hold the parameters to
        method = "GET" if request.method == "HEAD" else request.method
        accepted = documented_query_parameters(request.resolver_match.func, method) | {
            api_settings.URL_FORMAT_OVERRIDE
        }
        errors = unknown_parameter_errors(
            request.query_params.keys(), accepted
        ) or malformed_parameter_errors(
            request.query_params, repeatable_query_parameters(request.resolver_match.func, method)
        )
        if errors:
            raise serializers.ValidationError(errors)
