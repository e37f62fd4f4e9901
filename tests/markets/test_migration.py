"""Venue tickers become markets: the migration, on a copy of the demo data as the
registry held it before markets existed (a dump taken at f9bec69 after `load_demo`, with
binance ETHUSDT delisted and kraken XETHZUSD deactivated, so the copy has history)."""

import gzip
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

DUMP = (
    Path(__file__).resolve().parent.parent
    / "fixtures"
    / "migrations"
    / "demo-before-markets.sql.gz"
)


@pytest.fixture
def old_registry(db):
    """A database holding the pre-markets demo registry; dropped afterwards."""
    params = connection.get_connection_params()
    server = f"postgres://{params.get('user', 'postgres')}@{params['host']}:{params['port']}"
    name = f"cqar_premarkets_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        restored = subprocess.run(
            ["psql", "-q", "-v", "ON_ERROR_STOP=1", f"{server}/{name}"],
            input=gzip.decompress(DUMP.read_bytes()),
            capture_output=True,
        )
        assert restored.returncode == 0, restored.stderr.decode()
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def rows(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(url) as db:
        return db.execute(sql).fetchall()


def migrate(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def test_every_ticker_becomes_a_market_with_its_id_period_status_and_history(old_registry):
    tickers = rows(
        old_registry,
        "SELECT id, venue_id, symbol, market_type, is_active, listed_at, delisted_at, "
        "metadata, asset_id, quote_asset_id, created_at, version "
        "FROM venues_venuesymbol ORDER BY id",
    )
    history = rows(
        old_registry,
        "SELECT pgh_obj_id, pgh_label, pgh_created_at, pgh_context, symbol "
        "FROM venues_venuesymbolevent ORDER BY pgh_id",
    )
    assert len(tickers) == 7 and len(history) == 9

    migrate(old_registry)

    markets = rows(
        old_registry,
        "SELECT m.id, m.venue_id, m.venue_symbol, m.market_type, m.status, m.listed_at, "
        "m.delisted_at, m.metadata, i.underlying_asset_id, i.quote_asset_id, m.created_at, "
        "m.version, i.instrument_type, i.terms_complete, q.asset_type, q.symbol, i.code "
        "FROM markets_market m JOIN markets_instrument i USING (instrument_id) "
        "LEFT JOIN assets_asset q ON q.asset_id = i.quote_asset_id ORDER BY m.id",
    )
    assert [m[:4] for m in markets] == [t[:4] for t in tickers]  # ids, venues, symbols, types
    for ticker, market in zip(tickers, markets, strict=True):
        (_, _, symbol, _, active, listed, delisted, metadata, base, quote, created, version) = (
            ticker
        )
        assert market[5:9] == (listed, delisted, metadata, base)
        assert market[10:12] == (created, version)
        expected = "DELISTED" if delisted else ("TRADING" if active else "HALTED")
        assert market[4] == expected, symbol
        if quote is not None:
            assert market[9] == quote
        elif metadata.get("quote_currency"):  # a fiat quote: now a FIAT asset
            assert market[14:16] == ("FIAT", metadata["quote_currency"])
    by_symbol = {(m[1], m[2], m[3]): m for m in markets}
    # One spot instrument per pair, shared across venues; a derivative's terms not known.
    assert by_symbol["coinbase", "BTC-USD", "SPOT"][16] == "BTC-USD"
    assert by_symbol["kraken", "XXBTZUSD", "SPOT"][16] == "BTC-USD"
    perpetual = by_symbol["binance", "BTCUSDT", "PERPETUAL"]
    assert perpetual[12:14] == ("PERPETUAL", False)
    assert rows(old_registry, "SELECT count(*) FROM assets_asset WHERE asset_type = 'FIAT'") == [
        (1,)
    ]
    # The history moved with them: same rows, labels, times and actors, in order.
    moved = rows(
        old_registry,
        "SELECT pgh_obj_id, pgh_label, pgh_created_at, pgh_context, venue_symbol "
        "FROM markets_marketevent ORDER BY pgh_id",
    )
    assert moved == history
    assert rows(old_registry, "SELECT to_regclass('venues_venuesymbol')") == [(None,)]
    # New markets get ids after the old ones.
    next_id = rows(old_registry, "SELECT nextval(pg_get_serial_sequence('markets_market', 'id'))")
    assert next_id[0][0] > max(t[0] for t in tickers)
