"""One behaviour, two interfaces: the same writes made over REST and over gRPC leave the
same history (but for the source), the same events and the same hot answers.

One parametrized test runs the same steps through each interface with the same
service account, and holds both to one expectation.
"""

import uuid

import grpc
import pytest

from assets.models import Asset
from registry.models import OutboxEvent
from registry.roles import AUDITOR, STEWARD, VIEWER
from tests.conftest import token_client
from tests.registry.test_history import changes_of
from tests.rpc.conftest import metadata_of

pytestmark = pytest.mark.django_db(transaction=True)


class Rest:
    source = "api"

    def __init__(self, client, modules, stub) -> None:
        self.client = client

    def create_asset(self, symbol: str, name: str, request_id: str) -> tuple[str, int]:
        answer = self.client.post(
            "/api/v1/assets/",
            {"symbol": symbol, "name": name, "asset_type": "ERC20"},
            format="json",
            HTTP_X_REQUEST_ID=request_id,
        )
        assert answer.status_code == 201, answer.content
        return answer.json()["asset_id"], answer.json()["version"]

    def rename_asset(self, asset_id: str, name: str, version: int, request_id: str) -> None:
        answer = self.client.patch(
            f"/api/v1/assets/{asset_id}/",
            {"name": name},
            format="json",
            HTTP_IF_MATCH=f'"{version}"',
            HTTP_X_REQUEST_ID=request_id,
        )
        assert answer.status_code == 200, answer.content

    def rename_stale(self, asset_id: str, version: int) -> str:
        answer = self.client.patch(
            f"/api/v1/assets/{asset_id}/",
            {"name": "Lost"},
            format="json",
            HTTP_IF_MATCH=f'"{version}"',
        )
        assert answer.status_code == 412, answer.content
        return answer.json()["error"]["code"]

    def raise_critical_flag(self, asset_id: str, request_id: str) -> None:
        answer = self.client.post(
            "/api/v1/quality-flags/",
            {"asset": asset_id, "flag_type": "SCAM", "severity": 5, "reason": "Drains wallets"},
            format="json",
            HTTP_X_REQUEST_ID=request_id,
        )
        assert answer.status_code == 201, answer.content


class Grpc:
    source = "grpc"

    def __init__(self, client, modules, stub) -> None:
        self.metadata = metadata_of(client)
        self.modules = modules
        self.stub = stub

    def _md(self, request_id: str = "", version: int | None = None):
        extra = [("x-request-id", request_id)] if request_id else []
        if version is not None:
            extra.append(("if-match", f'"{version}"'))
        return (*self.metadata, *extra)

    def create_asset(self, symbol: str, name: str, request_id: str) -> tuple[str, int]:
        service, assets = self.modules.service, self.modules.assets
        answer, call = self.stub.CreateAsset.with_call(
            service.CreateAssetRequest(
                symbol=symbol, name=name, asset_type=assets.ASSET_TYPE_ERC20
            ),
            metadata=self._md(request_id),
        )
        version = int(dict(call.trailing_metadata())["etag"].strip('"'))
        return answer.asset.asset_id, version

    def rename_asset(self, asset_id: str, name: str, version: int, request_id: str) -> None:
        self.stub.UpdateAsset(
            self.modules.service.UpdateAssetRequest(asset_id=asset_id, name=name),
            metadata=self._md(request_id, version),
        )

    def rename_stale(self, asset_id: str, version: int) -> str:
        from tests.rpc.conftest import error_details

        with pytest.raises(grpc.RpcError) as raised:
            self.stub.UpdateAsset(
                self.modules.service.UpdateAssetRequest(asset_id=asset_id, name="Lost"),
                metadata=self._md(version=version),
            )
        assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        return error_details(raised.value)["reason"]

    def raise_critical_flag(self, asset_id: str, request_id: str) -> None:
        service, assets = self.modules.service, self.modules.assets
        self.stub.RaiseQualityFlag(
            service.RaiseQualityFlagRequest(
                asset_id=asset_id,
                flag_type=assets.FLAG_TYPE_SCAM,
                severity=assets.FLAG_SEVERITY_CRITICAL,
                description="Drains wallets",
            ),
            metadata=self._md(request_id),
        )


def hot_symbol_answer(viewer, symbol: str) -> list[str]:
    """The names the hot symbol lookup answers for ``symbol`` (cached after the first)."""
    answer = viewer.get("/api/v1/resolve/symbol/", {"symbol": symbol})
    return sorted(asset["name"] for asset in answer.json().get("assets", []))


def tradeable(viewer, asset_id: str) -> bool:
    answer = viewer.get("/api/v1/resolve/pretrade/", {"asset": asset_id})
    assert answer.status_code == 200, answer.content
    return answer.json()["tradeable"]


@pytest.mark.parametrize("interface", [Rest, Grpc], ids=["rest", "grpc"])
def test_a_write_leaves_the_same_history_events_and_hot_answers_over_both(
    interface, stub, client_modules
):
    account = token_client("desk", VIEWER, STEWARD, AUDITOR, service=True)
    viewer = token_client("reader", VIEWER, service=True)
    writer = interface(account, client_modules, stub)
    ids = [str(uuid.uuid4()) for _ in range(3)]

    asset_id, version = writer.create_asset("PRTY", "Parity", ids[0])
    assert hot_symbol_answer(viewer, "PRTY") == ["Parity"]  # now cached
    assert tradeable(viewer, asset_id)  # now cached
    writer.rename_asset(asset_id, "Parity Two", version, ids[1])
    assert writer.rename_stale(asset_id, version) == "stale_version"
    writer.raise_critical_flag(asset_id, ids[2])

    # The hot answers cached before the writes were invalidated by them.
    assert hot_symbol_answer(viewer, "PRTY") == ["Parity Two"]
    assert not tradeable(viewer, asset_id)

    asset = Asset.objects.get(pk=asset_id)
    history = [
        (change.pgh_label, change.actor, change.source, change.pgh_diff)
        for change in changes_of(asset)
    ]
    assert [entry[:3] for entry in history] == [
        ("insert", "service:desk", writer.source),
        ("update", "service:desk", writer.source),
    ]
    assert history[1][3]["name"] == ["Parity", "Parity Two"]

    events = list(
        OutboxEvent.objects.filter(asset_ids__contains=[asset.pk])
        .order_by("id")
        .values_list("event_type", "message_type", "actor_id", "request_id")
    )
    assert [(event_type, actor) for event_type, _, actor, _ in events] == [
        ("asset_created", "service:desk"),
        ("asset_updated", "service:desk"),
        ("quality_flag_raised", "service:desk"),
    ]
    assert [request_id for *_, request_id in events] == ids
