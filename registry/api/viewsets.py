"""The base viewsets and mixins of every entity endpoint.

An entity's viewset is its queryset, serializer, filterset, ordering and ``writes`` (the
``registry.services.Writes`` its app declares), on one of two bases:
``RegistryModelViewSet`` (create, retrieve, list, update, delete) or
``RegistryCreateReadViewSet`` (create, retrieve, list) plus ``UpdateMixin`` or
``DestroyMixin`` for the one write more it offers. This module adds what every one of
them shares: permissions, filtering, keyset pagination, query parameters refused
unless documented, and versions as HTTP validators (``ETag`` on reads; ``If-Match`` on
writes becomes the service's ``expected_version``, checked by one conditional UPDATE).
"""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from registry import timeline
from registry.actors import actor_id
from registry.api.ordering import RegistryOrderingFilter
from registry.api.pagination import KeysetPagination
from registry.api.params import KnownQueryParametersMixin
from registry.api.permissions import RegistryModelPermissions
from registry.exceptions import StaleVersionError
from registry.numbers import ascii_integer
from registry.replicas import read_on_replica
from registry.services import Writes, lock_and_reload


def required_query_params(request, *names: str) -> dict[str, str]:
    """The named query parameters, trimmed; a 400 naming each one that is missing."""
    values = {name: request.query_params.get(name, "").strip() for name in names}
    missing = {name: ["This parameter is required."] for name, value in values.items() if not value}
    if missing:
        raise serializers.ValidationError(missing)
    return values


# registry.models' version column is a PostgreSQL integer.
VERSION_MAX = 2**31 - 1


def etag_of(instance) -> str:
    return f'"{instance.version}"'


class RegistryViewSet(KnownQueryParametersMixin, viewsets.GenericViewSet):
    """Writes go through the services of the entity's ``writes`` declaration (a
    ``registry.services.Writes`` from its app's ``services.py``)."""

    permission_classes = [RegistryModelPermissions]
    filter_backends = [DjangoFilterBackend, RegistryOrderingFilter]
    pagination_class = KeysetPagination
    writes: Writes | None = None
    # Actions whose reads a PostgreSQL replica may answer (registry/replicas.py).
    replica_actions = frozenset({"list", "retrieve"})

    def initial(self, request, *args, **kwargs):
        """Once the request is authenticated, allowed and throttled (on the primary), a
        replica action's handler, whatever the viewset made of it, reads through
        ``read_on_replica``: a replica at most DATABASE_REPLICA_MAX_LAG_SECONDS behind,
        or the primary after a write in the same request."""
        super().initial(request, *args, **kwargs)
        if any("\x00" in str(value) for value in kwargs.values()):
            # No id holds a NUL (PostgreSQL cannot store one): no such object.
            raise NotFound()
        method = request.method.lower()
        if (
            settings.DATABASE_REPLICA_ALIASES
            and self.action in self.replica_actions
            and hasattr(self, method)
        ):
            handler = getattr(self, method)
            setattr(
                self,
                method,
                lambda *args, **kwargs: read_on_replica(lambda: handler(*args, **kwargs)),
            )

    @property
    def actor(self) -> str:
        return actor_id(self.request.user)

    def expected_version(self) -> int | None:
        """The version named by ``If-Match``, or None when the write is unconditional."""
        header = self.request.headers.get("If-Match", "").strip()
        if not header or header == "*":
            return None
        version = ascii_integer(
            header.removeprefix("W/").strip('"'), minimum=1, maximum=VERSION_MAX
        )
        if version is None:
            raise StaleVersionError(
                'If-Match names no version of this object; send its ETag, e.g. "3".'
            )
        return version

    def versioned_response(self, instance, data, status_code=status.HTTP_200_OK) -> Response:
        return Response(data, status=status_code, headers={"ETag": etag_of(instance)})


OBJECT_TIME_PARAMETERS = [
    OpenApiParameter(
        "as_of",
        str,
        description="The object as it was at this time (RFC 3339 with its zone, or a date): "
        'its fields as recorded by then (docs/API.md, "Point in time").',
    ),
    OpenApiParameter(
        "known_at",
        str,
        description="As the registry held it at this time (not in the future).",
    ),
]


def moment_of_query(request) -> timeline.Moment | None:
    """The ``as_of`` and ``known_at`` of a read; a 400 naming the one that cannot be read."""
    try:
        return timeline.moment_of(request.query_params)
    except ValueError as error:
        name, _, reason = str(error).partition(": ")
        raise serializers.ValidationError({name: [reason]}) from None


class ObjectAtMixin:
    """``GET …/{id}/?as_of=…``: the object as it was then, from its history
    (registry.timeline.state_at: its fields as recorded by ``as_of``, as the registry held
    them at ``known_at``). One deleted by then is a 404, as is one the registry had not
    recorded by ``known_at``; one recorded after ``as_of`` answers with the first values
    recorded, as the lookups do. ``complete_at(instance, moment)``: a viewset whose
    object shows lists of other rows (an asset's deployments) fills them in as of the
    moment too."""

    def get_object_at(self, moment: timeline.Moment):
        lookup_field = self.lookup_url_kwarg or self.lookup_field
        try:
            instance = timeline.object_at(
                self.get_queryset().model, moment, **{self.lookup_field: self.kwargs[lookup_field]}
            )
        except (ValueError, DjangoValidationError):
            instance = None  # not an id of this model
        if instance is None:
            raise NotFound(f"No such object {moment.in_words()}.")
        self.check_object_permissions(self.request, instance)
        self.complete_at(instance, moment)
        return instance

    def complete_at(self, instance, moment: timeline.Moment) -> None:
        """Nothing to add for an object that shows no lists of other rows."""


def none_match(header: str, etag: str) -> bool:
    """Whether an If-None-Match header names ``etag``: RFC 9110's weak comparison (a W/
    prefix ignored), any tag of a list, or "*"."""
    if header.strip() == "*":
        return True
    return etag in (tag.strip().removeprefix("W/") for tag in header.split(","))


class RetrieveMixin(ObjectAtMixin):
    @extend_schema(parameters=OBJECT_TIME_PARAMETERS)
    def retrieve(self, request, *args, **kwargs):
        moment = moment_of_query(request)
        instance = self.get_object() if moment is None else self.get_object_at(moment)
        if none_match(request.headers.get("If-None-Match", ""), etag_of(instance)):
            return Response(
                status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag_of(instance)}
            )
        return self.versioned_response(instance, self.get_serializer(instance).data)


class CreateMixin(mixins.CreateModelMixin):
    def perform_create(self, serializer):
        serializer.instance = self.writes.create(**serializer.validated_data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        instance = serializer.instance
        return self.versioned_response(instance, serializer.data, status.HTTP_201_CREATED)


class UpdateMixin:
    """PUT and PATCH; both honour If-Match. PUT needs every required field."""

    def update(self, request, *args, partial=False, **kwargs):
        with transaction.atomic():
            instance = self.get_object()
            if self.expected_version() is None:
                # Unconditional: the change applies to the row as it is now, so a write
                # committed since get_object() read it is no reason for a 412.
                lock_and_reload(instance)
            serializer = self.get_serializer(instance, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            self.perform_update(serializer)
        return self.versioned_response(
            serializer.instance, self.get_serializer(serializer.instance).data
        )

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def perform_update(self, serializer):
        self.writes.update_of(
            serializer.instance,
            changes=serializer.validated_data,
            expected_version=self.expected_version(),
        )


class DestroyMixin(mixins.DestroyModelMixin):
    def perform_destroy(self, instance):
        self.writes.delete_of(instance, expected_version=self.expected_version())


class RegistryCreateReadViewSet(RetrieveMixin, CreateMixin, mixins.ListModelMixin, RegistryViewSet):
    """Create, retrieve and list: what every entity endpoint offers. An entity that is
    also changed or removed over the API adds ``UpdateMixin`` or ``DestroyMixin``."""


class RegistryModelViewSet(UpdateMixin, DestroyMixin, RegistryCreateReadViewSet):
    """Create, retrieve, list, update (PUT, PATCH) and delete."""


def documentation_excludes() -> list[type]:
    """drf-spectacular's ``GET_LIB_DOC_EXCLUDES``: classes whose docstrings are no
    endpoint's description. DRF's, and the bases above: their docstrings are about the
    code, so an entity viewset without one of its own keeps an empty description."""
    from drf_spectacular.plumbing import get_lib_doc_excludes

    return [
        *get_lib_doc_excludes(),
        RegistryViewSet,
        RetrieveMixin,
        CreateMixin,
        UpdateMixin,
        DestroyMixin,
        RegistryCreateReadViewSet,
        RegistryModelViewSet,
    ]
