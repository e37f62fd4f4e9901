"""Keyset pagination with an opaque ``page_token``.

A page ends with the values of its last row in the list's ordering (which always ends
with the primary key, so it is total); the next page starts strictly after them. Unlike
offsets, a row written between two requests can neither be skipped nor served twice,
and a deep page costs the same as the first. ``total_count`` counts the whole filtered
list.
"""

import base64
import binascii
import json
from collections import OrderedDict
from dataclasses import dataclass

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from registry.numbers import BIGINT_MAX, ascii_integer
from registry.text import unstorable_characters


def _encode(ordering: list[str], values: list) -> str:
    payload = json.dumps({"o": ordering, "k": values}, separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _decode(token: str) -> dict:
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: JSON nested thousands deep, which json gives up on (was a 500).
        raise ValidationError({"page_token": ["Not a page token this API issued."]}) from None
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("k"), list)
        or not all(_is_key_value(value) for value in payload["k"])
    ):
        raise ValidationError({"page_token": ["Not a page token this API issued."]})
    return payload


def _is_key_value(value) -> bool:
    """A value a token this API issued can hold: a column's, as _encode wrote it (text,
    an integer within a bigint, a boolean, null; decimals and times are text). Anything
    else was made up, and would be compared with a column as whatever the database makes
    of it (an object turned an asset list's page empty; a NUL is an error of the
    database)."""
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -BIGINT_MAX - 1 <= value <= BIGINT_MAX
    return isinstance(value, str) and not unstorable_characters(value)


def _after(ordering: list[str], values: list) -> Q:
    """Rows strictly after ``values`` in ``ordering``: (a > x) OR (a = x AND b > y) OR …"""
    condition = Q()
    for index, term in enumerate(ordering):
        field = term.lstrip("-")
        step = Q(**{f"{field}__{'lt' if term.startswith('-') else 'gt'}": values[index]})
        for previous, value in zip(ordering[:index], values[:index], strict=True):
            step &= Q(**{previous.lstrip("-"): value})
        condition |= step
    return condition


@dataclass(frozen=True)
class KeysetPage:
    rows: list
    next_page_token: str | None
    total_count: int


def keyset_page(queryset, ordering: list[str], page_size: int, token: str | None) -> KeysetPage:
    """One page of ``queryset`` in ``ordering`` (complete_ordering's: it ends with the
    primary key), after the row ``token`` names (None: the first page). What the REST
    lists answer, callable without a request (the gRPC lists answer the same)."""
    queryset = queryset.order_by(*ordering)
    total_count = queryset.count()
    if token:
        position = _decode(token)
        if position.get("o") != ordering or len(position["k"]) != len(ordering):
            raise ValidationError(
                {"page_token": ["The token belongs to a list with another ordering."]}
            )
        try:
            queryset = queryset.filter(_after(ordering, position["k"]))
            rows = list(queryset[: page_size + 1])
        except (DjangoValidationError, ValueError, TypeError):
            raise ValidationError({"page_token": ["Not a page token this API issued."]}) from None
    else:
        rows = list(queryset[: page_size + 1])
    next_page_token = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        last = rows[-1]
        values = [
            last[field] if isinstance(last, dict) else getattr(last, field)
            for field in (term.lstrip("-") for term in ordering)
        ]
        next_page_token = _encode(ordering, values)
    return KeysetPage(rows, next_page_token, total_count)


def complete_ordering(ordering, model) -> list[str]:
    """``ordering`` completed by the primary key, so that it is total."""
    ordering = list(ordering or [])
    pk_name = model._meta.pk.attname
    if not any(term.lstrip("-") in (pk_name, "pk") for term in ordering):
        ordering.append(pk_name)
    return ordering


class KeysetPagination(BasePagination):
    page_size = 50
    max_page_size = 1000
    page_size_query_param = "page_size"
    page_token_query_param = "page_token"

    def paginate_queryset(self, queryset, request, view=None):
        self.page_size = self._page_size(request)
        ordering = self._ordering(request, queryset, view)
        page = keyset_page(
            queryset,
            ordering,
            self.page_size,
            request.query_params.get(self.page_token_query_param),
        )
        self.total_count = page.total_count
        self.next_page_token = page.next_page_token
        return page.rows

    def get_paginated_response(self, data):
        return Response(
            OrderedDict(
                [
                    ("results", data),
                    ("next_page_token", self.next_page_token),
                    ("total_count", self.total_count),
                ]
            )
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results", "next_page_token", "total_count"],
            "properties": {
                "results": schema,
                "next_page_token": {
                    "type": "string",
                    "nullable": True,
                    "description": "Pass as page_token for the next page; null on the last page.",
                },
                "total_count": {"type": "integer", "description": "Rows in the whole list."},
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_size_query_param,
                "in": "query",
                "required": False,
                "description": f"Rows per page (default {self.page_size}, "
                f"at most {self.max_page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
            {
                "name": self.page_token_query_param,
                "in": "query",
                "required": False,
                "description": "The next_page_token of the previous page.",
                "schema": {"type": "string"},
            },
        ]

    def _page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = ascii_integer(raw, minimum=1, maximum=self.max_page_size)
        if size is None:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"Must be an integer from 1 to {self.max_page_size}."
                    ]
                }
            )
        return size

    @staticmethod
    def _ordering(request, queryset, view) -> list[str]:
        """The view's ordering (from ?ordering= or its default), completed by the primary key."""
        ordering: list[str] = []
        for backend in getattr(view, "filter_backends", []):
            if issubclass(backend, OrderingFilter):
                ordering = list(backend().get_ordering(request, queryset, view) or [])
        if not ordering:
            ordering = list(getattr(view, "ordering", None) or [])
        return complete_ordering(ordering, queryset.model)
