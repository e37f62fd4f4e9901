"""The contract every entity endpoint keeps, and what testing it needs to know.

The endpoints come from the running URLconf (config/urls.py joins the routers of each
app's ``api/urls.py``): every viewset route, by its router's basename. What a route
offers (list, retrieve, create, update, delete, extra actions), its model, its ordering
fields and its default order are read from its viewset, as DRF's router reads them.
``ENTITIES`` says, per route basename, only what cannot be derived: how to build a valid
object (with tests/factories.py), a valid create body and a valid change, the role that
writes it, and which of its extra actions write conditionally (``If-Match``).

tests/api/test_contract.py runs every generic case over every endpoint, the way
NetBox's ``APIViewTestCases`` run over its models; registering a route without an entry
here fails ``test_every_registered_endpoint_has_an_entity_entry``.
"""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.core.exceptions import FieldError
from django.db import DatabaseError, transaction
from django.db.models import F, Model
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework import serializers

from assets import services as asset_services
from assets.models import AssetGroupMember
from chains.models import Chain
from registry.models import OutboxEvent
from tests.factories import (
    AssetDeploymentFactory,
    AssetFactory,
    AssetGroupFactory,
    AssetIdentifierFactory,
    AssetQualityFlagFactory,
    AssetRelationshipFactory,
    ChainFactory,
    InstrumentFactory,
    MarketFactory,
    VenueAssetFactory,
    VenueFactory,
    VenueSymbolFactory,
    evm_address,
)

ROLES = ("viewer", "steward", "auditor")
WRITE_METHODS = ("post", "put", "patch", "delete")


@dataclass(frozen=True)
class ConditionalAction:
    """A detail action that writes its object only if ``If-Match`` names its version."""

    body: dict | None = None
    prepare: Callable[[Model], None] = lambda obj: None  # bring the object where it applies


@dataclass(frozen=True)
class Entity:
    """What the contract cannot derive from a route."""

    make: Callable[[], Model]  # a valid object the route lists (saved)
    create_body: Callable[[], dict] | None = None  # a valid POST body, fresh on each call
    change: dict | None = None  # a valid PATCH that changes a made object
    writer: str = "steward"  # the role that holds the add/change/delete permissions
    url_kwargs: dict = field(default_factory=dict)  # the list route's own path parameters
    detail_basename: str | None = None  # where a listed row's detail lives, if elsewhere
    conditional_actions: dict[str, ConditionalAction] = field(default_factory=dict)
    # Extra actions that write but take no If-Match: what they write has no version of
    # its own to name (a group's membership).
    unconditional_actions: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Operation:
    method: str
    url: str
    body: dict | None
    name: str  # the viewset method it reaches
    detail: bool  # names one object

    @property
    def writes(self) -> bool:
        return self.method in WRITE_METHODS

    def send(self, client, **headers):
        if self.method == "get":
            return client.get(self.url, **headers)
        return getattr(client, self.method)(self.url, self.body, format="json", **headers)

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.url} ({self.name})"


# --- how to build each entity -------------------------------------------------------------

CONTRACT_CHAIN = "contract-chain"


def contract_chain() -> Chain:
    return Chain.objects.filter(pk=CONTRACT_CHAIN).first() or ChainFactory(chain_id=CONTRACT_CHAIN)


def _soft_delete(asset) -> None:
    asset_services.asset_soft_delete(asset=asset)


def _chain_body() -> dict:
    n = uuid.uuid4().hex[:8]
    return {"chain_id": f"contract-{n}", "name": f"Contract {n}", "chain_type": "OTHER"}


def _deployment_body() -> dict:
    # A chain of its own, so the address is free.
    chain = ChainFactory()
    asset = AssetFactory()
    return {"asset": str(asset.asset_id), "chain": chain.chain_id, "address": evm_address(0xC0DE)}


ENTITIES: dict[str, Entity] = {
    "chain": Entity(make=ChainFactory, create_body=_chain_body, change={"name": "Renamed"}),
    "asset": Entity(
        make=AssetFactory,
        create_body=lambda: {"symbol": "NEW", "name": "New token", "asset_type": "ERC20"},
        change={"name": "Renamed"},
        conditional_actions={"restore": ConditionalAction(prepare=_soft_delete)},
    ),
    "assetdeployment": Entity(
        make=AssetDeploymentFactory, create_body=_deployment_body, change={"decimals": 9}
    ),
    "assetidentifier": Entity(
        make=AssetIdentifierFactory,
        create_body=lambda: {
            "asset": str(AssetFactory().asset_id),
            "source": "COINGECKO",
            "external_id": f"contract-{uuid.uuid4().hex[:8]}",
        },
    ),
    "assetrelationship": Entity(
        make=AssetRelationshipFactory,
        create_body=lambda: {
            "parent_asset": str(AssetFactory().asset_id),
            "child_asset": str(AssetFactory().asset_id),
            "relationship_type": "WRAPS",
        },
        change={"protocol": "contract"},
    ),
    "assetgroup": Entity(
        make=AssetGroupFactory,
        create_body=lambda: {
            "group_id": f"contract-{uuid.uuid4().hex[:8]}",
            "canonical_symbol": f"C{uuid.uuid4().hex[:8].upper()}",
        },
        change={"description": "Changed."},
        unconditional_actions=frozenset({"add_member", "remove_member"}),
    ),
    "chain-asset": Entity(
        make=lambda: AssetDeploymentFactory(chain=contract_chain()).asset,
        url_kwargs={"chain_id": CONTRACT_CHAIN},
        detail_basename="asset",
    ),
    "venue": Entity(
        make=VenueFactory,
        create_body=lambda: {
            "venue_id": f"contract-{uuid.uuid4().hex[:8]}",
            "name": "Contract venue",
            "venue_type": "CEX",
        },
        change={"name": "Renamed"},
    ),
    "venueasset": Entity(
        make=VenueAssetFactory,
        create_body=lambda: {
            "venue": VenueFactory().venue_id,
            "asset": str(AssetFactory().asset_id),
            "venue_asset_symbol": "CODE",
        },
        change={"trading_enabled": False},
    ),
    "venuesymbol": Entity(
        make=VenueSymbolFactory,
        create_body=lambda: {
            "venue": VenueFactory().venue_id,
            "symbol": "CONTRACTUSDT",
            "asset": str(AssetFactory().asset_id),
        },
        change={"is_active": False},
        conditional_actions={"delist": ConditionalAction(body={})},
    ),
    "instrument": Entity(
        make=InstrumentFactory,
        create_body=lambda: {
            "instrument_type": "SPOT",
            "underlying_asset_id": str(AssetFactory().asset_id),
            "quote_asset_id": str(AssetFactory().asset_id),
        },
        change={"metadata": {"note": "Changed."}},
    ),
    "market": Entity(
        make=MarketFactory,
        create_body=lambda: {
            "venue_id": VenueFactory().venue_id,
            "venue_symbol": "CONTRACTUSDT",
            "instrument_id": str(InstrumentFactory().instrument_id),
        },
        change={"tick_size": "0.01"},
        conditional_actions={"delist": ConditionalAction(body={})},
    ),
    "assetqualityflag": Entity(
        make=AssetQualityFlagFactory,
        create_body=lambda: {
            "asset": str(AssetFactory().asset_id),
            "flag_type": "EXPLOITED",
            "severity": 4,
            "reason": "Contract test.",
        },
        writer="auditor",
        conditional_actions={"resolve": ConditionalAction(body={"notes": "Done."})},
    ),
}


# --- what is derived from the route -------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    basename: str
    viewset: type

    def __str__(self) -> str:
        return self.basename

    @property
    def entity(self) -> Entity:
        return ENTITIES[self.basename]

    @property
    def model(self) -> type[Model]:
        queryset = getattr(self.viewset, "queryset", None)
        return queryset.model if queryset is not None else self.viewset.serializer_class.Meta.model

    @property
    def pk_name(self) -> str:
        return self.model._meta.pk.name

    def offers(self, action: str) -> bool:
        return hasattr(self.viewset, action)

    @property
    def ordering_fields(self) -> list[str]:
        return list(getattr(self.viewset, "ordering_fields", None) or [])

    def model_term(self, term: str) -> str:
        """An ordering term as the model's field (a view may show a field by another
        name: the venue-ticker list sorts by ``symbol``, the market's venue_symbol)."""
        names = getattr(self.viewset, "ordering_fields", None)
        name = term.lstrip("-")
        field = names[name] if isinstance(names, dict) else name
        return f"-{field}" if term.startswith("-") else field

    @property
    def default_ordering(self) -> list[str]:
        return list(getattr(self.viewset, "ordering", None) or [])

    @property
    def list_url(self) -> str:
        return reverse(f"{self.basename}-list", kwargs=self.entity.url_kwargs)

    def detail_url(self, pk) -> str:
        basename = self.entity.detail_basename or self.basename
        return reverse(f"{basename}-detail", kwargs={"pk": pk})

    @cached_property
    def extra_actions(self) -> list:
        return sorted(self.viewset.get_extra_actions(), key=lambda action: action.__name__)

    def action_url(self, action, pk=None) -> str:
        """The action's URL; path parameters of its own get a value that names nothing."""
        kwargs = {"pk": pk} if action.detail else {}
        kwargs.update({name: uuid.uuid4() for name in re.compile(action.url_path).groupindex})
        return reverse(f"{self.basename}-{action.url_name}", kwargs=kwargs)

    def write_action_names(self) -> set[str]:
        return {
            name
            for action in self.extra_actions
            for method, name in action.mapping.items()
            if method in WRITE_METHODS
        }

    def operations(self, obj=None, pk=None) -> list[Operation]:
        """Every operation the route offers, on ``obj`` (or on ``pk``) where it names one.
        Create bodies are built here: call it before taking a snapshot."""
        pk = obj.pk if obj is not None else pk
        operations = []
        if self.offers("list"):
            operations.append(Operation("get", self.list_url, None, "list", False))
        if self.offers("create"):
            body = self.entity.create_body()
            operations.append(Operation("post", self.list_url, body, "create", False))
        if pk is not None and self.offers("retrieve"):
            detail = self.detail_url(pk)
            operations.append(Operation("get", detail, None, "retrieve", True))
            if self.offers("update"):
                operations.append(Operation("put", detail, self.put_body(obj), "update", True))
            if self.offers("partial_update"):
                change = self.entity.change
                operations.append(Operation("patch", detail, change, "partial_update", True))
            if self.offers("destroy"):
                operations.append(Operation("delete", detail, None, "destroy", True))
        for action in self.extra_actions:
            if action.detail and pk is None:
                continue
            operations.extend(self._action_operations(action, pk))
        return operations

    def action_operation(self, name: str, pk) -> Operation:
        """The operation that reaches the viewset method ``name`` on ``pk``."""
        return next(
            operation
            for action in self.extra_actions
            for operation in self._action_operations(action, pk)
            if operation.name == name
        )

    def _action_operations(self, action, pk) -> list[Operation]:
        url = self.action_url(action, pk)
        operations = []
        for method, name in action.mapping.items():
            body = {} if method in WRITE_METHODS else None
            if name in self.entity.conditional_actions:
                body = self.entity.conditional_actions[name].body
            operations.append(Operation(method, url, body, name, action.detail))
        return operations

    def put_body(self, obj) -> dict | None:
        """A full update that applies the entity's change: the object as it is read, changed."""
        if obj is None:
            return self.entity.change
        return {**self.viewset.serializer_class(obj).data, **(self.entity.change or {})}

    def writable_fields(self) -> dict[str, serializers.Field]:
        fields = self.viewset.serializer_class().fields
        return {name: f for name, f in fields.items() if not f.read_only}

    def make_many(self, count: int) -> list[Model]:
        return [self.entity.make() for _ in range(count)]


def _url_patterns(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _url_patterns(pattern.url_patterns)
        else:
            yield pattern


def registered_endpoints() -> list[Endpoint]:
    """Every viewset route of the running URLconf, by the basename its router gave it
    (its list and detail routes are named ``<basename>-list`` and ``<basename>-detail``)."""
    found = {}
    for pattern in _url_patterns(get_resolver().url_patterns):
        callback = pattern.callback
        if not getattr(callback, "actions", None) or not pattern.name:
            continue  # not a viewset's route
        for suffix in ("-list", "-detail"):
            if pattern.name.endswith(suffix):
                basename = pattern.name.removesuffix(suffix)
                found.setdefault(basename, Endpoint(basename, callback.cls))
    return list(found.values())


ENDPOINTS = registered_endpoints()


def endpoints(*, offering: str | None = None, where=lambda endpoint: True) -> list[Endpoint]:
    return [
        endpoint
        for endpoint in ENDPOINTS
        if (offering is None or endpoint.offers(offering)) and where(endpoint)
    ]


def endpoint_params(items: list[Endpoint]) -> dict:
    return {"argvalues": items, "ids": [endpoint.basename for endpoint in items]}


# --- observing the database ---------------------------------------------------------------


def snapshot() -> dict[str, list[dict]]:
    """Every row of every model the API writes, and the outbox: "nothing was written"."""
    models = {endpoint.model for endpoint in ENDPOINTS} | {AssetGroupMember, OutboxEvent}
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values())
        for model in sorted(models, key=lambda model: model._meta.label)
    }


def version_of(obj) -> int:
    return type(obj)._base_manager.filter(pk=obj.pk).values_list("version", flat=True).get()


def written_by_someone_else(obj) -> int:
    """Another writer's change, as the version column sees it; returns the new version."""
    type(obj)._base_manager.filter(pk=obj.pk).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    return version_of(obj)


def tie(model: type[Model], pks: list, field_name: str) -> bool:
    """Give these rows the first one's value of the field, where the table allows it
    (not a key, not a generated column); whether it could."""
    rows = model._base_manager.filter(pk__in=pks)
    try:
        with transaction.atomic():
            value = rows.filter(pk=pks[0]).values_list(field_name, flat=True).get()
            rows.update(**{field_name: value})
    except (DatabaseError, FieldError):  # a unique key; a generated column
        return False
    return True


def unknown_pk(model: type[Model]):
    """A well-formed primary key that names no row."""
    pk = model._meta.pk
    if pk.get_internal_type() == "UUIDField":
        return uuid.uuid4()
    if pk.get_internal_type() in ("AutoField", "BigAutoField", "IntegerField", "BigIntegerField"):
        return 2**31 - 1
    return "no-such-object"


def wrong_value(serializer_field: serializers.Field):
    """A value of the wrong kind for the field: what any client may send by mistake."""
    if isinstance(serializer_field, serializers.ManyRelatedField):
        return [str(uuid.uuid4())]
    if isinstance(serializer_field, serializers.RelatedField):
        return str(unknown_pk(serializer_field.queryset.model))
    if isinstance(serializer_field, serializers.ChoiceField):
        return "NOT_A_CHOICE"
    if isinstance(serializer_field, serializers.BooleanField):
        return "maybe"
    if isinstance(serializer_field, serializers.IntegerField | serializers.DecimalField):
        return "abc"
    if isinstance(serializer_field, serializers.DateTimeField):
        return "not-a-moment"
    if isinstance(serializer_field, serializers.JSONField):
        return [1, 2]
    if isinstance(serializer_field, serializers.URLField):
        return "not a url"
    if isinstance(serializer_field, serializers.CharField):
        return "bad\x00value"
    raise AssertionError(f"No wrong value known for {type(serializer_field).__name__}")
