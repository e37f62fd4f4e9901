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
import threading

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


def repeated_parameter_errors(query, repeatable=frozenset()) -> dict[str, list[str]]:
    """{name: [reason]} for each parameter of ``query`` (a QueryDict) given more than once
    that is not one of ``repeatable``: ``?asset=A&asset=B`` would otherwise be read as
    ``B`` alone, and a pre-trade check of A and B answered for B is a wrong answer."""
    return {
        name: [f"Given {len(values)} times; this parameter takes one value."]
        for name, values in sorted(query.lists())
        if len(values) > 1 and name not in repeatable
    }


def unstorable_value_errors(values: dict[str, list[str]]) -> dict[str, list[str]]:
    """{name: [reason]} for each path or query value holding a character no field can
    store (NUL, a lone surrogate): refused by name here, not as the database's error."""
    errors = {}
    for name, items in values.items():
        found = [char for item in items for char in unstorable_characters(item)]
        if found:
            errors[name] = [f"Contains characters that cannot be stored: {', '.join(found)}."]
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


# drf-spectacular loads its extensions' target classes lazily and not thread-safely
# (one thread sets a class it could not import to None while another still reads its
# name): the first requests of a threaded server (runserver, the quick start) each
# introspecting at once answered 500. One introspection at a time.
_introspection = threading.Lock()


@functools.cache
def documented_query_parameters(callback, method: str) -> dict[str, bool]:
    """The query parameters openapi.yaml documents for the view ``callback`` (a URL
    pattern's view function) and ``method``, as drf-spectacular generates them: {name:
    whether it may be repeated} (an exploded array, such as ``?status=A&status=B``)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.plumbing import ComponentRegistry

    with _introspection:
        generator = SchemaGenerator()  # keeps the view's schema alive (a weak proxy)
        view = generator.create_view(callback, method)
        operation = view.schema.get_operation("", "", "", method, ComponentRegistry()) or {}
    return {
        parameter["name"]: parameter["schema"].get("type") == "array"
        and parameter.get("explode", True)
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
    }


class KnownQueryParametersMixin:
    """For DRF views: a query parameter the view's operation does not document, one
    given twice that the operation does not document as a list, or a path or query value
    no field can store, is a 400 naming it (after authentication, so an anonymous caller
    still gets the 401)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        handled = getattr(self, request.method.lower(), None) is not None
        if not handled or request.method == "OPTIONS" or request.resolver_match is None:
            return  # a 405 (or OPTIONS' metadata): no operation to hold the parameters to
        method = "GET" if request.method == "HEAD" else request.method
        documented = documented_query_parameters(request.resolver_match.func, method)
        accepted = {*documented, api_settings.URL_FORMAT_OVERRIDE}
        repeatable = {name for name, is_list in documented.items() if is_list}
        errors = (
            unknown_parameter_errors(request.query_params.keys(), accepted)
            or repeated_parameter_errors(request.query_params, repeatable)
            or unstorable_value_errors(
                {**dict(request.query_params.lists()), **{k: [str(v)] for k, v in kwargs.items()}}
            )
        )
        if errors:
            raise serializers.ValidationError(errors)
