"""The embedded PostgreSQL of the quick start.

When ``DATABASE_URL`` is not set, settings call :func:`embedded_database` and the
registry runs on a private PostgreSQL server from the ``pgserver`` wheel, with its data
under ``var/pgdata``. It is the same PostgreSQL the tests and production use, so the
quick start exercises the same constraints and indexes; only the server is embedded.
The server stops when the last process that uses it exits.
"""

from pathlib import Path

DATABASE_NAME = "cqar"


def embedded_database(var_dir: Path) -> dict:
    """Start (or join) the embedded server and return a Django DATABASES entry for it."""
    import pgserver  # imported here: only the quick start needs it

    data_dir = var_dir / "pgdata"
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        # pgserver listens on a Unix socket inside its data directory.
        "HOST": str(data_dir),
        "PORT": "",
    }
