"""Flags raised and resolved at once, while pre-trade checks read and fill the hot
cache: afterwards every pre-trade answer (by asset, by ticker, by address), the one
read through Redis and the one Redis holds, says what the flags table says."""

import pytest

from assets.lookups import deployment_key
from markets.lookups import ticker_key
from quality.lookups import flags_key
from quality.models import AssetQualityFlag
from registry.api.resolve import pretrade_answer
from registry.cache import LOADING, TOMBSTONE, decode, read_keys, redis_state
from tests.concurrency.race import CLIENTS, clients_of, race
from tests.factories import (
    AssetDeploymentFactory,
    AssetFactory,
    AssetQualityFlagFactory,
    VenueSymbolFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

FLAGS = "/api/v1/quality-flags/"
PRETRADE = "/api/v1/resolve/pretrade/"
ROUNDS = 3
READS_EACH = 6


@pytest.fixture(autouse=True)
def _fresh_breaker():
    redis_state.reset()
    yield
    redis_state.reset()


def test_flags_raised_and_resolved_at_once_leave_every_pretrade_answer_right(
    auditor, service, viewer
):
    """An auditor raises flags while a service account resolves the active ones (a
    second person: some are CRITICAL), and viewers read, sixteen writers at once."""
    asset = AssetFactory(symbol="RACE")
    deployment = AssetDeploymentFactory(asset=asset)
    ticker = VenueSymbolFactory(asset=asset, quote_asset=AssetFactory(symbol="USDT"))
    by = {
        "flags": {"asset": str(asset.asset_id)},
        "venue_symbol": {"venue": ticker.venue_id, "symbol": ticker.venue_symbol},
        "deployment": {"chain": deployment.chain_id, "address": deployment.address},
    }
    keys = {
        "flags": flags_key(asset.asset_id),
        "venue_symbol": ticker_key(ticker.venue_id, ticker.venue_symbol, "SPOT"),
        "deployment": deployment_key(deployment.chain_id, deployment.address),
    }
    for number in range(CLIENTS // 2):  # some active at the start, CRITICAL among them
        AssetQualityFlagFactory(asset=asset, severity=number % 5 + 1, source=f"start-{number}")
    raisers, resolvers = clients_of(auditor), clients_of(service)
    readers = clients_of(viewer, 4)

    def read_all(client) -> None:
        for _ in range(READS_EACH):
            for params in by.values():
                assert client.get(PRETRADE, params).status_code == 200

    for round_number in range(ROUNDS):
        active = list(AssetQualityFlag.objects.filter(asset=asset, resolved_at__isnull=True))
        resolutions = [
            lambda client=client, flag=flag: client.post(
                f"{FLAGS}{flag.flag_id}/resolve/", {"notes": "Cleared."}, format="json"
            )
            for client, flag in zip(resolvers, active, strict=False)
        ]
        raises = [
            lambda client=client, number=number, source=f"round-{round_number}": client.post(
                FLAGS,
                {
                    "asset": str(asset.asset_id),
                    "flag_type": "EXPLOITED",
                    "severity": number % 5 + 1,
                    "reason": "Raised in the race.",
                    "source": f"{source}-{number}",
                },
                format="json",
            )
            for number, client in enumerate(raisers[len(resolutions) :])
        ]
        reads = [lambda client=client: read_all(client) for client in readers]
        responses = race([*resolutions, *raises, *reads])
        written = responses[:CLIENTS]
        assert [r.status_code for r in written] == [200] * len(resolutions) + [201] * len(raises), [
            r.content for r in written
        ]

        table = {
            str(flag_id): severity
            for flag_id, severity in AssetQualityFlag.objects.filter(
                asset=asset, resolved_at__isnull=True
            ).values_list("flag_id", "severity")
        }
        assert table, "every round leaves flags active"
        for min_severity in (1, 5):
            expected = {flag for flag, severity in table.items() if severity >= min_severity}
            for lookup_type, params in by.items():
                for _ in range(2):  # the first read may load and store, the second hits
                    body = viewer.get(PRETRADE, {**params, "min_severity": min_severity}).json()
                    assert blocking_of(body, asset) == expected, (round_number, lookup_type)
                    assert body["tradeable"] is (not expected)
        for lookup_type, value in zip(keys, read_keys(list(keys.values())), strict=True):
            # Every write's tombstone is gone with its commit; a reader's loading marker
            # may remain where its lease lapsed under load (it stored nothing then).
            assert value != TOMBSTONE, f"a write left the {lookup_type} answer tombstoned"
            cached = decode(value)
            if cached is None:
                assert value is None or value.startswith(LOADING), value
                continue
            _, answer = pretrade_answer(lookup_type, *cached, 1)
            assert blocking_of(answer, asset) == set(table), (round_number, lookup_type)


def blocking_of(answer: dict, asset) -> set[str]:
    return {
        flag["flag_id"]
        for flag in answer["blocking_flags"]
        if flag["asset_id"] == str(asset.asset_id)
    }
