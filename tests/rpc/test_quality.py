"""The quality methods over gRPC, against the real server: raising and resolving flags as
REST does (the actor, the four-eyes rule, versions), and ListQualityFlags' pre-trade read
from the same hot-path cache REST's resolve/pretrade/ answers from."""

from datetime import UTC, datetime, timedelta

import grpc
import orjson
import pytest

from quality.models import AssetQualityFlag
from registry.models import ChangeEvent, OutboxEvent
from registry.roles import AUDITOR, VIEWER
from tests.conftest import token_client
from tests.events.worker import wait_for
from tests.factories import AssetFactory, AssetQualityFlagFactory
from tests.rpc.conftest import error_details, metadata_of, rpc_error

pytestmark = pytest.mark.django_db(transaction=True)

NO_SUCH_ASSET = "00000000-0000-4000-8000-000000000000"
NOW = datetime.now(UTC)
HOUR_AGO = NOW - timedelta(hours=1)


@pytest.fixture
def second_auditor_md(transactional_db):
    return metadata_of(token_client("grpc-auditor-2", VIEWER, AUDITOR, service=True))


def invalid_fields(error) -> dict:
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
    return error_details(error)["fields"]


def raise_request(client_modules, asset, **fields):
    assets = client_modules.assets
    return client_modules.service.RaiseQualityFlagRequest(
        **{
            "asset_id": str(asset.asset_id),
            "flag_type": assets.FLAG_TYPE_EXPLOITED,
            "severity": assets.FLAG_SEVERITY_HIGH,
            "description": "Bridge contract drained.",
            **fields,
        }
    )


def pretrade(client, asset) -> dict:
    response = client.get("/api/v1/resolve/pretrade/", {"asset": str(asset.asset_id)})
    assert response.status_code == 200, response.content
    return orjson.loads(response.content)


def at(timestamp) -> datetime:
    return timestamp.ToDatetime(tzinfo=UTC)


# --- RaiseQualityFlag -------------------------------------------------------------------


def test_raise_records_the_tokens_account_and_raised_by_as_the_source(
    stub, client_modules, auditor_md, viewer
):
    asset = AssetFactory()
    answer, call = stub.RaiseQualityFlag.with_call(
        raise_request(client_modules, asset, raised_by="certik"), metadata=auditor_md
    )
    flag = AssetQualityFlag.objects.get(asset=asset)
    assert (flag.flag_type, flag.severity, flag.reason) == (
        "EXPLOITED",
        4,
        "Bridge contract drained.",
    )
    assert (flag.source, flag.raised_by) == ("certik", "service:grpc-auditor")
    message = answer.flag
    assets = client_modules.assets
    assert (message.flag_id, message.asset_id, message.flag_type, message.severity) == (
        str(flag.flag_id),
        str(asset.asset_id),
        assets.FLAG_TYPE_EXPLOITED,
        assets.FLAG_SEVERITY_HIGH,
    )
    assert (message.source, message.reason, message.metadata["raised_by"]) == (
        "certik",
        "Bridge contract drained.",
        "service:grpc-auditor",
    )
    assert not message.HasField("resolved_at")
    assert dict(call.trailing_metadata())["etag"] == f'"{flag.version}"'
    rest = viewer.get(f"/api/v1/quality-flags/{flag.flag_id}/").json()
    assert (rest["source"], rest["raised_by"], rest["is_active"]) == (
        "certik",
        "service:grpc-auditor",
        True,
    )
    assert at(message.raised_at) == datetime.fromisoformat(rest["raised_at"])
    event = OutboxEvent.objects.get(event_type="quality_flag_raised", entity_id=str(flag.pk))
    assert event.actor_id == "service:grpc-auditor"
    change = ChangeEvent.objects.tracks(flag).get()
    assert (change.actor, change.source) == ("service:grpc-auditor", "grpc")


def test_raise_without_raised_by_is_a_manual_flag(stub, client_modules, auditor_md):
    answer = stub.RaiseQualityFlag(
        raise_request(client_modules, AssetFactory()), metadata=auditor_md
    )
    assert answer.flag.source == AssetQualityFlag.objects.get().source == "manual"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"asset_id": "BTC"}, "asset_id"),
        ({"asset_id": NO_SUCH_ASSET}, "asset_id"),
        ({"asset_id": ""}, "asset_id"),
        ({"flag_type": 0}, "flag_type"),  # UNSPECIFIED: not given
        ({"flag_type": 42}, "flag_type"),  # a number the contract lacks
        ({"severity": 0}, "severity"),
        ({"severity": 6}, "severity"),
        ({"description": ""}, "description"),
        ({"raised_by": "x" * 101}, "raised_by"),
    ],
)
def test_raise_refuses_invalid_input_naming_the_field(
    stub, client_modules, auditor_md, fields, field
):
    error = rpc_error(
        stub.RaiseQualityFlag,
        raise_request(client_modules, AssetFactory(), **fields),
        metadata=auditor_md,
    )
    assert field in invalid_fields(error)
    assert not AssetQualityFlag.objects.exists()


def test_an_error_the_model_raises_names_the_request_field(stub, client_modules, auditor_md):
    """The serializer lets the zero-width space through, the flag's normalize() refuses it
    as ``source``: the answer names the field the request sent, ``raised_by``."""
    error = rpc_error(
        stub.RaiseQualityFlag,
        raise_request(client_modules, AssetFactory(), raised_by="cert\u200bik"),
        metadata=auditor_md,
    )
    fields = invalid_fields(error)
    assert list(fields) == ["raised_by"]
    assert "U+200B" in fields["raised_by"][0]
    assert not AssetQualityFlag.objects.exists()


def test_raise_errors_by_code(stub, client_modules, auditor_md, viewer_md, steward_md):
    asset = AssetFactory()
    request = raise_request(client_modules, asset, raised_by="certik")
    stub.RaiseQualityFlag(request, metadata=auditor_md)
    error = rpc_error(stub.RaiseQualityFlag, request, metadata=auditor_md)
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS  # certik's EXPLOITED is active
    assert rpc_error(stub.RaiseQualityFlag, request).code() == grpc.StatusCode.UNAUTHENTICATED
    for reader in (viewer_md, steward_md):  # flags are the Auditors'
        error = rpc_error(stub.RaiseQualityFlag, request, metadata=reader)
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert AssetQualityFlag.objects.count() == 1


# --- ResolveQualityFlag -----------------------------------------------------------------


def resolve_request(client_modules, flag, **fields):
    return client_modules.service.ResolveQualityFlagRequest(
        **{"flag_id": str(flag.flag_id), "resolution_notes": "Patched and audited.", **fields}
    )


@pytest.mark.parametrize("resolved_by", [None, "", "service:grpc-auditor", "grpc-auditor"])
def test_resolve_records_the_tokens_account(stub, client_modules, auditor_md, viewer, resolved_by):
    flag = AssetQualityFlagFactory(severity=4)
    fields = {} if resolved_by is None else {"resolved_by": resolved_by}
    answer, call = stub.ResolveQualityFlag.with_call(
        resolve_request(client_modules, flag, **fields), metadata=auditor_md
    )
    flag.refresh_from_db()
    assert (flag.resolved_by, flag.resolution_notes) == (
        "service:grpc-auditor",
        "Patched and audited.",
    )
    message = answer.flag
    assert (message.resolved_by, message.resolution_notes) == (
        "service:grpc-auditor",
        "Patched and audited.",
    )
    assert at(message.resolved_at) == flag.resolved_at
    assert dict(call.trailing_metadata())["etag"] == f'"{flag.version}"'
    rest = viewer.get(f"/api/v1/quality-flags/{flag.flag_id}/").json()
    assert (rest["is_active"], rest["resolved_by"]) == (False, "service:grpc-auditor")
    event = OutboxEvent.objects.get(event_type="quality_flag_resolved", entity_id=str(flag.pk))
    assert event.actor_id == "service:grpc-auditor"


def test_resolve_as_someone_else_is_refused(stub, client_modules, auditor_md):
    flag = AssetQualityFlagFactory(severity=4)
    for someone_else in ("user:alice", "service:grpc-auditor-2", "grpc"):
        error = rpc_error(
            stub.ResolveQualityFlag,
            resolve_request(client_modules, flag, resolved_by=someone_else),
            metadata=auditor_md,
        )
        assert "service:grpc-auditor" in invalid_fields(error)["resolved_by"][0]
    flag.refresh_from_db()
    assert flag.is_active


def test_a_critical_flag_needs_a_second_person_over_grpc_too(
    stub, client_modules, auditor_md, second_auditor_md
):
    raised = stub.RaiseQualityFlag(
        raise_request(
            client_modules, AssetFactory(), severity=client_modules.assets.FLAG_SEVERITY_CRITICAL
        ),
        metadata=auditor_md,
    ).flag
    flag = AssetQualityFlag.objects.get(pk=raised.flag_id)
    error = rpc_error(
        stub.ResolveQualityFlag, resolve_request(client_modules, flag), metadata=auditor_md
    )
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error_details(error)["reason"] == "four_eyes_required"
    flag.refresh_from_db()
    assert flag.is_active
    answer = stub.ResolveQualityFlag(
        resolve_request(client_modules, flag), metadata=second_auditor_md
    )
    assert answer.flag.resolved_by == "service:grpc-auditor-2"


def test_resolve_honours_if_match(stub, client_modules, auditor_md):
    flag = AssetQualityFlagFactory(severity=4)
    request = resolve_request(client_modules, flag)
    stale = (*auditor_md, ("if-match", f'"{flag.version + 1}"'))
    error = rpc_error(stub.ResolveQualityFlag, request, metadata=stale)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_details(error)["reason"] == "stale_version"
    flag.refresh_from_db()
    assert flag.is_active
    current = (*auditor_md, ("if-match", f'"{flag.version}"'))
    assert stub.ResolveQualityFlag(request, metadata=current).flag.HasField("resolved_at")


def test_resolve_errors_by_code(stub, client_modules, auditor_md, viewer_md):
    flag = AssetQualityFlagFactory(severity=4)
    service = client_modules.service
    error = rpc_error(
        stub.ResolveQualityFlag,
        service.ResolveQualityFlagRequest(flag_id=NO_SUCH_ASSET, resolution_notes="x"),
        metadata=auditor_md,
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
    error = rpc_error(
        stub.ResolveQualityFlag,
        service.ResolveQualityFlagRequest(flag_id="flag-1", resolution_notes="x"),
        metadata=auditor_md,
    )
    assert "flag_id" in invalid_fields(error)
    for notes in ({}, {"resolution_notes": "  "}):
        error = rpc_error(
            stub.ResolveQualityFlag,
            service.ResolveQualityFlagRequest(flag_id=str(flag.flag_id), **notes),
            metadata=auditor_md,
        )
        assert "resolution_notes" in invalid_fields(error)
    request = resolve_request(client_modules, flag)
    assert rpc_error(stub.ResolveQualityFlag, request).code() == grpc.StatusCode.UNAUTHENTICATED
    error = rpc_error(stub.ResolveQualityFlag, request, metadata=viewer_md)
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    flag.refresh_from_db()
    assert flag.is_active

    stub.ResolveQualityFlag(request, metadata=auditor_md)
    error = rpc_error(stub.ResolveQualityFlag, request, metadata=auditor_md)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION  # resolved already
    assert "already resolved" in error.details()


# --- ListQualityFlags -------------------------------------------------------------------


def list_flags(stub, client_modules, metadata, **fields) -> list:
    request = client_modules.service.ListQualityFlagsRequest(**fields)
    return list(stub.ListQualityFlags(request, metadata=metadata).flags)


def test_list_with_resolved_answers_the_rest_lists_flags_in_its_order(
    stub, client_modules, viewer_md, viewer
):
    asset = AssetFactory()
    low = AssetQualityFlagFactory(asset=asset, severity=2, flag_type="UNVERIFIED")
    high = AssetQualityFlagFactory(asset=asset, severity=4, flag_type="PAUSED")
    newer_high = AssetQualityFlagFactory(asset=asset, severity=4, flag_type="DEPRECATED")
    resolved = AssetQualityFlagFactory(
        asset=asset, severity=5, raised_at=HOUR_AGO, resolved_at=NOW, resolved_by="user:bob"
    )
    AssetQualityFlagFactory(severity=5)  # another asset's
    assets = client_modules.assets

    def listed(**fields) -> list[str]:
        flags = list_flags(stub, client_modules, viewer_md, asset_id=str(asset.asset_id), **fields)
        return [flag.flag_id for flag in flags]

    def rest(**params) -> list[str]:
        rows = viewer.get("/api/v1/quality-flags/", {"asset": asset.asset_id, **params})
        return [row["flag_id"] for row in rows.json()["results"]]

    everything = [str(f.flag_id) for f in (resolved, newer_high, high, low)]
    assert listed(include_resolved=True) == rest() == everything
    assert listed(include_resolved=True, min_severity=assets.FLAG_SEVERITY_HIGH) == rest(
        min_severity=4
    )
    assert listed(include_resolved=True, min_severity=assets.FLAG_SEVERITY_HIGH) == everything[:3]
    answer = list_flags(
        stub, client_modules, viewer_md, asset_id=str(asset.asset_id), include_resolved=True
    )[0]
    assert (answer.resolved_by, at(answer.resolved_at)) == ("user:bob", resolved.resolved_at)


def test_list_of_active_flags_answers_as_the_database_does(stub, client_modules, viewer_md):
    """The pre-trade read (the cache) and the stored flags (the database) answer the same
    messages for the same active flags, in the same order."""
    asset = AssetFactory()
    AssetQualityFlagFactory(
        asset=asset,
        severity=3,
        flag_type="ORACLE_FAILED",  # the registry's own type
        evidence_url="https://example.com/post-mortem",
        metadata={"chain": "ethereum"},
    )
    AssetQualityFlagFactory(asset=asset, severity=5, source="certik")
    AssetQualityFlagFactory(asset=asset, severity=3, flag_type="PAUSED")
    AssetQualityFlagFactory(asset=asset, severity=4, raised_at=HOUR_AGO, resolved_at=NOW)
    assets = client_modules.assets
    by_id = {"asset_id": str(asset.asset_id)}

    cached = list_flags(stub, client_modules, viewer_md, **by_id)
    stored = [
        flag
        for flag in list_flags(stub, client_modules, viewer_md, include_resolved=True, **by_id)
        if not flag.HasField("resolved_at")
    ]
    assert [flag.SerializeToString(deterministic=True) for flag in cached] == [
        flag.SerializeToString(deterministic=True) for flag in stored
    ]
    assert [flag.severity for flag in cached] == [5, 3, 3]
    oracle = next(flag for flag in cached if flag.metadata["flag_type"] == "ORACLE_FAILED")
    assert oracle.flag_type == assets.FLAG_TYPE_UNSPECIFIED
    assert (oracle.evidence_url, oracle.metadata["chain"]) == (
        "https://example.com/post-mortem",
        "ethereum",
    )
    critical = list_flags(
        stub, client_modules, viewer_md, min_severity=assets.FLAG_SEVERITY_CRITICAL, **by_id
    )
    assert [flag.source for flag in critical] == ["certik"]
    # Without an asset: every asset's active flags, from the database.
    other = AssetQualityFlagFactory(severity=1)
    every = list_flags(stub, client_modules, viewer_md)
    assert [flag.flag_id for flag in every][-1] == str(other.flag_id)
    assert len(every) == 4


def test_list_of_active_flags_answers_from_the_cache(stub, client_modules, viewer_md):
    """A change the cache is not told of (a bare UPDATE) is not seen by the pre-trade
    read until the cached answer goes; the database read sees it at once."""
    asset = AssetFactory()
    flag = AssetQualityFlagFactory(asset=asset, severity=5, reason="Minted without limit.")
    by_id = {"asset_id": str(asset.asset_id)}
    assert [f.reason for f in list_flags(stub, client_modules, viewer_md, **by_id)] == [
        "Minted without limit."
    ]
    AssetQualityFlag.objects.filter(pk=flag.pk).update(reason="Changed behind the cache.")

    assert [f.reason for f in list_flags(stub, client_modules, viewer_md, **by_id)] == [
        "Minted without limit."
    ]
    stored = list_flags(stub, client_modules, viewer_md, include_resolved=True, **by_id)
    assert [f.reason for f in stored] == ["Changed behind the cache."]


def test_an_answer_cached_before_flags_carried_their_times_is_read_from_the_database(
    stub, client_modules, viewer_md
):
    """After an upgrade, an answer cached by the previous version (active flags without
    raised_at) is still in Redis until its TTL: the list answers from the database."""
    from quality.lookups import flags_key
    from registry import cache

    asset = AssetFactory()
    AssetQualityFlagFactory(asset=asset, severity=5, reason="Old shape.")
    by_id = {"asset_id": str(asset.asset_id)}
    key = flags_key(asset.asset_id)

    def cached():  # stored once the factory's write no longer fences the key
        assert len(list_flags(stub, client_modules, viewer_md, **by_id)) == 1
        return cache.decode(cache.read_keys([key])[0])

    found, body = wait_for(cached, 10, "the flags answer to be cached")
    answer = orjson.loads(body)
    for flag in answer["active_flags"]:
        del flag["raised_at"], flag["evidence_url"]
    cache.redis_state.available().set(key, cache.encode((found, orjson.dumps(answer))))

    listed = list_flags(stub, client_modules, viewer_md, **by_id)
    assert [(flag.reason, flag.HasField("raised_at")) for flag in listed] == [("Old shape.", True)]


def test_list_errors(stub, client_modules, viewer_md):
    for fields in ({}, {"include_resolved": True}):
        error = rpc_error(
            stub.ListQualityFlags,
            client_modules.service.ListQualityFlagsRequest(asset_id=NO_SUCH_ASSET, **fields),
            metadata=viewer_md,
        )
        assert error.code() == grpc.StatusCode.NOT_FOUND, fields
    for fields, field in (
        ({"asset_id": "BTC"}, "asset_id"),
        ({"min_severity": 7}, "min_severity"),
    ):
        error = rpc_error(
            stub.ListQualityFlags,
            client_modules.service.ListQualityFlagsRequest(**fields),
            metadata=viewer_md,
        )
        assert field in invalid_fields(error)
    request = client_modules.service.ListQualityFlagsRequest()
    assert rpc_error(stub.ListQualityFlags, request).code() == grpc.StatusCode.UNAUTHENTICATED


# --- One cache, two interfaces ----------------------------------------------------------


def test_a_flag_raised_over_grpc_stops_the_rest_pretrade_check_and_resolving_restores_it(
    stub, client_modules, auditor_md, second_auditor_md, viewer
):
    asset = AssetFactory()
    assert pretrade(viewer, asset)["tradeable"] is True  # now cached
    raised = stub.RaiseQualityFlag(
        raise_request(client_modules, asset, severity=client_modules.assets.FLAG_SEVERITY_CRITICAL),
        metadata=auditor_md,
    ).flag

    check = pretrade(viewer, asset)
    assert check["tradeable"] is False
    assert [flag["flag_id"] for flag in check["blocking_flags"]] == [raised.flag_id]

    stub.ResolveQualityFlag(
        client_modules.service.ResolveQualityFlagRequest(
            flag_id=raised.flag_id, resolution_notes="False alarm."
        ),
        metadata=second_auditor_md,
    )
    assert pretrade(viewer, asset)["tradeable"] is True


def test_a_flag_raised_over_rest_shows_in_the_grpc_pretrade_read(
    stub, client_modules, viewer_md, transactional_db
):
    asset = AssetFactory()
    by_id = {"asset_id": str(asset.asset_id)}
    assert list_flags(stub, client_modules, viewer_md, **by_id) == []  # now cached
    auditor = token_client("rest-auditor", VIEWER, AUDITOR)
    response = auditor.post(
        "/api/v1/quality-flags/",
        {"asset": str(asset.asset_id), "flag_type": "SCAM", "severity": 5, "reason": "Fake."},
        format="json",
    )
    assert response.status_code == 201, response.content
    listed = list_flags(stub, client_modules, viewer_md, **by_id)
    assert [flag.flag_id for flag in listed] == [response.json()["flag_id"]]
    assert listed[0].metadata["raised_by"] == "user:rest-auditor"


def test_raised_by_cannot_name_another_account(stub, client_modules, auditor_md):
    """raised_by is the finding's source (certik); written as an account it would read
    as that account having raised the flag."""
    assets = client_modules.assets
    asset = AssetFactory()
    request = client_modules.service.RaiseQualityFlagRequest(
        asset_id=str(asset.asset_id),
        flag_type=assets.FLAG_TYPE_SCAM,
        severity=assets.FLAG_SEVERITY_HIGH,
        description="Drains approvals.",
        raised_by="service:someone-else",
    )
    error = rpc_error(stub.RaiseQualityFlag, request, metadata=auditor_md)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert list(error_details(error)["fields"]) == ["raised_by"]
    assert not AssetQualityFlag.objects.filter(asset=asset).exists()
    request.raised_by = "certik"
    flag = stub.RaiseQualityFlag(request, metadata=auditor_md).flag
    assert flag.source == "certik"
