"""The web tier behind PgBouncer in transaction mode (DATABASE_POOL_MODE=transaction), and
the Celery worker that must not be (docs/SCALING-postgres.md).

The module starts Debian's pgbouncer of its own in front of the session's own PostgreSQL
primary, in transaction mode with round-robin server connections: consecutive
transactions of one client run on different server connections, so whatever a session
would keep between them (a prepared statement, a named cursor, an advisory lock) is lost.
"""

import os
import shutil
import subprocess
import sys
import uuid

import psycopg
import pytest
from django.core.exceptions import ImproperlyConfigured

from registry.events.outbox import publish_pending
from tests.django_driver import ROOT
from tests.postgres_servers import PgBouncer, scratch_directory

# The session's test database is what the own primary's database is copied from.
pytestmark = pytest.mark.django_db

ASSETS = "/api/v1/assets/"


@pytest.fixture(scope="module")
def bouncer(own_primary):
    directory = scratch_directory("cqar-pgbouncer-")
    bouncer = PgBouncer(
        directory,
        own_primary,
        "cqar",
        pool_mode="transaction",
        server_round_robin=1,
        default_pool_size=2,
    )
    try:
        yield bouncer.start()
    finally:
        bouncer.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def two_server_connections(bouncer):
    """Make the pool hold two idle server connections: one client's consecutive
    transactions then alternate between them (server_round_robin)."""
    with (
        psycopg.connect(bouncer.url(), autocommit=True) as first,
        psycopg.connect(bouncer.url(), autocommit=True) as second,
    ):
        first.execute("BEGIN")
        first.execute("SELECT 1")  # holds one server connection
        second.execute("SELECT 1")  # so this one needs another
        first.execute("COMMIT")


@pytest.fixture(scope="module")
def driver(start_driver, bouncer):
    return start_driver(DATABASE_URL=bouncer.url(), DATABASE_POOL_MODE="transaction")


def test_transaction_pooling_loses_what_a_session_keeps(bouncer, two_server_connections):
    """The hazard, on this PgBouncer: one client's statements run on different server
    connections, and a statement psycopg prepared on one is unknown to the next."""
    with psycopg.connect(bouncer.url(), autocommit=True, prepare_threshold=None) as plain:
        pids = {plain.execute("SELECT pg_backend_pid()").fetchone()[0] for _ in range(4)}
    assert len(pids) == 2
    with (
        psycopg.connect(bouncer.url(), autocommit=True, prepare_threshold=0) as preparing,
        pytest.raises(psycopg.errors.InvalidSqlStatementName),
    ):
        for _ in range(3):
            preparing.execute("SELECT %s::int", [1])


def test_the_api_reads_and_writes_behind_pgbouncer_in_transaction_mode(
    driver, bouncer, two_server_connections
):
    """Creates, an update, lists, detail reads and hot lookups through PgBouncer all
    succeed, while the process's statements are spread over both server connections."""
    assert len(set(driver.call("backend_pids", times=4).result)) == 2
    created = []
    for number in range(3):
        reply = driver.call(
            "api",
            method="POST",
            path=ASSETS,
            data={
                "symbol": f"B{uuid.uuid4().hex[:8].upper()}",
                "name": f"Pooled Coin {number}",
                "asset_type": "ERC20",
            },
        )
        assert reply.result["status"] == 201, reply.result
        created.append(reply.result["body"])
    detail = f"{ASSETS}{created[0]['asset_id']}/"
    renamed = driver.call("api", method="PATCH", path=detail, data={"name": "Pooled Renamed"})
    assert renamed.result["status"] == 200, renamed.result
    for _ in range(8):  # each request's queries repeat those of the one before
        reply = driver.call("api", method="GET", path=detail)
        assert reply.result["status"] == 200
        assert reply.result["body"]["name"] == "Pooled Renamed"
    listed = driver.call("api", method="GET", path=ASSETS, data={"page_size": 2})
    assert listed.result["status"] == 200 and len(listed.result["body"]["results"]) == 2
    for asset in created:
        reply = driver.call(
            "api", method="GET", path="/api/v1/resolve/symbol/", data={"symbol": asset["symbol"]}
        )
        assert reply.result["status"] == 200
    [stats] = [row for row in bouncer.admin("SHOW STATS") if row["database"] == "cqar"]
    assert int(stats["total_xact_count"]) > 20


def test_a_request_repeating_a_query_more_than_five_times_works_behind_pgbouncer(
    driver, two_server_connections
):
    """The same query ten times on one connection (psycopg would prepare it from the
    sixth), the same through a server-side-binding cursor, and an iterator() read (a
    named cursor, were server-side cursors on): all answer, because the pool mode turns
    prepared statements and server-side cursors off."""
    asset = driver.call(
        "api",
        method="POST",
        path=ASSETS,
        data={"symbol": "BREPEAT", "name": "Repeated Coin", "asset_type": "ERC20"},
    ).result["body"]
    outcome = driver.call("repeat_query", model="assets.Asset", pk=asset["asset_id"], times=10)
    assert outcome.result["orm_rows"] == [asset["asset_id"]] * 10
    assert outcome.result["bound_rows"] == [1] * 10
    assert outcome.result["iterated"] >= 1
    assert outcome.result["prepare_threshold"] is None
    assert outcome.result["server_side_cursors_disabled"] is True


def test_the_outbox_publisher_refuses_a_transaction_pool(settings):
    """Its session advisory lock would stay on a server connection PgBouncer hands to
    others: publishing says so instead."""
    settings.DATABASE_POOL_MODE = "transaction"
    settings.NATS_URL = "nats://127.0.0.1:4222"
    with pytest.raises(ImproperlyConfigured, match="session advisory lock"):
        publish_pending()


def test_a_celery_worker_refuses_to_start_behind_a_transaction_pool():
    """A worker with DATABASE_POOL_MODE=transaction stops at start, saying why and what
    to set, before it takes any task."""
    env = {
        **os.environ,
        "DATABASE_POOL_MODE": "transaction",
        "CELERY_QUEUE": f"cqar-test-refused-{uuid.uuid4().hex[:8]}",
    }
    result = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel=WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "session advisory lock" in result.stderr
    assert "DATABASE_URL pointing at PostgreSQL directly" in result.stderr
