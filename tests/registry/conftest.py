"""PostgreSQL servers of the session's own, for the replica and PgBouncer tests: a primary
holding a copy of the migrated test database, and a streaming standby of it."""

import os
import secrets
import shutil

import pytest

from tests.django_driver import DjangoDriver
from tests.events.worker import session_database_url
from tests.postgres_servers import PostgresCluster, copy_database, scratch_directory
from tests.redis_server import RedisServer

DATABASE = "cqar"


@pytest.fixture(scope="session")
def own_primary(django_db_setup):
    """A PostgreSQL primary of the session's own (wal_level replica, trusting
    127.0.0.1), whose database ``cqar`` is a copy of the migrated test database (so a
    module using it marks its tests django_db, which makes pytest-django create it)."""
    directory = scratch_directory("cqar-primary-")
    primary = PostgresCluster.primary(directory)
    try:
        copy_database(session_database_url(), primary, DATABASE)
        yield primary
    finally:
        primary.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def own_standby(own_primary):
    """A hot standby streaming from ``own_primary`` (pg_basebackup -R)."""
    directory = scratch_directory("cqar-standby-")
    standby = own_primary.standby(directory)
    try:
        yield standby
    finally:
        standby.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)


def driver_environment(redis: RedisServer, **settings: str) -> dict[str, str]:
    """The environment of a driver process: this one's, without the broker and the bus
    (tasks run inline; events stay in the outbox), with ``settings`` on top."""
    excluded = {"CELERY_BROKER_URL", "NATS_URL", "PROMETHEUS_MULTIPROC_DIR", "DATABASE_URL"}
    return {
        **{key: value for key, value in os.environ.items() if key not in excluded},
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "testserver",
        "REDIS_URL": redis.url,
        "LOG_LEVEL": "WARNING",
        **settings,
    }


@pytest.fixture(scope="module")
def start_driver(tmp_path_factory):
    """``start_driver(**settings)``: a DjangoDriver with its own Redis, logged in; stopped
    (with its Redis) when the module using it ends."""
    started = []

    def start(**settings: str) -> DjangoDriver:
        directory = tmp_path_factory.mktemp("driver")
        redis = RedisServer(directory / "redis").start()
        driver = DjangoDriver(driver_environment(redis, **settings), directory / "driver.log")
        started.append((driver, redis))
        driver.start()
        driver.call("login")
        return driver

    yield start
    for driver, redis in started:
        driver.stop()
        redis.stop()
