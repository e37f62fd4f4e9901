"""The embedded PostgreSQL of the quick start.

``make run`` (``config/quickstart.py``) starts a private PostgreSQL server from the
``pgserver`` wheel, with its data under ``var/pgdata``, hands every process it runs a
``DATABASE_URL`` for it, and stops it when it stops. It is the same PostgreSQL the
tests and production use, so the quick start exercises the same constraints and
indexes; only the server is embedded.

Settings still call :func:`embedded_database` when ``DATABASE_URL`` is not set and
``DEBUG`` or ``CQAR_EMBEDDED_POSTGRES`` is on (a ``DEBUG=true manage.py shell`` after
``make run``): such a process joins the server, or starts it, and the server stops with
the last process that uses it. ``pgserver`` is the ``embedded`` extra of the package.
"""

import logging
import os
import signal
import time
import warnings
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

DATABASE_NAME = "cqar"


def _server(data_dir: Path):
    # pgserver logs every pg_ctl call at INFO, and platformdirs warns that
    # XDG_RUNTIME_DIR is unset on servers; neither tells a user anything.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        try:
            import pgserver  # imported here: only the quick start needs it
        except ImportError as error:
            raise ImproperlyConfigured(
                "The embedded PostgreSQL needs the pgserver package, which is not installed "
                "(it is an extra: production images leave it out). Install it with `pip install "
                "cqar[embedded]` (make run does), or set DATABASE_URL to a PostgreSQL server."
            ) from error

        data_dir.parent.mkdir(parents=True, exist_ok=True)
        server = pgserver.get_server(data_dir, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return server


def embedded_database(var_dir: Path) -> dict:
    """Start (or join) the embedded server and return a Django DATABASES entry for it."""
    data_dir = var_dir / "pgdata"
    _server(data_dir)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        # pgserver listens on a Unix socket inside its data directory.
        "HOST": str(data_dir),
        "PORT": "",
    }


def start(var_dir: Path) -> dict[str, str]:
    """Start the server for a session; return the environment its clients connect with.

    libpq reads the socket directory from ``PGHOST``, so ``DATABASE_URL`` stays a plain
    URL and the clients never touch pgserver themselves.
    """
    data_dir = var_dir / "pgdata"
    _server(data_dir)
    return {"DATABASE_URL": f"postgres://postgres@/{DATABASE_NAME}", "PGHOST": str(data_dir)}


def stop(var_dir: Path, timeout: float = 60.0) -> bool:
    """Stop the server whatever other processes registered with it; True if it ran.

    pgserver stops the server when the last registered process exits, but a process that
    died without running its exit hooks stays registered forever, and two that exit at
    once (runserver's reloader and its child on Ctrl-C) can each leave it to the other.
    SIGINT is PostgreSQL's own "fast shutdown" (what ``pg_ctl -m fast stop`` sends); it
    needs no access to the data directory, which belongs to another user when pgserver
    runs as root.
    """
    data_dir = var_dir / "pgdata"
    try:
        postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
        os.kill(postmaster, signal.SIGINT)
    except (FileNotFoundError, IndexError, ValueError, ProcessLookupError):
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(postmaster, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        raise TimeoutError(f"PostgreSQL (pid {postmaster}) did not stop within {timeout}s")
    # Nobody is registered any more: the next start begins with a clean list.
    (data_dir / ".handle_pids.json").unlink(missing_ok=True)
    return True
