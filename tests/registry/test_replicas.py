"""Reads on a real streaming replica (registry/replicas.py, docs/SCALING-postgres.md).

The session starts a PostgreSQL primary and a hot standby of it (pg_basebackup -R) of
its own, and a Django process (tests/django_driver.py) with DATABASE_URL on the primary
and DATABASE_REPLICA_URLS on the standby. The test pauses the standby's replay, stops
and restarts it, and asks the process where each request's statements ran.
"""

import statistics
import time
import uuid

import pytest

# The session's test database is what the own primary's database is copied from.
pytestmark = pytest.mark.django_db

ASSETS = "/api/v1/assets/"
RESOLVE_SYMBOL = "/api/v1/resolve/symbol/"
ASSET_ROW = 'FROM "assets_asset"'  # a statement that reads assets
CHECK_SQL = "pg_last_xact_replay_timestamp"  # registry.replicas' check of a replica


@pytest.fixture(scope="module")
def standby(own_standby):
    return own_standby


@pytest.fixture(scope="module")
def driver(start_driver, own_primary, own_standby):
    return start_driver(
        DATABASE_URL=own_primary.url("cqar"),
        DATABASE_REPLICA_URLS=own_standby.url("cqar"),
    )


@pytest.fixture(autouse=True)
def _checked_every_read(driver, own_standby):
    """Each test starts with the replica checked before every read (so what a read finds
    is the replica as it is then), a threshold it never reaches, and replay running."""
    driver.call(
        "configure",
        DATABASE_REPLICA_CHECK_SECONDS=0,
        DATABASE_REPLICA_MAX_LAG_SECONDS=3600,
        DATABASE_REPLICA_RETRY_SECONDS=3600,
    )
    yield
    if own_standby.value("SELECT pg_is_wal_replay_paused()"):
        own_standby.query("SELECT pg_wal_replay_resume()")


def new_asset(driver, name: str = "Replica Test Coin") -> dict:
    symbol = f"R{uuid.uuid4().hex[:8].upper()}"
    reply = driver.call(
        "api",
        method="POST",
        path=ASSETS,
        data={"symbol": symbol, "name": name, "asset_type": "ERC20"},
    )
    assert reply.result["status"] == 201, reply.result
    return reply.result["body"]


def detail(asset: dict) -> str:
    return f"{ASSETS}{asset['asset_id']}/"


def replayed(primary, standby) -> None:
    """Wait until the standby has replayed all the primary has written."""
    standby.wait_until_replayed(primary.wal_position())


def test_a_read_routed_to_the_replica_sees_committed_data(driver, own_primary, standby):
    """Each asset created through the API is read back from the standby (its asset query
    ran there, on a server in recovery) once the standby has replayed the write; the
    time from the write's response until the standby has replayed it is the replica lag
    printed."""
    lags = []
    with own_primary.connect() as on_primary, standby.connect() as on_standby:
        for number in range(20):
            asset = new_asset(driver, name=f"Replica Test Coin {number}")
            answered = time.monotonic()
            standby.wait_until_replayed(own_primary.wal_position(on_primary), connection=on_standby)
            lags.append(time.monotonic() - answered)
            reply = driver.call("api", method="GET", path=detail(asset))
        assert reply.result["status"] == 200
        assert reply.result["body"]["name"] == f"Replica Test Coin {number}"
        assert reply.ran_on("replica_0", ASSET_ROW)
        assert not reply.ran_on("default", ASSET_ROW)
    assert driver.call("server_of", alias="replica_0").result == {
        "in_recovery": True,
        "port": standby.port,
    }
    [health] = driver.call("replica_status").result
    print(
        f"\nreplica lag, write response to replay, {len(lags)} writes: median "
        f"{statistics.median(lags) * 1000:.2f} ms, max {max(lags) * 1000:.2f} ms; "
        f"lag the router measured last: {health['lag_seconds']} s"
    )


def test_a_write_is_read_back_in_the_same_request_from_the_primary(driver, own_primary, standby):
    """With the standby's replay paused (it cannot know the new asset), a request that
    creates an asset and then reads it through the detail view gets it: after a write,
    the request's reads go to the primary. Without a write, the same view in another
    request reads the standby."""
    known = new_asset(driver)
    replayed(own_primary, standby)
    standby.query("SELECT pg_wal_replay_pause()")

    outcome = driver.call(
        "create_then_retrieve",
        collection=ASSETS,
        payload={"symbol": "RSAMEREQ", "name": "Same Request Coin", "asset_type": "ERC20"},
        id_field="asset_id",
    ).result
    assert outcome["created"]["status"] == 201
    assert outcome["retrieved"]["status"] == 200
    assert outcome["retrieved"]["body"]["name"] == "Same Request Coin"
    assert any(ASSET_ROW in sql for sql in outcome["retrieve_queries"].get("default", []))
    assert not any(ASSET_ROW in sql for sql in outcome["retrieve_queries"].get("replica_0", []))

    reply = driver.call("retrieve_in_one_request", path=detail(known))
    assert reply.result["retrieved"]["status"] == 200
    assert reply.ran_on("replica_0", ASSET_ROW)


def test_reads_inside_a_transaction_stay_on_the_primary(driver, own_primary, standby):
    """A list or detail read inside transaction.atomic (a service reading before it
    writes) never goes to a replica."""
    asset = new_asset(driver)
    replayed(own_primary, standby)
    reply = driver.call("retrieve_in_one_request", path=detail(asset), in_transaction=True)
    assert reply.result["retrieved"]["status"] == 200
    assert reply.ran_on("default", ASSET_ROW)
    assert not reply.ran_on("replica_0", ASSET_ROW)


def test_a_replica_lagging_more_than_the_threshold_is_skipped(driver, own_primary, standby):
    """A read in a later request than the write may trail it while the replica is within
    DATABASE_REPLICA_MAX_LAG_SECONDS (the documented promise); once the replica is
    further behind than that, reads go to the primary, and come back to the replica when
    it has caught up."""
    replayed(own_primary, standby)
    standby.query("SELECT pg_wal_replay_pause()")
    asset = new_asset(driver)

    trailing = driver.call("api", method="GET", path=detail(asset))
    assert trailing.result["status"] == 404  # the standby has not replayed the create
    assert trailing.ran_on("replica_0", ASSET_ROW)

    driver.call("configure", DATABASE_REPLICA_MAX_LAG_SECONDS=0.2)
    time.sleep(0.3)  # the create, which the standby lacks, is now over 0.2 s old
    skipped = driver.call("api", method="GET", path=detail(asset))
    assert skipped.result["status"] == 200
    assert skipped.ran_on("default", ASSET_ROW)
    assert not skipped.ran_on("replica_0", ASSET_ROW)
    [health] = driver.call("replica_status").result
    assert health["state"] == "lagging"
    assert health["lag_seconds"] > 0.2
    print(f"\nlag the router measured with replay paused: {health['lag_seconds']} s")

    standby.query("SELECT pg_wal_replay_resume()")
    replayed(own_primary, standby)
    driver.call("configure", DATABASE_REPLICA_MAX_LAG_SECONDS=5)
    back = driver.call("api", method="GET", path=detail(asset))
    assert back.result["status"] == 200
    assert back.ran_on("replica_0", ASSET_ROW)
    assert driver.call("replica_status").result[0]["state"] == "ok"


def test_a_cache_miss_uses_a_replica_only_once_it_has_replayed_every_earlier_commit(
    driver, own_primary, standby
):
    """The hot cache stores what a miss loads. After a rename, the symbol lookup's key is
    invalidated; the standby (replay paused) still has the old name and may serve list
    reads, but the miss is loaded from the primary, so Redis gets the new name. Once the
    standby has caught up, misses load from it again."""
    # A lease that outlasts the test, taken now: renewing it writes a row, and a write
    # the standby has not replayed yet would send the miss below to the primary.
    driver.call("configure", CACHE_LEASE_SECONDS=600)
    unknown = {"symbol": "RNOSUCHSYMBOL"}
    assert (
        driver.call("api", method="GET", path=RESOLVE_SYMBOL, data=unknown).result["status"] == 404
    )
    asset = new_asset(driver, name="Before Rename")
    symbol = asset["symbol"]
    replayed(own_primary, standby)
    first = driver.call("api", method="GET", path=RESOLVE_SYMBOL, data={"symbol": symbol})
    assert first.result["status"] == 200
    assert first.ran_on("replica_0", ASSET_ROW)  # a caught-up replica answered the miss
    assert (
        "Before Rename"
        in driver.call("cached_answer", lookup_type="symbol", params={"symbol": symbol}).result
    )

    standby.query("SELECT pg_wal_replay_pause()")
    renamed = driver.call("api", method="PATCH", path=detail(asset), data={"name": "After Rename"})
    assert renamed.result["status"] == 200

    stale_list = driver.call("api", method="GET", path=ASSETS, data={"symbol": symbol})
    assert stale_list.ran_on("replica_0", ASSET_ROW)
    assert [row["name"] for row in stale_list.result["body"]["results"]] == ["Before Rename"]

    miss = driver.call("api", method="GET", path=RESOLVE_SYMBOL, data={"symbol": symbol})
    assert miss.result["status"] == 200
    assert miss.result["body"]["assets"][0]["name"] == "After Rename"
    assert miss.ran_on("default", ASSET_ROW)
    assert not miss.ran_on("replica_0", ASSET_ROW)
    cached = driver.call("cached_answer", lookup_type="symbol", params={"symbol": symbol}).result
    assert "After Rename" in cached and "Before Rename" not in cached

    standby.query("SELECT pg_wal_replay_resume()")
    other = new_asset(driver)
    replayed(own_primary, standby)
    again = driver.call("api", method="GET", path=RESOLVE_SYMBOL, data={"symbol": other["symbol"]})
    assert again.result["status"] == 200
    assert again.ran_on("replica_0", ASSET_ROW)


def test_a_table_the_replica_has_not_replayed_yet_is_read_from_the_primary(
    driver, own_primary, standby
):
    """Right after a migration, a replica may lack a new table or column: the read that
    meets the error on the replica is answered by the primary, and the replica stays in
    use (it is not down, only behind)."""
    asset = new_asset(driver)
    replayed(own_primary, standby)
    standby.query("SELECT pg_wal_replay_pause()")
    table = f"replica_probe_{uuid.uuid4().hex[:8]}"
    own_primary.query(
        f"CREATE TABLE {table} AS SELECT asset_id FROM assets_asset WHERE asset_id = %s",
        [asset["asset_id"]],
        database="cqar",
    )
    reply = driver.call(
        "raw_read_on_replica", model="assets.Asset", sql=f"SELECT asset_id FROM {table}"
    )
    assert reply.result == [asset["asset_id"]]
    assert reply.ran_on("replica_0", table) and reply.ran_on("default", table)
    assert driver.call("replica_status").result[0]["state"] == "ok"


def test_a_replica_is_checked_once_per_interval_not_per_request(driver, own_primary, standby):
    """With DATABASE_REPLICA_CHECK_SECONDS long, five list reads check the replica once."""
    new_asset(driver)
    replayed(own_primary, standby)
    driver.call("configure", DATABASE_REPLICA_CHECK_SECONDS=3600)
    checks = 0
    for _ in range(5):
        reply = driver.call("api", method="GET", path=ASSETS)
        assert reply.result["status"] == 200
        assert reply.ran_on("replica_0", ASSET_ROW)
        checks += sum(CHECK_SQL in sql for sql in reply.queries.get("replica_0", []))
    assert checks == 1


@pytest.mark.parametrize(
    "check_seconds",
    [0, 3600],
    ids=["found-by-the-check", "found-by-the-read"],
)
def test_a_replica_stopped_mid_run_costs_no_error(driver, own_primary, standby, check_seconds):
    """The standby stops while the process holds a connection to it: every request still
    succeeds, from the primary; the replica is not tried again on each request but after
    DATABASE_REPLICA_RETRY_SECONDS, and serves reads again once it is back. Whether the
    failure is met by the replica check or by the read itself (a check still fresh)."""
    asset = new_asset(driver)
    replayed(own_primary, standby)
    driver.call("configure", DATABASE_REPLICA_CHECK_SECONDS=check_seconds)
    assert driver.call("api", method="GET", path=detail(asset)).ran_on("replica_0", ASSET_ROW)

    standby.stop("fast")
    try:
        first = driver.call("api", method="GET", path=detail(asset))
        assert first.result["status"] == 200
        assert first.ran_on("default", ASSET_ROW)
        assert driver.call("replica_status").result[0]["state"] == "down"
        for path in (ASSETS, detail(asset), ASSETS):
            reply = driver.call("api", method="GET", path=path)
            assert reply.result["status"] == 200
            assert reply.ran_on("default", ASSET_ROW)
            assert reply.connects.get("replica_0", 0) == 0  # left alone, not retried
    finally:
        standby.start()

    driver.call("configure", DATABASE_REPLICA_RETRY_SECONDS=0, DATABASE_REPLICA_CHECK_SECONDS=0)
    replayed(own_primary, standby)
    back = driver.call("api", method="GET", path=detail(asset))
    assert back.result["status"] == 200
    assert back.ran_on("replica_0", ASSET_ROW)
