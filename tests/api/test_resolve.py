"""The hot lookups under /api/v1/resolve/: answers on the demo data, unknowns, batch, auth."""

import orjson
import pytest
from knox.models import AuthToken

from registry.cache import redis_state
from tests.api.conftest import assert_error
from tests.authorization import ACCOUNT_CHANGES

pytestmark = pytest.mark.django_db

RESOLVE = "/api/v1/resolve/"
USDC_ETHEREUM = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


@pytest.fixture(autouse=True)
def _fresh_breaker():
    redis_state.reset()
    yield
    redis_state.reset()


def get(client, path, **params):
    response = client.get(f"{RESOLVE}{path}/", params)
    return response.status_code, orjson.loads(response.content)


def counterfeit_usdc(client) -> dict:
    _, usdc = get(client, "symbol", symbol="USDC")
    return next(asset for asset in usdc["assets"] if asset["active_flags"])


def test_venue_ticker_resolves_to_its_asset_with_quote_and_collisions(demo, viewer):
    status, body = get(viewer, "venue-symbol", venue="binance", symbol="ETHUSDT")
    assert status == 200
    assert (body["asset"]["symbol"], body["quote_asset"]["symbol"]) == ("ETH", "USDT")
    assert body["market_type"] == "SPOT"
    assert body["symbol_collisions"]["count"] == 1


def test_same_ticker_resolves_per_market_type(demo, viewer):
    _, spot = get(viewer, "venue-symbol", venue="binance", symbol="BTCUSDT")
    _, perp = get(
        viewer, "venue-symbol", venue="binance", symbol="BTCUSDT", market_type="perpetual"
    )
    assert (spot["market_type"], perp["market_type"]) == ("SPOT", "PERPETUAL")
    assert spot["asset"]["asset_id"] == perp["asset"]["asset_id"]


def test_unknown_ticker_is_404_with_the_reason_and_stays_404_when_cached(demo, viewer):
    for _ in range(2):
        status, body = get(viewer, "venue-symbol", venue="kraken", symbol="NOPEUSD")
        assert status == 404
        assert "NOPEUSD" in body["error"]["message"]


def test_deployment_resolves_in_any_letter_case(demo, viewer):
    for spelling in (USDC_ETHEREUM, USDC_ETHEREUM.lower(), USDC_ETHEREUM.upper().replace("X", "x")):
        status, body = get(viewer, "deployment", chain="ethereum", address=spelling)
        assert status == 200, spelling
        assert (body["asset"]["name"], body["deployment"]["decimals"]) == ("USD Coin", 6)
        assert body["symbol_collisions"]["count"] == 2


def test_solana_mint_resolves_only_exactly(demo, viewer):
    mint = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
    assert get(viewer, "deployment", chain="solana", address=mint)[0] == 200
    assert get(viewer, "deployment", chain="solana", address=mint.lower())[0] == 404


def test_pretrade_blocks_the_flagged_asset_by_any_of_its_names(demo, viewer):
    fake = counterfeit_usdc(viewer)
    status, body = get(viewer, "pretrade", asset=fake["asset_id"])
    assert status == 200
    assert (body["tradeable"], body["highest_active_severity"]) == (False, 5)
    assert [flag["flag_type"] for flag in body["blocking_flags"]] == ["SCAM"]
    assert get(viewer, "pretrade", venue="kraken", symbol="XXBTZUSD")[1]["tradeable"] is True
    by_address = get(viewer, "pretrade", chain="ethereum", address=USDC_ETHEREUM.lower())[1]
    assert (by_address["asset"]["name"], by_address["tradeable"]) == ("USD Coin", True)


def test_pretrade_threshold_is_a_parameter(demo, viewer, auditor):
    btc = get(viewer, "venue-symbol", venue="kraken", symbol="XXBTZUSD")[1]["asset"]["asset_id"]
    auditor.post(
        "/api/v1/quality-flags/",
        {"asset": btc, "flag_type": "LOW_LIQUIDITY", "severity": 3, "reason": "thin books"},
        format="json",
    )
    assert get(viewer, "pretrade", asset=btc)[1]["tradeable"] is True
    low_bar = get(viewer, "pretrade", asset=btc, min_severity=3)[1]
    assert (low_bar["tradeable"], low_bar["highest_active_severity"]) == (False, 3)


def test_pretrade_of_an_unknown_asset_is_404_and_bad_input_400(demo, viewer):
    assert get(viewer, "pretrade", asset="00000000-0000-0000-0000-000000000000")[0] == 404
    assert get(viewer, "pretrade", asset="not-a-uuid")[0] == 400
    assert get(viewer, "pretrade")[0] == 400
    assert get(viewer, "pretrade", venue="kraken", symbol="XXBTZUSD", min_severity=9)[0] == 400


def test_aggregate_by_group_has_every_eth_variant_with_paths(demo, viewer):
    status, body = get(viewer, "aggregate", group="eth")
    assert status == 200
    members = {member["symbol"] for member in body["members"]}
    variants = {variant["asset"]["symbol"]: variant for variant in body["variants"]}
    assert members | set(variants) == {"ETH", "WETH", "stETH", "wstETH", "cbETH", "rETH"}
    assert body["members"][0]["is_canonical"] is True


def test_aggregate_by_asset_follows_relationships_transitively(demo, viewer):
    eth = get(viewer, "aggregate", group="ETH")[1]["members"][0]["asset_id"]
    _, body = get(viewer, "aggregate", asset=eth)
    variants = {variant["asset"]["symbol"]: variant for variant in body["variants"]}
    assert set(variants) == {"WETH", "stETH", "wstETH", "cbETH", "rETH"}
    assert variants["wstETH"]["relationship_types"] == ["STAKES", "WRAPS"]
    assert variants["WETH"]["conversion_rate"] == "1"
    assert get(viewer, "aggregate", group="NOPE")[0] == 404


def test_symbol_lookup_lists_every_asset_with_its_chains(demo, viewer):
    status, body = get(viewer, "symbol", symbol="usdc")
    assert status == 200
    assert body["count"] == 2
    real = next(asset for asset in body["assets"] if not asset["active_flags"])
    assert "ethereum" in real["chains"] and "solana" in real["chains"]


def batch(client, lookups):
    response = client.post(f"{RESOLVE}batch/", {"lookups": lookups}, format="json")
    return response.status_code, orjson.loads(response.content)


def test_batch_answers_mixed_lookups_in_order_with_reasons_for_unknowns(demo, viewer):
    fake = counterfeit_usdc(viewer)
    lookups = [
        {"type": "venue_symbol", "venue": "kraken", "symbol": "XXBTZUSD"},
        {"type": "deployment", "chain": "ethereum", "address": "0x" + "00" * 19 + "01"},
        {"type": "pretrade", "asset": fake["asset_id"]},
        {"type": "aggregate", "group": "ETH"},
        {"type": "venue_symbol", "venue": "kraken", "symbol": "XXBTZUSD"},
        {"type": "symbol", "symbol": "WBTC"},
    ]
    status, body = batch(viewer, lookups)
    assert status == 200
    results = body["results"]
    assert [result["found"] for result in results] == [True, False, True, True, True, True]
    assert results[0]["result"]["asset"]["symbol"] == "BTC"
    assert results[1]["result"] is None and "No deployment" in results[1]["reason"]
    assert results[2]["result"]["tradeable"] is False
    assert results[3]["result"]["group"]["canonical_symbol"] == "ETH"
    assert results[4] == results[0]
    assert results[5]["result"]["assets"][0]["symbol"] == "WBTC"


def test_batch_of_1000_is_answered_and_1001_is_400(demo, viewer):
    one = {"type": "venue_symbol", "venue": "binance", "symbol": "ETHUSDT"}
    status, body = batch(viewer, [one] * 1000)
    assert status == 200 and len(body["results"]) == 1000
    status, body = batch(viewer, [one] * 1001)
    assert status == 400
    assert "at most 1000" in body["error"]["message"]


def test_a_malformed_batch_item_answers_found_false_with_its_reason(demo, viewer):
    """One item that cannot be read does not fail the batch: it answers found: false
    with what is wrong, and every other item is answered."""
    good = {"type": "venue_symbol", "venue": "kraken", "symbol": "XXBTZUSD"}
    status, body = batch(
        viewer,
        [
            good,
            {"type": "x"},
            {"type": "deployment", "chain": "ethereum"},
            "not an object",
            {"type": "venue_symbol", "venue": "binance", "symbol": "BTCUSDT", "markettype": "X"},
            {"type": "pretrade", "asset": "not-a-uuid"},
            {"type": "pretrade", "venue": "kraken", "symbol": "XXBTZUSD", "min_severity": "²"},
            good,
        ],
    )
    assert status == 200
    results = body["results"]
    assert [result["found"] for result in results] == [True] + [False] * 6 + [True]
    assert all(result["result"] is None for result in results[1:7])
    reasons = [result["reason"] for result in results[1:7]]
    assert reasons[0].startswith("type: one of address, aggregate, asset, deployment")
    assert reasons[1].startswith("address:")
    assert reasons[2] == "must be an object with a type."
    assert reasons[3].startswith("markettype: Unknown parameter")
    assert "market_type" in reasons[3]
    assert reasons[4].startswith("asset:")
    assert reasons[5].startswith("min_severity:")
    assert results[7] == results[0]


def test_batch_takes_only_json(demo, viewer):
    """Like the rest of the API, the batch refuses a body that is not declared JSON (415)."""
    body = orjson.dumps({"lookups": [{"type": "symbol", "symbol": "BTC"}]})
    for content_type in ("text/plain", "application/x-www-form-urlencoded", ""):
        response = viewer.generic("POST", f"{RESOLVE}batch/", body, content_type=content_type)
        assert_error(response, 415, "unsupported_media_type")
    response = viewer.post(f"{RESOLVE}batch/", body, content_type="application/json; charset=utf-8")
    assert response.status_code == 200, response.content


def test_resolve_needs_a_token_with_read_permission(demo, anonymous, viewer):
    response = anonymous.get(f"{RESOLVE}venue-symbol/", {"venue": "kraken", "symbol": "XXBTZUSD"})
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"
    anonymous.credentials(HTTP_AUTHORIZATION="Token cqar_not-a-token")
    assert_error(anonymous.get(f"{RESOLVE}symbol/", {"symbol": "BTC"}), 401)


def test_a_token_without_read_permission_is_403(demo, db):
    from tests.api.conftest import token_client

    nobody = token_client("nobody")
    assert_error(nobody.get(f"{RESOLVE}symbol/", {"symbol": "BTC"}), 403, "permission_denied")


@pytest.mark.parametrize(("change", "status"), ACCOUNT_CHANGES.values(), ids=list(ACCOUNT_CHANGES))
def test_an_account_change_stops_its_remembered_token_at_once(demo, viewer, change, status):
    """The hot path remembers a token's account for HOT_AUTH_CACHE_SECONDS; deactivating
    or deleting the account, or taking its read permission away (from the account or
    its role, from either side), forgets it in the same transaction."""
    from registry.api.resolve import read_permission

    assert get(viewer, "symbol", symbol="BTC")[0] == 200  # authenticated, and remembered
    change(viewer.user, read_permission())
    response = viewer.get(f"{RESOLVE}symbol/", {"symbol": "BTC"})
    assert_error(response, status)


def test_a_login_does_not_forget_the_account_s_tokens(demo, viewer):
    """Only a change of what is remembered forgets: a login's save of last_login does
    not (no tombstone written)."""
    from django.contrib.auth.models import update_last_login

    from registry.api.fastauth import auth_key_of_header

    assert get(viewer, "symbol", symbol="BTC")[0] == 200
    key = auth_key_of_header(viewer._credentials["HTTP_AUTHORIZATION"])
    update_last_login(None, viewer.user)
    assert redis_state.raw().get(key)[:1] == b"{"


def test_a_revoked_token_stops_working_at_once_though_it_was_cached(demo, viewer):
    assert get(viewer, "symbol", symbol="BTC")[0] == 200  # authenticated, and remembered
    AuthToken.objects.filter(user=viewer.user).delete()
    response = viewer.get(f"{RESOLVE}symbol/", {"symbol": "BTC"})
    assert_error(response, 401)
