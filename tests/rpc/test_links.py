"""Identifiers, relationships and groups over gRPC (assets.rpcs.links), against the real
server, checked against the database and against what REST answers."""

from decimal import Decimal

import grpc
import pytest

from assets.choices import AssetType
from assets.models import AssetGroup, AssetGroupMember, AssetIdentifier, AssetRelationship
from registry.roles import VIEWER
from tests.conftest import token_client
from tests.factories import (
    AssetFactory,
    AssetGroupFactory,
    AssetGroupMemberFactory,
    AssetIdentifierFactory,
    AssetRelationshipFactory,
)
from tests.rpc.conftest import error_details, rpc_error

pytestmark = pytest.mark.django_db(transaction=True)

NO_SUCH_ID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def pb(client_modules):
    """The generated client's modules: pb.service, pb.assets, pb.identifiers."""
    return client_modules


@pytest.fixture
def rest(transactional_db):
    """A REST viewer, to read back what gRPC wrote."""
    return token_client("rest-viewer", VIEWER)


def invalid_fields(error) -> dict:
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
    return error_details(error)["fields"]


def assert_code(error, code, reason=None):
    assert error.code() == code, error.details()
    if reason is not None:
        assert error_details(error)["reason"] == reason


# --- Identifiers ---------------------------------------------------------------------------


def test_create_asset_identifier_answers_the_contracts_identifier(stub, pb, steward_md, rest):
    asset = AssetFactory()
    answer, call = stub.CreateAssetIdentifier.with_call(
        pb.service.CreateAssetIdentifierRequest(
            asset_id=str(asset.pk),
            source=pb.assets.DATA_SOURCE_COINMARKETCAP,
            external_id=" 3408 ",
            is_primary=True,
        ),
        metadata=steward_md,
    )
    stored = AssetIdentifier.objects.get(asset=asset)
    sent = answer.identifier
    assert (sent.identifier_id, sent.asset_id, sent.source, sent.external_id, sent.is_primary) == (
        str(stored.pk),
        str(asset.pk),
        pb.assets.DATA_SOURCE_COINMARKETCAP,
        "3408",
        True,
    )
    assert (stored.source, stored.external_id, stored.is_primary) == ("COINMARKETCAP", "3408", True)
    assert dict(call.trailing_metadata())["etag"] == '"1"'
    shown = rest.get(f"/api/v1/identifiers/{stored.pk}/").json()
    assert (shown["asset"], shown["source"], shown["external_id"], shown["is_primary"]) == (
        sent.asset_id,
        "COINMARKETCAP",
        sent.external_id,
        True,
    )
    assert sent.created_at.ToDatetime().isoformat() == shown["created_at"].removesuffix("Z")


def test_an_identifier_is_not_primary_unless_asked(stub, pb, steward_md):
    asset = AssetFactory()
    answer = stub.CreateAssetIdentifier(
        pb.service.CreateAssetIdentifierRequest(
            asset_id=str(asset.pk), source=pb.assets.DATA_SOURCE_COINGECKO, external_id="x"
        ),
        metadata=steward_md,
    )
    assert answer.identifier.HasField("is_primary") and not answer.identifier.is_primary
    assert AssetIdentifier.objects.get(asset=asset).is_primary is False


@pytest.mark.parametrize(
    ("fields", "blamed"),
    [
        ({"asset_id": "not-a-uuid"}, "asset_id"),
        ({"asset_id": None}, "asset_id"),
        ({"asset_id": NO_SUCH_ID}, "asset_id"),  # REST: asset "does not exist", a 400
        ({"source": 99}, "source"),  # a number the contract does not define
        ({"source": 0}, "source"),  # UNSPECIFIED: not given
        ({"external_id": None}, "external_id"),
        ({"external_id": "two words"}, "external_id"),  # the model's normalizer refuses it
    ],
)
def test_create_asset_identifier_refuses_invalid_input_naming_the_field(
    stub, pb, steward_md, fields, blamed
):
    asset = AssetFactory()
    request = {
        "asset_id": str(asset.pk),
        "source": pb.assets.DATA_SOURCE_COINGECKO,
        "external_id": "bitcoin",
    }
    request.update(fields)
    request = {name: value for name, value in request.items() if value is not None}
    error = rpc_error(
        stub.CreateAssetIdentifier,
        pb.service.CreateAssetIdentifierRequest(**request),
        metadata=steward_md,
    )
    assert list(invalid_fields(error)) == [blamed]
    assert not AssetIdentifier.objects.exists()


def test_an_external_id_already_assigned_already_exists(stub, pb, steward_md):
    AssetIdentifierFactory(source="COINGECKO", external_id="bitcoin")
    error = rpc_error(
        stub.CreateAssetIdentifier,
        pb.service.CreateAssetIdentifierRequest(
            asset_id=str(AssetFactory().pk),
            source=pb.assets.DATA_SOURCE_COINGECKO,
            external_id="bitcoin",
        ),
        metadata=steward_md,
    )
    assert_code(error, grpc.StatusCode.ALREADY_EXISTS, "conflict")
    assert AssetIdentifier.objects.count() == 1


def test_writing_takes_a_token_and_a_stewards_permission(stub, pb, viewer_md):
    request = pb.service.CreateAssetIdentifierRequest(
        asset_id=str(AssetFactory().pk),
        source=pb.assets.DATA_SOURCE_COINGECKO,
        external_id="x",
    )
    assert_code(rpc_error(stub.CreateAssetIdentifier, request), grpc.StatusCode.UNAUTHENTICATED)
    assert_code(
        rpc_error(stub.CreateAssetIdentifier, request, metadata=viewer_md),
        grpc.StatusCode.PERMISSION_DENIED,
        "permission_denied",
    )
    assert not AssetIdentifier.objects.exists()


def test_get_asset_identifier_answers_the_primary_one_of_a_source(stub, pb, viewer_md):
    asset = AssetFactory()
    AssetIdentifierFactory(asset=asset, source="COINGECKO", external_id="a-older")
    primary = AssetIdentifierFactory(
        asset=asset, source="COINGECKO", external_id="b-primary", is_primary=True
    )
    AssetIdentifierFactory(asset=asset, source="MESSARI", external_id="m", is_primary=True)
    answer, call = stub.GetAssetIdentifier.with_call(
        pb.service.GetAssetIdentifierRequest(
            asset_id=str(asset.pk), source=pb.assets.DATA_SOURCE_COINGECKO
        ),
        metadata=viewer_md,
    )
    assert (answer.identifier.identifier_id, answer.identifier.external_id) == (
        str(primary.pk),
        "b-primary",
    )
    assert dict(call.trailing_metadata())["etag"] == '"1"'


def test_without_a_primary_get_asset_identifier_answers_the_oldest(stub, pb, viewer_md):
    asset = AssetFactory()
    oldest = AssetIdentifierFactory(asset=asset, source="DEFILLAMA", external_id="z-first")
    AssetIdentifierFactory(asset=asset, source="DEFILLAMA", external_id="a-second")
    answer = stub.GetAssetIdentifier(
        pb.service.GetAssetIdentifierRequest(
            asset_id=str(asset.pk), source=pb.assets.DATA_SOURCE_DEFILLAMA
        ),
        metadata=viewer_md,
    )
    assert answer.identifier.identifier_id == str(oldest.pk)


def test_get_asset_identifier_errors(stub, pb, viewer_md):
    asset = AssetFactory()
    AssetIdentifierFactory(asset=asset, source="COINGECKO")

    def get(**fields):
        return rpc_error(
            stub.GetAssetIdentifier,
            pb.service.GetAssetIdentifierRequest(**fields),
            metadata=viewer_md,
        )

    assert_code(
        get(asset_id=str(asset.pk), source=pb.assets.DATA_SOURCE_MESSARI),
        grpc.StatusCode.NOT_FOUND,
        "not_found",
    )
    assert_code(
        get(asset_id=NO_SUCH_ID, source=pb.assets.DATA_SOURCE_COINGECKO),
        grpc.StatusCode.NOT_FOUND,
    )
    assert list(invalid_fields(get(asset_id="x", source=1))) == ["asset_id"]
    assert list(invalid_fields(get(asset_id=str(asset.pk)))) == ["source"]
    assert list(invalid_fields(get(asset_id=str(asset.pk), source=42))) == ["source"]


def test_an_identifier_of_a_deleted_asset_is_not_found(stub, pb, viewer_md):
    identifier = AssetIdentifierFactory(asset=AssetFactory(deleted_at="2024-01-01T00:00:00Z"))
    error = rpc_error(
        stub.GetIdentifier,
        pb.service.GetIdentifierRequest(identifier_id=str(identifier.pk)),
        metadata=viewer_md,
    )
    assert_code(error, grpc.StatusCode.NOT_FOUND)


def test_list_asset_identifiers_lists_one_assets_as_rest_does(stub, pb, viewer_md, rest):
    asset = AssetFactory()
    AssetIdentifierFactory(asset=asset, source="MESSARI", external_id="m")
    AssetIdentifierFactory(asset=asset, source="COINGECKO", external_id="c")
    AssetIdentifierFactory(source="COINGECKO", external_id="someone-elses")
    answer = stub.ListAssetIdentifiers(
        pb.service.ListAssetIdentifiersRequest(asset_id=str(asset.pk)), metadata=viewer_md
    )
    listed = rest.get("/api/v1/identifiers/", {"asset": str(asset.pk)}).json()["results"]
    assert [(i.identifier_id, i.external_id) for i in answer.identifiers] == [
        (str(row["id"]), row["external_id"]) for row in listed
    ]
    assert [i.source for i in answer.identifiers] == [
        pb.assets.DATA_SOURCE_COINGECKO,
        pb.assets.DATA_SOURCE_MESSARI,
    ]


def test_list_asset_identifiers_refuses_what_rest_refuses(stub, pb, viewer_md, rest):
    def listed(**fields):
        return rpc_error(
            stub.ListAssetIdentifiers,
            pb.service.ListAssetIdentifiersRequest(**fields),
            metadata=viewer_md,
        )

    assert list(invalid_fields(listed())) == ["asset_id"]
    assert list(invalid_fields(listed(asset_id="nope"))) == ["asset_id"]
    # An asset that does not exist: REST's ?asset= filter answers 400 too.
    assert list(invalid_fields(listed(asset_id=NO_SUCH_ID))) == ["asset_id"]
    assert rest.get("/api/v1/identifiers/", {"asset": NO_SUCH_ID}).status_code == 400


def test_a_source_the_contract_lacks_travels_as_unspecified_with_its_name(stub, pb, viewer_md):
    # A catalogue the contract has no value for (rows of one can exist: the enum only
    # grows on our side).
    identifier = AssetIdentifierFactory(source="CCXT", external_id="BTC", metadata={"a": "b"})
    answer = stub.ListAssetIdentifiers(
        pb.service.ListAssetIdentifiersRequest(asset_id=str(identifier.asset_id)),
        metadata=viewer_md,
    )
    (sent,) = answer.identifiers
    assert sent.HasField("source") and sent.source == pb.assets.DATA_SOURCE_UNSPECIFIED
    assert dict(sent.metadata) == {"a": "b", "source": "CCXT"}


def test_get_identifier_answers_the_platforms_identifier(stub, pb, viewer_md):
    identifier = AssetIdentifierFactory(
        source="COINGECKO", external_id="bitcoin", is_primary=True, metadata={"rank": 1}
    )
    answer, call = stub.GetIdentifier.with_call(
        pb.service.GetIdentifierRequest(identifier_id=str(identifier.pk)), metadata=viewer_md
    )
    sent = answer.identifier
    assert (sent.id, sent.entity_type, sent.asset_id, sent.source, sent.external_id) == (
        str(identifier.pk),
        "ASSET",
        str(identifier.asset_id),
        "COINGECKO",
        "bitcoin",
    )
    assert sent.is_primary and dict(sent.metadata) == {"rank": 1}
    assert not sent.HasField("instrument_id") and not sent.HasField("market_id")
    assert sent.updated_at.ToDatetime() == identifier.updated_at.replace(tzinfo=None)
    assert dict(call.trailing_metadata())["etag"] == '"1"'


def test_get_identifier_errors(stub, pb, viewer_md):
    def get(**fields):
        return rpc_error(
            stub.GetIdentifier, pb.service.GetIdentifierRequest(**fields), metadata=viewer_md
        )

    assert list(invalid_fields(get())) == ["identifier_id"]
    assert list(invalid_fields(get(identifier_id="abc"))) == ["identifier_id"]
    assert list(invalid_fields(get(identifier_id="-1"))) == ["identifier_id"]
    assert_code(get(identifier_id="987654321"), grpc.StatusCode.NOT_FOUND, "not_found")


@pytest.mark.parametrize(
    "fields",
    [
        {"asset_id": "{asset}"},
        {"entity_type": "ASSET", "asset_id": "{asset}"},
        {"entity_type": "asset", "asset_id": "{asset}"},
    ],
)
def test_list_identifiers_of_an_asset(stub, pb, viewer_md, fields):
    asset = AssetFactory()
    mine = [
        AssetIdentifierFactory(asset=asset, source="COINGECKO", external_id="c"),
        AssetIdentifierFactory(asset=asset, source="MESSARI", external_id="m"),
    ]
    AssetIdentifierFactory()
    request = {name: value.format(asset=asset.pk) for name, value in fields.items()}
    answer = stub.ListIdentifiers(pb.service.ListIdentifiersRequest(**request), metadata=viewer_md)
    assert [(i.id, i.entity_type, i.source) for i in answer.identifiers] == [
        (str(identifier.pk), "ASSET", identifier.source) for identifier in mine
    ]


@pytest.mark.parametrize(
    "fields",
    [
        {"entity_type": "INSTRUMENT"},
        {"entity_type": "instrument", "instrument_id": NO_SUCH_ID},
        {"instrument_id": NO_SUCH_ID},
        {"entity_type": "MARKET", "market_id": "42"},
        {"market_id": "42"},
    ],
)
def test_instruments_and_markets_have_no_identifiers_here(stub, pb, viewer_md, fields):
    AssetIdentifierFactory()
    answer = stub.ListIdentifiers(pb.service.ListIdentifiersRequest(**fields), metadata=viewer_md)
    assert list(answer.identifiers) == []


@pytest.mark.parametrize(
    ("fields", "blamed"),
    [
        ({}, "entity_type"),
        ({"entity_type": "VENUE", "asset_id": "{asset}"}, "entity_type"),
        ({"entity_type": "ASSET"}, "asset_id"),  # one asset's identifiers at a time
        ({"entity_type": "ASSET", "instrument_id": NO_SUCH_ID}, "instrument_id"),
        ({"entity_type": "MARKET", "asset_id": "{asset}"}, "asset_id"),
        ({"asset_id": "{asset}", "market_id": "7"}, "market_id"),  # one entity or another
        ({"asset_id": "not-a-uuid"}, "asset_id"),
        ({"instrument_id": "not-a-uuid"}, "instrument_id"),
        ({"market_id": "BTC-USDT"}, "market_id"),
        ({"asset_id": NO_SUCH_ID}, "asset_id"),  # as REST's ?asset= filter
    ],
)
def test_list_identifiers_refuses_what_it_cannot_answer_truthfully(
    stub, pb, viewer_md, fields, blamed
):
    asset = AssetFactory()
    AssetIdentifierFactory(asset=asset)
    request = {name: value.format(asset=asset.pk) for name, value in fields.items()}
    error = rpc_error(
        stub.ListIdentifiers, pb.service.ListIdentifiersRequest(**request), metadata=viewer_md
    )
    assert list(invalid_fields(error)) == [blamed]


def test_reading_identifiers_takes_a_token(stub, pb, transactional_db):
    identifier = AssetIdentifierFactory()
    for method, request in [
        (stub.GetIdentifier, pb.service.GetIdentifierRequest(identifier_id=str(identifier.pk))),
        (
            stub.ListIdentifiers,
            pb.service.ListIdentifiersRequest(asset_id=str(identifier.asset_id)),
        ),
        (
            stub.ListAssetIdentifiers,
            pb.service.ListAssetIdentifiersRequest(asset_id=str(identifier.asset_id)),
        ),
        (
            stub.GetAssetIdentifier,
            pb.service.GetAssetIdentifierRequest(asset_id=str(identifier.asset_id), source=1),
        ),
    ]:
        assert_code(rpc_error(method, request), grpc.StatusCode.UNAUTHENTICATED)


# --- Relationships -------------------------------------------------------------------------


def create_relationship(stub, pb, md, **fields):
    return stub.CreateAssetRelationship(
        pb.service.CreateAssetRelationshipRequest(**fields), metadata=md
    )


def test_a_relationship_made_over_grpc_reads_back_over_rest_parent_to_child(
    stub, pb, steward_md, rest
):
    eth, weth = AssetFactory(symbol="ETH"), AssetFactory(symbol="WETH")
    answer, call = stub.CreateAssetRelationship.with_call(
        pb.service.CreateAssetRelationshipRequest(
            source_asset_id=str(eth.pk),
            target_asset_id=str(weth.pk),
            relationship_type=pb.assets.RELATIONSHIP_TYPE_WRAPS,
            description="Wrapped ether",
        ),
        metadata=steward_md,
    )
    sent = answer.relationship
    assert (sent.from_asset_id, sent.to_asset_id, sent.relationship_type, sent.description) == (
        str(eth.pk),
        str(weth.pk),
        pb.assets.RELATIONSHIP_TYPE_WRAPS,
        "Wrapped ether",
    )
    stored = AssetRelationship.objects.get()
    assert (stored.parent_asset, stored.child_asset) == (eth, weth)
    shown = rest.get(f"/api/v1/relationships/{sent.relationship_id}/").json()
    assert (shown["parent_asset"], shown["child_asset"], shown["relationship_type"]) == (
        str(eth.pk),
        str(weth.pk),
        "WRAPS",
    )
    assert dict(call.trailing_metadata())["etag"] == '"1"'


def test_a_self_link_or_a_cycle_is_a_failed_precondition(stub, pb, steward_md):
    eth, weth, steth = AssetFactory(), AssetFactory(), AssetFactory()
    AssetRelationshipFactory(parent_asset=eth, child_asset=weth)
    AssetRelationshipFactory(parent_asset=weth, child_asset=steth)
    for source, target in [(eth, eth), (steth, eth)]:
        error = rpc_error(
            create_relationship,
            stub,
            pb,
            steward_md,
            source_asset_id=str(source.pk),
            target_asset_id=str(target.pk),
            relationship_type=pb.assets.RELATIONSHIP_TYPE_STAKES,
        )
        assert_code(error, grpc.StatusCode.FAILED_PRECONDITION, "invalid_relationship")
    assert AssetRelationship.objects.count() == 2


def test_a_repeated_relationship_already_exists(stub, pb, steward_md):
    eth, weth = AssetFactory(), AssetFactory()
    AssetRelationshipFactory(parent_asset=eth, child_asset=weth, relationship_type="WRAPS")
    error = rpc_error(
        create_relationship,
        stub,
        pb,
        steward_md,
        source_asset_id=str(eth.pk),
        target_asset_id=str(weth.pk),
        relationship_type=pb.assets.RELATIONSHIP_TYPE_WRAPS,
    )
    assert_code(error, grpc.StatusCode.ALREADY_EXISTS, "invalid_relationship")
    # The same two assets by another type is another relationship.
    create_relationship(
        stub,
        pb,
        steward_md,
        source_asset_id=str(eth.pk),
        target_asset_id=str(weth.pk),
        relationship_type=pb.assets.RELATIONSHIP_TYPE_BRIDGES,
    )
    assert AssetRelationship.objects.count() == 2


@pytest.mark.parametrize(
    ("fields", "blamed"),
    [
        ({"source_asset_id": "eth"}, "source_asset_id"),
        ({"target_asset_id": None}, "target_asset_id"),
        ({"source_asset_id": NO_SUCH_ID}, "source_asset_id"),
        ({"target_asset_id": "{fiat}"}, "target_asset_id"),  # the model's rule, renamed
        ({"relationship_type": 99}, "relationship_type"),
        ({"relationship_type": None}, "relationship_type"),
        ({"description": "x" * 10_001}, "description"),
    ],
)
def test_create_relationship_refuses_invalid_input_naming_the_field(
    stub, pb, steward_md, fields, blamed
):
    usd = AssetFactory(symbol="USD", name="US Dollar", asset_type=AssetType.FIAT)
    request = {
        "source_asset_id": str(AssetFactory().pk),
        "target_asset_id": str(AssetFactory().pk),
        "relationship_type": pb.assets.RELATIONSHIP_TYPE_WRAPS,
    }
    request.update(fields)
    request = {
        name: value.format(fiat=usd.pk) if isinstance(value, str) else value
        for name, value in request.items()
        if value is not None
    }
    error = rpc_error(create_relationship, stub, pb, steward_md, **request)
    assert list(invalid_fields(error)) == [blamed]
    assert not AssetRelationship.objects.exists()


def test_relating_assets_takes_a_token_and_a_stewards_permission(stub, pb, viewer_md):
    fields = {
        "source_asset_id": str(AssetFactory().pk),
        "target_asset_id": str(AssetFactory().pk),
        "relationship_type": pb.assets.RELATIONSHIP_TYPE_WRAPS,
    }
    assert_code(
        rpc_error(create_relationship, stub, pb, (), **fields), grpc.StatusCode.UNAUTHENTICATED
    )
    assert_code(
        rpc_error(create_relationship, stub, pb, viewer_md, **fields),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    assert not AssetRelationship.objects.exists()


def test_list_asset_relationships_lists_either_end(stub, pb, viewer_md):
    eth, weth, steth, wsteth = (AssetFactory() for _ in range(4))
    as_parent = AssetRelationshipFactory(parent_asset=eth, child_asset=weth)
    as_child = AssetRelationshipFactory(
        parent_asset=steth, child_asset=eth, relationship_type="STAKES"
    )
    AssetRelationshipFactory(parent_asset=steth, child_asset=wsteth)  # not eth's
    AssetRelationshipFactory(
        parent_asset=eth, child_asset=AssetFactory(deleted_at="2024-01-01T00:00:00Z")
    )  # to a deleted asset: hidden, as REST hides it

    def listed(**fields):
        answer = stub.ListAssetRelationships(
            pb.service.ListAssetRelationshipsRequest(asset_id=str(eth.pk), **fields),
            metadata=viewer_md,
        )
        return [(r.relationship_id, r.from_asset_id, r.to_asset_id) for r in answer.relationships]

    assert listed() == [
        (str(as_parent.pk), str(eth.pk), str(weth.pk)),
        (str(as_child.pk), str(steth.pk), str(eth.pk)),
    ]
    assert listed(relationship_type=pb.assets.RELATIONSHIP_TYPE_STAKES) == [
        (str(as_child.pk), str(steth.pk), str(eth.pk))
    ]
    assert listed(relationship_type=pb.assets.RELATIONSHIP_TYPE_BRIDGES) == []


def test_list_asset_relationships_errors(stub, pb, viewer_md):
    def listed(md=viewer_md, **fields):
        return rpc_error(
            stub.ListAssetRelationships,
            pb.service.ListAssetRelationshipsRequest(**fields),
            metadata=md,
        )

    assert list(invalid_fields(listed())) == ["asset_id"]
    assert list(invalid_fields(listed(asset_id="eth"))) == ["asset_id"]
    assert list(invalid_fields(listed(asset_id=NO_SUCH_ID, relationship_type=77))) == [
        "relationship_type"
    ]
    assert_code(listed(md=(), asset_id=NO_SUCH_ID), grpc.StatusCode.UNAUTHENTICATED)


# --- Groups --------------------------------------------------------------------------------


def create_group(stub, pb, md, **fields):
    return stub.CreateAssetGroup.with_call(
        pb.service.CreateAssetGroupRequest(**fields), metadata=md
    )


def test_create_asset_group_keeps_name_as_symbol_and_group_type_in_metadata(
    stub, pb, steward_md, rest
):
    answer, call = create_group(
        stub, pb, steward_md, name="ETH", description="Ether and its variants", group_type="BASKET"
    )
    group = AssetGroup.objects.get()
    assert (group.group_id, group.canonical_symbol, group.description, group.metadata) == (
        "eth",
        "ETH",
        "Ether and its variants",
        {"group_type": "BASKET"},
    )
    sent = answer.group
    assert (sent.group_id, sent.name, sent.description, list(sent.members)) == (
        "eth",
        "ETH",
        "Ether and its variants",
        [],
    )
    assert dict(sent.metadata) == {"group_type": "BASKET"}
    assert dict(call.trailing_metadata())["etag"] == '"1"'
    shown = rest.get("/api/v1/groups/eth/").json()
    assert (shown["canonical_symbol"], shown["metadata"]) == ("ETH", {"group_type": "BASKET"})


def test_a_groups_id_is_made_from_its_name(stub, pb, steward_md):
    answer, _ = create_group(stub, pb, steward_md, name=" USDC.e ")
    assert (answer.group.group_id, answer.group.name) == ("usdc-e", "USDC.e")
    assert AssetGroup.objects.get(pk="usdc-e").metadata == {}  # no group_type, none kept


def test_a_group_of_the_same_name_or_id_already_exists(stub, pb, steward_md):
    AssetGroupFactory(group_id="eth", canonical_symbol="ETH")
    AssetGroupFactory(group_id="usdc-e", canonical_symbol="USDCE")
    for name in ("eth", "USDC-E"):  # the symbol in another case; another symbol, same id
        error = rpc_error(create_group, stub, pb, steward_md, name=name)
        assert_code(error, grpc.StatusCode.ALREADY_EXISTS, "conflict")
    assert AssetGroup.objects.count() == 2


@pytest.mark.parametrize(
    "name",
    [None, "", "€", "A" * 21, "E\u200bTH"],  # missing, empty, no id, too long, invisible
)
def test_create_asset_group_refuses_a_bad_name(stub, pb, steward_md, name):
    fields = {} if name is None else {"name": name}
    error = rpc_error(create_group, stub, pb, steward_md, **fields)
    assert list(invalid_fields(error)) == ["name"]
    assert not AssetGroup.objects.exists()


def test_creating_a_group_takes_a_token_and_a_stewards_permission(stub, pb, viewer_md):
    assert_code(rpc_error(create_group, stub, pb, (), name="ETH"), grpc.StatusCode.UNAUTHENTICATED)
    assert_code(
        rpc_error(create_group, stub, pb, viewer_md, name="ETH"),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    assert not AssetGroup.objects.exists()


def test_get_asset_group_answers_its_live_members_canonical_first(stub, pb, viewer_md, rest):
    group = AssetGroupFactory(
        group_id="eth", canonical_symbol="ETH", issuer="Ethereum Foundation", metadata={"k": "v"}
    )
    weth = AssetGroupMemberFactory(group=group, weight=Decimal("0.5"))
    eth = AssetGroupMemberFactory(group=group, is_canonical=True)
    AssetGroupMemberFactory(group=group, asset=AssetFactory(deleted_at="2024-01-01T00:00:00Z"))
    answer, call = stub.GetAssetGroup.with_call(
        pb.service.GetAssetGroupRequest(group_id="eth"), metadata=viewer_md
    )
    sent = answer.group
    assert (sent.group_id, sent.name) == ("eth", "ETH")
    assert dict(sent.metadata) == {
        "k": "v",
        "cqar_issuer": "Ethereum Foundation",
        "cqar_canonical_asset_id": str(eth.asset_id),
    }
    assert [(m.member_id, m.group_id, m.asset_id, m.weight) for m in sent.members] == [
        (str(eth.pk), "eth", str(eth.asset_id), 1.0),
        (str(weth.pk), "eth", str(weth.asset_id), 0.5),
    ]
    shown = rest.get("/api/v1/groups/eth/").json()
    assert [m["asset"] for m in shown["members"]] == [m.asset_id for m in sent.members]
    assert dict(call.trailing_metadata())["etag"] == '"1"'


def test_get_asset_group_errors(stub, pb, viewer_md):
    def get(md=viewer_md, **fields):
        return rpc_error(stub.GetAssetGroup, pb.service.GetAssetGroupRequest(**fields), metadata=md)

    assert list(invalid_fields(get())) == ["group_id"]
    assert_code(get(group_id="nope"), grpc.StatusCode.NOT_FOUND, "not_found")
    assert_code(get(md=(), group_id="nope"), grpc.StatusCode.UNAUTHENTICATED)


def add_member(stub, pb, md, **fields):
    return stub.AddAssetToGroup(pb.service.AddAssetToGroupRequest(**fields), metadata=md)


@pytest.mark.parametrize(
    ("weight", "stored"),
    # 0.1 is no binary fraction: its double is 0.1000000000000000055…, stored as 0.1.
    [(0.25, "0.25"), (0.1, "0.1"), (1234.000001, "1234.000001"), (0.0, "0")],
)
def test_a_members_weight_round_trips(stub, pb, steward_md, viewer_md, rest, weight, stored):
    group = AssetGroupFactory(group_id="eth")
    asset = AssetFactory()
    answer = add_member(stub, pb, steward_md, group_id="eth", asset_id=str(asset.pk), weight=weight)
    member = AssetGroupMember.objects.get()
    assert (member.group, member.asset, member.weight, member.is_canonical) == (
        group,
        asset,
        Decimal(stored),
        False,
    )
    sent = answer.member
    assert (sent.member_id, sent.group_id, sent.asset_id, sent.weight) == (
        str(member.pk),
        "eth",
        str(asset.pk),
        weight,
    )
    assert sent.HasField("weight")  # 0 too: sent as set
    read = stub.GetAssetGroup(pb.service.GetAssetGroupRequest(group_id="eth"), metadata=viewer_md)
    assert [m.weight for m in read.group.members] == [weight]
    shown = rest.get("/api/v1/groups/eth/members/").json()["results"]
    assert [Decimal(m["weight"]) for m in shown] == [Decimal(stored)]


def test_a_member_without_a_weight_weighs_one(stub, pb, steward_md):
    AssetGroupFactory(group_id="eth")
    answer = add_member(stub, pb, steward_md, group_id="eth", asset_id=str(AssetFactory().pk))
    assert answer.member.weight == 1.0
    assert AssetGroupMember.objects.get().weight == Decimal(1)


@pytest.mark.parametrize(
    ("fields", "blamed"),
    [
        ({"weight": 1e-20}, "weight"),  # more than 18 decimal places
        ({"weight": -0.5}, "weight"),
        ({"weight": float("nan")}, "weight"),
        ({"asset_id": "weth"}, "asset_id"),
        ({"asset_id": None}, "asset_id"),
        ({"asset_id": NO_SUCH_ID}, "asset_id"),
        ({"group_id": None}, "group_id"),
    ],
)
def test_add_asset_to_group_refuses_invalid_input_naming_the_field(
    stub, pb, steward_md, fields, blamed
):
    AssetGroupFactory(group_id="eth")
    request = {"group_id": "eth", "asset_id": str(AssetFactory().pk), "weight": 1.0}
    request.update(fields)
    request = {name: value for name, value in request.items() if value is not None}
    error = rpc_error(add_member, stub, pb, steward_md, **request)
    assert list(invalid_fields(error)) == [blamed]
    assert not AssetGroupMember.objects.exists()


def test_add_asset_to_group_errors(stub, pb, steward_md, viewer_md):
    member = AssetGroupMemberFactory(group=AssetGroupFactory(group_id="eth"))
    other = str(AssetFactory().pk)
    assert_code(
        rpc_error(add_member, stub, pb, steward_md, group_id="eth", asset_id=str(member.asset_id)),
        grpc.StatusCode.ALREADY_EXISTS,
        "conflict",
    )
    assert_code(
        rpc_error(add_member, stub, pb, steward_md, group_id="nope", asset_id=other),
        grpc.StatusCode.NOT_FOUND,
    )
    assert_code(
        rpc_error(add_member, stub, pb, viewer_md, group_id="eth", asset_id=other),
        grpc.StatusCode.PERMISSION_DENIED,
    )
    assert_code(
        rpc_error(add_member, stub, pb, (), group_id="eth", asset_id=other),
        grpc.StatusCode.UNAUTHENTICATED,
    )
    assert AssetGroupMember.objects.count() == 1


def remove_member(stub, pb, md, **fields):
    return stub.RemoveAssetFromGroup(pb.service.RemoveAssetFromGroupRequest(**fields), metadata=md)


def test_remove_asset_from_group(stub, pb, steward_md):
    member = AssetGroupMemberFactory(group=AssetGroupFactory(group_id="eth"))
    kept = AssetGroupMemberFactory(group=member.group)
    answer = remove_member(
        stub,
        pb,
        (*steward_md, ("if-match", '"1"')),
        group_id="eth",
        asset_id=str(member.asset_id),
    )
    assert answer.HasField("success") and answer.success
    assert list(AssetGroupMember.objects.all()) == [kept]


def test_remove_asset_from_group_errors(stub, pb, steward_md, viewer_md):
    member = AssetGroupMemberFactory(group=AssetGroupFactory(group_id="eth"))
    asset_id = str(member.asset_id)

    def remove(md=steward_md, **fields):
        return rpc_error(remove_member, stub, pb, md, **fields)

    assert_code(
        remove(group_id="eth", asset_id=str(AssetFactory().pk)),
        grpc.StatusCode.NOT_FOUND,
        "not_found",
    )  # not a member
    assert_code(remove(group_id="eth", asset_id=NO_SUCH_ID), grpc.StatusCode.NOT_FOUND)
    assert_code(remove(group_id="nope", asset_id=asset_id), grpc.StatusCode.NOT_FOUND)
    assert_code(
        remove(md=(*steward_md, ("if-match", '"7"')), group_id="eth", asset_id=asset_id),
        grpc.StatusCode.FAILED_PRECONDITION,
        "stale_version",
    )
    assert list(invalid_fields(remove(group_id="eth", asset_id="x"))) == ["asset_id"]
    assert list(invalid_fields(remove(asset_id=asset_id))) == ["group_id"]
    assert_code(
        remove(md=viewer_md, group_id="eth", asset_id=asset_id), grpc.StatusCode.PERMISSION_DENIED
    )
    assert_code(remove(md=(), group_id="eth", asset_id=asset_id), grpc.StatusCode.UNAUTHENTICATED)
    assert AssetGroupMember.objects.get() == member
