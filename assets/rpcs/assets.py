"""Assets, their deployments and CreateChain, as methods of the AssetRegistry service
(docs/GRPC.md). Each calls what its REST twin calls: the serializer (validation), the
filterset, the QuerySet method, the service of ``services.*_WRITES`` and, for a
deployment by address, the hot-path cache.

Methods: CreateAsset, GetAsset, UpdateAsset, DeleteAsset, ListAssets, SearchAssets;
CreateAssetDeployment, GetAssetDeployment, ListAssetDeployments; CreateChain.

Conventions:

- ``asset_type`` maps by name (ASSET_TYPE_ERC20 is ERC20). FIAT, which the contract's
  enum lacks, is answered as ASSET_TYPE_UNSPECIFIED with metadata["cqar_asset_type"]
  = "FIAT", as the events send it; no request can name it (UNSPECIFIED is "not given"),
  so a fiat currency is neither created nor filtered for here.
- UpdateAsset changes exactly the fields the request carries (explicit presence: a
  PATCH); an ``asset_type`` of UNSPECIFIED keeps the type, so an answer sent back
  unchanged changes nothing, a fiat asset's included. DeleteAsset is REST's delete, a
  soft delete (``success`` true; restored over REST). Both honour ``if-match``.
- ListAssets: REST's list. ``page_size`` 1 to 1,000, 50 when not sent (0 is out of
  range, as REST's ``page_size=0``); ``page_token`` is REST's keyset token (either
  interface continues the other's list); ``total_count`` is exact, counted as REST
  counts it. A ``category`` sent empty is refused rather than read as "any".
- SearchAssets: REST's search (the same ranking: exact symbol or address, symbol
  prefix, name); ``limit`` as ``page_size``; an empty ``query`` is INVALID_ARGUMENT.
- CreateAssetDeployment: ``contract_address`` "native" (what the answers show for a
  native deployment without an address) with ``is_native`` means no address.
- GetAssetDeployment: ``deployment_id`` is the deployment's UUID, or
  ``<chain_id>:<address>`` (EVM addresses in any letter case), or its CAIP-19 id
  (``eip155:1/erc20:0xa0b8…``, chains.caip: a malformed one is INVALID_ARGUMENT naming
  deployment_id, one of no registered chain NOT_FOUND), the hot lookup answered
  from the cache as /api/v1/resolve/deployment/ is (the caller and the answer in one
  Redis read when both are there); both forms answer the same message and ``etag``. A
  miss is NOT_FOUND, unless the address cannot be one on that chain (INVALID_ARGUMENT
  naming deployment_id) or there is no such chain: the chain is read from PostgreSQL
  on a miss only. The method is not a replica read as a whole: an answer the cache
  keeps must be loaded from a caught-up replica (registry.cache sees to it), which an
  outer replica scope would override; the id form reads a replica itself.
- ListAssetDeployments: REST's list of deployments of live assets, by ``asset_id`` and
  ``chain_id``, in REST's order; the contract has no page token, so a list of more
  than fields.LIST_LIMIT is RESOURCE_EXHAUSTED (page it over REST).
- CreateChain: the chain's ``chain_id`` (its slug) is made from ``name`` by the
  registry's one rule (registry.text.slug_of: "Arbitrum One" is arbitrum-one,
  "Crypto.com" crypto-com, at most 64 characters); the request's int64 ``chain_id`` is
  our ``network_id`` and ``block_explorer_url`` our ``explorer_url``; ``chain_type`` in
  any letter case. A chain with that slug or network id exists: ALREADY_EXISTS.
  ``native_asset_symbol`` names the native asset: the one live asset with that symbol
  (of several, the one whose type is NATIVE); several and no single NATIVE one is
  INVALID_ARGUMENT naming them; none leaves the chain without a native asset and keeps
  the symbol in its metadata["cqar_native_asset_symbol"].
- Every write's errors name the request's fields, whether the serializer or the
  service refuses them (fields.request_field_names).
"""

import uuid

import orjson
from django.core.exceptions import ValidationError
from django.db import transaction

from assets import services
from assets.api.serializers import AssetDeploymentSerializer, AssetSerializer
from assets.api.views import AssetDeploymentViewSet, AssetViewSet
from assets.choices import AssetType
from assets.events import NATIVE_ADDRESS, asset_message, deployment_message
from assets.filtersets import AssetDeploymentFilterSet, AssetFilterSet
from assets.models import Asset, AssetDeployment
from assets.names import call_as_then
from chains.api.serializers import ChainSerializer
from chains.choices import CAIP2_NAMESPACES
from chains.events import chain_message
from chains.models import Chain
from chains.services import CHAIN_WRITES
from registry import cache
from registry.api.pagination import KeysetPagination, complete_ordering, keyset_page
from registry.cache import NotFound
from registry.grpc.calls import answers_for_a_moment, register_rpc
from registry.grpc.errors import invalid, not_found
from registry.grpc.fields import (
    EnumMap,
    capped,
    created,
    datetime_of,
    enum_value,
    filtered,
    object_then,
    optional_text,
    optional_uuid,
    request_field_names,
    required_text,
    required_uuid,
    slug_id,
    validated,
)
from registry.pb.cqc.assets.v1 import assets_pb2
from registry.pb.cqc.services.v1 import asset_registry_pb2 as service
from registry.replicas import read_on_replica
from registry.services import lock_and_reload

# By name (ASSET_TYPE_ERC20 is ERC20), for the types both know (all but FIAT).
ASSET_TYPES = EnumMap(assets_pb2.AssetType, AssetType)

# Request fields of an asset: the REST serializer's and the model's names too.
ASSET_FIELDS = ("symbol", "name", "category", "description", "logo_url", "website_url")

# Request fields of a deployment -> the REST serializer's (errors are renamed back).
DEPLOYMENT_FIELDS = {
    "asset_id": "asset",
    "chain_id": "chain",
    "contract_address": "address",
    "decimals": "decimals",
    "is_native": "is_native",
}
DEPLOYMENT_NAMES = {rest: name for name, rest in DEPLOYMENT_FIELDS.items()}

CHAIN_FIELDS = {  # the REST serializer's -> the request's
    "chain_id": "name",  # the slug is made from the name
    "network_id": "chain_id",
    "explorer_url": "block_explorer_url",
    "native_asset": "native_asset_symbol",
}


def sent(request, names) -> dict:
    """The fields the request carries, by name."""
    return {name: getattr(request, name) for name in names if request.HasField(name)}


def count_of(request, name: str) -> int:
    """page_size or limit: as REST's page_size, 1 to its maximum, its default if not sent."""
    default, maximum = KeysetPagination.page_size, KeysetPagination.max_page_size
    if not request.HasField(name):
        return default
    value = getattr(request, name)
    if not 1 <= value <= maximum:
        raise invalid(name, f"Must be an integer from 1 to {maximum}; leave it out for {default}.")
    return value


def live_asset(request) -> Asset:
    asset_id = required_uuid(request, "asset_id")
    asset = Asset.objects.filter(pk=asset_id).first()
    if asset is None:
        raise not_found(f"No live asset {asset_id}.")  # REST's 404: reason not_found
    return asset


# --- assets ------------------------------------------------------------------------------


def asset_data(request) -> dict:
    data = sent(request, ASSET_FIELDS)
    asset_type = enum_value(request, "asset_type", ASSET_TYPES)
    if asset_type is not None:
        data["asset_type"] = asset_type
    return data


def create_asset(request, call):
    asset = created(AssetSerializer, services.ASSET_WRITES, asset_data(request), call)
    return service.CreateAssetResponse(asset=asset_message(asset))


@answers_for_a_moment
def get_asset(request, call):
    moment = call.moment()
    if moment is not None:
        asset = object_then(Asset, moment, "live asset", required_uuid(request, "asset_id"))
        call_as_then(asset, moment)
    else:
        asset = live_asset(request)
    call.show_version(asset)
    return service.GetAssetResponse(asset=asset_message(asset))


def update_asset(request, call):
    asset = live_asset(request)
    with transaction.atomic(), request_field_names():
        if call.expected_version() is None:  # unconditional, as REST's (UpdateMixin)
            lock_and_reload(asset)
        serializer = validated(AssetSerializer, asset_data(request), instance=asset, partial=True)
        services.ASSET_WRITES.update_of(
            asset, changes=serializer.validated_data, expected_version=call.expected_version()
        )
    call.show_version(asset)
    return service.UpdateAssetResponse(asset=asset_message(asset))


def delete_asset(request, call):
    asset = live_asset(request)
    with request_field_names():
        services.ASSET_WRITES.delete_of(asset, expected_version=call.expected_version())
    return service.DeleteAssetResponse(success=True)


def list_assets(request, call):
    page_size = count_of(request, "page_size")
    data = {}
    asset_type = enum_value(request, "asset_type", ASSET_TYPES)
    if asset_type is not None:
        data["asset_type"] = [asset_type]
    category = optional_text(request, "category")
    if category == "":
        raise invalid("category", "Give a category, or leave the field out for every one.")
    if category is not None:
        data["category"] = category
    assets = filtered(AssetFilterSet, data, Asset.objects.all())
    page = keyset_page(
        assets,
        complete_ordering(AssetViewSet.ordering, Asset),
        page_size,
        optional_text(request, "page_token") or None,
    )
    return service.ListAssetsResponse(
        assets=[asset_message(asset) for asset in page.rows],
        next_page_token=page.next_page_token,
        total_count=page.total_count,
    )


def search_assets(request, call):
    term = required_text(request, "query")
    if "\x00" in term:
        raise invalid("query", "Must not contain NUL characters.")
    limit = count_of(request, "limit")
    ordering = complete_ordering(AssetViewSet.search.kwargs["ordering"], Asset)
    assets = Asset.objects.search(term).order_by(*ordering)[:limit]
    return service.SearchAssetsResponse(assets=[asset_message(asset) for asset in assets])


# --- deployments -------------------------------------------------------------------------


def create_asset_deployment(request, call):
    data = {
        DEPLOYMENT_FIELDS[name]: value for name, value in sent(request, DEPLOYMENT_FIELDS).items()
    }
    if data.get("is_native") and data.get("address", "").strip().lower() == NATIVE_ADDRESS:
        data["address"] = ""
    deployment = created(
        AssetDeploymentSerializer, services.DEPLOYMENT_WRITES, data, call, names=DEPLOYMENT_NAMES
    )
    return service.CreateAssetDeploymentResponse(deployment=deployment_message(deployment))


@answers_for_a_moment
def get_asset_deployment(request, call):
    deployment_id = required_text(request, "deployment_id")
    chain_id, _, address = deployment_id.partition(":")
    moment = call.moment()
    if is_caip19(deployment_id) or (address and address.lower() != NATIVE_ADDRESS):
        deployment, caip19 = deployment_at_address(request, call)
    elif moment is not None and not address:
        deployment = object_then(
            AssetDeployment, moment, "deployment", _deployment_uuid(deployment_id)
        )
        deployment.chain = object_then(Chain, moment, "chain", deployment.chain_id)
        caip19 = deployment.caip19
    elif moment is not None:
        raise invalid("as-of", "a native deployment is asked for the present only; ask by id.")
    else:
        if address:  # the address the answers give a native token
            deployment = read_on_replica(lambda: native_deployment(chain_id))
        else:
            deployment = read_on_replica(lambda: deployment_by_id(deployment_id))
        caip19 = deployment.caip19
    call.show_version(deployment)
    return service.GetAssetDeploymentResponse(deployment=deployment_message(deployment, caip19))


def native_deployment(chain_id: str) -> AssetDeployment:
    """``<chain_id>:native``: the chain's native token, which has no contract address
    (answers show it as ``native``, as the events do)."""
    deployment = (
        AssetDeployment.objects.resolvable()
        .select_related("chain", "asset")
        .filter(chain_id=chain_id, is_native=True, address="")
        .first()
    )
    if deployment is None:
        raise not_found(f"No native deployment on {chain_id!r}.")
    return deployment


def _deployment_uuid(deployment_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(deployment_id)
    except ValueError:
        raise invalid(
            "deployment_id", f"{deployment_id[:64]!r} is neither a UUID nor <chain_id>:<address>."
        ) from None


def deployment_by_id(deployment_id: str) -> AssetDeployment:
    deployment_uuid = _deployment_uuid(deployment_id)
    deployment = (
        AssetDeployment.objects.resolvable()
        .select_related("chain", "asset")
        .filter(pk=deployment_uuid)
        .first()
    )
    if deployment is None:
        raise not_found(f"No deployment {deployment_uuid}.")
    return deployment


def is_caip19(deployment_id: str) -> bool:
    """A ``deployment_id`` of CAIP-19's shape (``eip155:1/erc20:0x…``): a chain namespace
    the registry knows, then ``/`` and an asset part with its own ``:``. A
    ``<chain_id>:<address>`` never has it: a Cosmos denomination after the chain
    (``osmosis:ibc/27394…``) has no ``:`` after its ``/``."""
    chain, slash, asset = deployment_id.partition("/")
    namespace = chain.partition(":")[0]
    return bool(slash) and namespace in CAIP2_NAMESPACES.values() and ":" in asset


def deployment_lookup(request, metadata: dict[str, str]) -> tuple[str, dict]:
    """The hot lookup a ``<chain_id>:<address>`` or a CAIP-19 id names (the calls' fast
    path reads it with the caller in one round trip); a UUID names none (ValueError)."""
    deployment_id = required_text(request, "deployment_id")
    if is_caip19(deployment_id):
        return "deployment", {"caip19": deployment_id}
    chain_id, by_address, address = deployment_id.partition(":")
    if not by_address:
        raise ValueError("deployment_id: a UUID, not an address")
    return "deployment", {"chain": chain_id, "address": address}


def deployment_at_address(request, call) -> tuple[AssetDeployment, str | None]:
    """The deployment the hot lookup answers for (chain, address), from the cache as
    /api/v1/resolve/deployment/ reads it: an unsaved instance built from the answer, and
    its CAIP-19 id (the answer's: the instance has no chain type or asset to derive it)."""
    found, body = call.cached or (None, None)  # found with the caller, in one read
    if body is None:
        lookup_type, params = deployment_lookup(request, call.metadata)
        lookup = cache.lookup(lookup_type)
        try:
            parsed = lookup.parse(params)
        except NotFound as error:  # a CAIP-19 id of no registered chain
            raise not_found(str(error).partition(": ")[2]) from None
        except ValueError as error:
            raise invalid("deployment_id", str(error).removeprefix("caip19: ")) from None
        found, body = lookup.resolve([parsed], moment=call.moment())[0]
        if not found:
            if parsed["address"]:  # not a native coin by its CAIP-19 slip44 id
                read_on_replica(
                    lambda: refuse_impossible_address(parsed["chain"], parsed["address"])
                )
            raise not_found(orjson.loads(body)["error"]["message"])
    answer = orjson.loads(body)
    cached = answer["deployment"]
    if "version" not in cached or "caip19" not in cached:
        # Cached before the answer carried every field the message needs (until its
        # TTL ends after an upgrade): the database answers instead.
        deployment = read_on_replica(lambda: deployment_by_id(cached["deployment_id"]))
        return deployment, deployment.caip19
    deployment = AssetDeployment(
        deployment_id=cached["deployment_id"],
        asset_id=answer["asset"]["asset_id"],
        chain=Chain(chain_id=cached["chain"], name=cached["chain_name"]),
        address=cached["address"],
        decimals=cached["decimals"],
        is_native=cached["is_native"],
        is_canonical=cached["is_canonical"],
        is_verified=cached["is_verified"],
        deployed_at=datetime_of(cached["deployed_at"]),
        metadata=cached["metadata"],
        created_at=datetime_of(cached["created_at"]),
        updated_at=datetime_of(cached["updated_at"]),
        version=cached["version"],
    )
    return deployment, cached["caip19"]


def refuse_impossible_address(chain_id: str, address: str) -> None:
    """Why a lookup by address missed, when the answer is not just "no deployment there"."""
    chain = Chain.objects.filter(pk=chain_id).first()
    if chain is None:
        raise not_found(f"No chain {chain_id!r}.")
    try:
        chain.normalize_address(address)
    except ValidationError as error:
        raise invalid(
            "deployment_id",
            f"Not an address on {chain_id} ({chain.chain_type}): {error.messages[0]}",
        ) from None


def list_asset_deployments(request, call):
    data = {}
    asset_id = optional_uuid(request, "asset_id")
    if asset_id is not None:
        data["asset"] = str(asset_id)
    chain_id = optional_text(request, "chain_id")
    if chain_id:
        data["chain"] = chain_id
    with request_field_names(DEPLOYMENT_NAMES):
        deployments = filtered(
            AssetDeploymentFilterSet,
            data,
            AssetDeployment.objects.resolvable().select_related("chain", "asset"),
        )
    ordering = complete_ordering(AssetDeploymentViewSet.ordering, AssetDeployment)
    rows = capped(
        deployments.order_by(*ordering),
        what="deployments",
        narrow="narrow the list by asset_id, or page through GET /api/v1/deployments/",
    )
    return service.ListAssetDeploymentsResponse(
        deployments=[deployment_message(deployment) for deployment in rows]
    )


# --- chains ------------------------------------------------------------------------------


def create_chain(request, call):
    name = required_text(request, "name")
    data = {"chain_id": slug_id(name, Chain._meta.get_field("chain_id")), "name": name}
    if request.HasField("chain_type"):
        data["chain_type"] = request.chain_type.strip().upper()
    if request.HasField("chain_id"):
        data["network_id"] = request.chain_id
    if request.HasField("block_explorer_url"):
        data["explorer_url"] = request.block_explorer_url
    symbol = optional_text(request, "native_asset_symbol")
    if symbol:
        native = native_asset(symbol)
        if native is None:
            data["metadata"] = {"cqar_native_asset_symbol": symbol}
        else:
            data["native_asset"] = str(native.asset_id)
    chain = created(ChainSerializer, CHAIN_WRITES, data, call, names=CHAIN_FIELDS)
    return service.CreateChainResponse(chain=chain_message(chain))


def native_asset(symbol: str) -> Asset | None:
    """The live asset ``symbol`` names as a chain's native asset: the only one with the
    symbol, or of several the only NATIVE one; None when no asset has it."""
    if len(symbol) > Asset._meta.get_field("symbol").max_length:
        raise invalid("native_asset_symbol", "Longer than any asset's symbol.")
    # A currency is no chain's native token: USD never names one, whatever shares it.
    candidates = list(
        Asset.objects.with_symbol(symbol)
        .exclude(asset_type=AssetType.FIAT)
        .order_by("created_at", "asset_id")
    )
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    natives = [asset for asset in candidates if asset.asset_type == AssetType.NATIVE]
    if len(natives) == 1:
        return natives[0]
    named = "; ".join(
        f"{asset.asset_id} ({asset.name}, {asset.asset_type})" for asset in candidates[:10]
    )
    raise invalid(
        "native_asset_symbol",
        f"{len(candidates)} live assets have the symbol {symbol}, and not one of them alone "
        f"is NATIVE: {named}. Create the chain without it and set its native_asset over REST.",
    )


def register() -> None:
    for name, handler, permission, reads in (
        ("CreateAsset", create_asset, "assets.add_asset", False),
        ("GetAsset", get_asset, "assets.view_asset", True),
        ("UpdateAsset", update_asset, "assets.change_asset", False),
        ("DeleteAsset", delete_asset, "assets.delete_asset", False),
        ("ListAssets", list_assets, "assets.view_asset", True),
        ("SearchAssets", search_assets, "assets.view_asset", True),
        ("CreateAssetDeployment", create_asset_deployment, "assets.add_assetdeployment", False),
        ("ListAssetDeployments", list_asset_deployments, "assets.view_assetdeployment", True),
        ("CreateChain", create_chain, "chains.add_chain", False),
    ):
        register_rpc(name, handler, permission=permission, reads=reads)
    # Not ``reads`` as a whole: by address it answers from the cache (the caller and the
    # answer in one read when both are there), whose miss loads from a caught-up replica
    # by itself (registry.cache); by id it reads a replica itself.
    register_rpc(
        "GetAssetDeployment",
        get_asset_deployment,
        permission="assets.view_assetdeployment",
        hot=deployment_lookup,
    )
