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
from django.db import transaction
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

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


def none_match(header: str, etag: str) -> bool:
    """Whether an If-None-Match header names ``etag``: RFC 9110's weak comparison (a W/
    prefix ignored), any tag of a list, or "*"."""
    if header.strip() == "*":
        return True
    return etag in (tag.strip().removeprefix("W/") for tag in header.split(","))


class RetrieveMixin:
    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
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
