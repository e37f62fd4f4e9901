"""``make run``: the registry on embedded defaults with demo data, in one process tree.

Starts the embedded PostgreSQL once (unless ``DATABASE_URL`` names a server), migrates,
loads the demo data, makes sure the admin account exists, starts Django's development
server and the gRPC server (docs/GRPC.md), and prints where to go and how to log in
last, framed, once both answer. Ctrl-C (or SIGTERM) stops the servers and then the
embedded PostgreSQL; nothing is left running.

Run as ``python -m config.quickstart [--host H] [--port P] [--grpc-port G]``.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config import embedded_postgres

STARTUP_SECONDS = 120


class Stop(Exception):
    """SIGTERM or SIGINT arrived: shut down in order."""


def _stop(signum, frame):
    raise Stop(signal.Signals(signum).name)


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run a registry command; on failure show its output and give up."""
    result = subprocess.run(
        [sys.executable, "-m", "config.cli", *args],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"{args[0]} failed (exit {result.returncode}).")
    sys.stderr.write(result.stderr)  # warnings worth reading (events stay in the outbox …)
    return result


def _wait_until_serving(
    host: str, port: int, server: subprocess.Popen, name: str = "The development server"
) -> None:
    # A TCP connect, not a request: nothing of ours shows up in the server's log.
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"{name} exited with {server.returncode}.")
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{name} did not answer within {STARTUP_SECONDS}s.")


def _wait_until_healthy(address: str, server: subprocess.Popen) -> None:
    """The gRPC server's health service says SERVING (it has found the database)."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    deadline = time.monotonic() + STARTUP_SECONDS
    with grpc.insecure_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise SystemExit(f"The gRPC server exited with {server.returncode}.")
            try:
                answer = health.Check(health_pb2.HealthCheckRequest(), timeout=2)
                if answer.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.3)
    raise SystemExit(f"The gRPC server was not healthy within {STARTUP_SECONDS}s.")


def _framed(lines: list[str]) -> str:
    width = max(len(line) for line in lines)
    rule = "+" + "-" * (width + 2) + "+"
    return "\n".join([rule, *(f"| {line.ljust(width)} |" for line in lines), rule])


def _stop_server(server: subprocess.Popen | None) -> None:
    if server is not None and server.poll() is None:
        server.send_signal(signal.SIGINT)  # a terminal's Ctrl-C has usually sent it already
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--grpc-port", type=int, default=9090)
    options = parser.parse_args(argv)
    url = f"http://{options.host}:{options.port}"
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)

    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "true")}
    # The development server's "do not use in production" banner: make run says so once.
    env.setdefault("DJANGO_RUNSERVER_HIDE_WARNING", "true")
    # grpcurl and Postman list the gRPC methods (off by default outside development).
    env.setdefault("GRPC_REFLECTION", "true")
    # The same default as settings.VAR_DIR, so `manage.py shell` joins this server.
    var_dir = Path(env.get("CQAR_VAR_DIR") or Path(__file__).resolve().parent.parent / "var")
    embedded = not env.get("DATABASE_URL")
    server = grpc_server = None
    grpc_address = f"{options.host}:{options.grpc_port}"
    try:
        if embedded:
            print(f"Starting the embedded PostgreSQL in {var_dir / 'pgdata'} ...", flush=True)
            try:
                env.update(embedded_postgres.start(var_dir))
            except ImproperlyConfigured as error:  # pgserver is not installed
                raise SystemExit(str(error)) from None
        print("Migrating the database ...", flush=True)
        _manage("migrate", "--noinput", "--verbosity", "0", env=env)
        print(_manage("load_demo", env=env).stdout.strip(), flush=True)
        admin = _manage("ensure_admin", env=env).stdout.strip()
        print(f"Starting the development server on {url}/ ...", flush=True)
        server = subprocess.Popen(
            [sys.executable, "-m", "config.cli", "runserver", f"{options.host}:{options.port}"],
            env=env,
        )
        grpc_server = subprocess.Popen(
            [sys.executable, "-m", "config.cli", "grpcserver", "--bind", grpc_address], env=env
        )
        _wait_until_serving(options.host, options.port, server)
        _wait_until_serving(options.host, options.grpc_port, grpc_server, "The gRPC server")
        _wait_until_healthy(grpc_address, grpc_server)
        print(
            "\n"
            + _framed(
                [
                    f"CQAR is running on {url}/",
                    f"  admin:   {url}/admin/",
                    f"  api:     {url}/api/v1/   (docs: {url}/api/docs/)",
                    f"  token:   POST {url}/api/v1/auth/tokens/",
                    f"  health:  {url}/healthz",
                    f"  grpc:    {grpc_address}   (cqc.services.v1.AssetRegistry)",
                    "",
                    admin,
                    "",
                    "Press Ctrl-C to stop (the embedded PostgreSQL stops too)."
                    if embedded
                    else "Press Ctrl-C to stop.",
                ]
            )
            + "\n",
            flush=True,
        )
        while server.poll() is None and grpc_server.poll() is None:
            time.sleep(0.5)
        return server.returncode or grpc_server.returncode or 0
    except (Stop, KeyboardInterrupt):
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut cleanup
        _stop_server(grpc_server)
        _stop_server(server)
        if embedded and embedded_postgres.stop(var_dir):
            print("Stopped the embedded PostgreSQL.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
