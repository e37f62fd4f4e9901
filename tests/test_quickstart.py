"""Smoke test of the quick start: `make run` on embedded defaults, then the pages it serves.

Runs the real `make run` with no DATABASE_URL, REDIS_URL or broker, so it starts the
embedded PostgreSQL, migrates, loads the demo data, creates the admin account and
serves; the test logs in with the printed credentials.
"""

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(base_url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"make run exited with {process.returncode}:\n{log.read_text()}")
        try:
            urllib.request.urlopen(f"{base_url}/healthz", timeout=2)
            # Serving, and make run has printed its framed summary (it does once it can
            # connect, so a request can come first).
            if "Press Ctrl-C to stop" in log.read_text():
                return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.5)
    pytest.fail(f"make run did not serve within {STARTUP_SECONDS}s:\n{log.read_text()}")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def interrupt(process: subprocess.Popen) -> int:
    """Ctrl-C as a terminal sends it: SIGINT to the whole foreground process group."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return process.returncode


def kill_leftovers(var_dir: Path) -> None:
    pid_file = var_dir / "pgdata" / "postmaster.pid"
    if pid_file.exists():  # only after a failed test: never leave a stray server behind
        subprocess.run(["kill", pid_file.read_text().split()[0]], check=False)


class QuickStart:
    def __init__(self, base_url: str, process: subprocess.Popen, log: Path, var_dir: Path):
        self.base_url, self.process, self.log, self.var_dir = base_url, process, log, var_dir
        self.grpc_address = ""

    @property
    def output(self) -> str:
        return self.log.read_text()


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory):
    """One `make run` for the module's tests (it takes a while to start)."""
    tmp_path = tmp_path_factory.mktemp("quickstart")
    port, grpc_port = free_port(), free_port()
    var_dir = tmp_path / "var"
    log = tmp_path / "make-run.log"
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "NATS_URL"}
        and not key.startswith(("DJANGO_", "PYTEST_", "MAKE", "MFLAGS"))
    }
    environment.update(CQAR_VAR_DIR=str(var_dir), CQAR_ADMIN_PASSWORD="")
    with log.open("w") as output:
        process = subprocess.Popen(
            ["make", "run", f"PORT={port}", f"GRPC_PORT={grpc_port}"],
            cwd=REPOSITORY,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base_url, process, log)
        started = QuickStart(base_url, process, log, var_dir)
        started.grpc_address = f"127.0.0.1:{grpc_port}"
        yield started
    finally:
        interrupt(process)
        kill_leftovers(var_dir)


@pytest.mark.smoke
def test_make_run_serves_admin_and_healthz_with_demo_data(quickstart):
    base_url, output = quickstart.base_url, quickstart.output
    health = urllib.request.urlopen(f"{base_url}/healthz", timeout=5)
    assert health.status == 200
    assert f"{base_url}/admin/" in output

    username, password = re.search(r"username '([^']+)', password '([^']+)'", output).groups()
    cookies = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
    login_page = browser.open(f"{base_url}/admin/login/", timeout=5).read().decode()
    assert "CQAR" in login_page
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": csrf, "username": username, "password": password, "next": "/admin/"}
    ).encode()
    browser.open(urllib.request.Request(f"{base_url}/admin/login/", data=form), timeout=5)
    assets_page = browser.open(f"{base_url}/admin/assets/asset/?q=steth", timeout=5).read().decode()
    assert "wstETH" in assets_page
    assert '<a href="/">View site</a>' in assets_page  # and / redirects to the admin
    styles = browser.open(f"{base_url}/static/admin/css/base.css", timeout=5)
    assert styles.status == 200


@pytest.mark.smoke
def test_make_run_keeps_events_in_the_outbox_and_the_feed_without_broker_or_nats(quickstart):
    base_url, output = quickstart.base_url, quickstart.output
    username, password = re.search(r"username '([^']+)', password '([^']+)'", output).groups()
    token_request = urllib.request.Request(
        f"{base_url}/api/v1/auth/tokens/",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    token = json.load(urllib.request.urlopen(token_request, timeout=5))["token"]
    feed = urllib.request.Request(
        f"{base_url}/api/v1/events/?type=asset_created&limit=1000",
        headers={"Authorization": f"Token {token}"},
    )
    events = json.load(urllib.request.urlopen(feed, timeout=5))["results"]
    symbols = {event["payload"]["asset"]["symbol"] for event in events}
    assert {"BTC", "ETH", "USDC", "wstETH"} <= symbols
    assert {event["status"] for event in events} == {"PENDING"}
    assert "NATS_URL is not set: events stay in the outbox" in output


@pytest.mark.smoke
def test_make_run_prints_the_login_last_framed_without_noise(quickstart):
    """The credentials are the last thing printed, in a frame; no pgserver or XDG noise."""
    lines = quickstart.output.rstrip().splitlines()
    rules = [i for i, line in enumerate(lines) if line.startswith("+--")]
    top, bottom = rules[-2], rules[-1]
    frame = lines[top : bottom + 1]
    assert any("username 'admin', password '" in line for line in frame)
    assert any(f"{quickstart.base_url}/admin/" in line for line in frame)
    # Nothing but the request log after the frame (registry/requestlog.py, readable lines).
    after = [line for line in lines[bottom + 1 :] if line.strip()]
    assert all(" request " in line and "[registry.requestlog]" in line for line in after), after
    for noise in ("pgserver", "XDG_RUNTIME_DIR", "pg_ctl", "BuildBackendWarning", "Applying "):
        assert noise not in quickstart.output
    # Up to the frame, a short start-up; the request log after it grows with the requests
    # the other tests of this module make.
    assert bottom + 1 < 40, quickstart.output


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.smoke
def test_the_root_and_view_site_lead_to_the_admin(quickstart):
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as answer:
        opener.open(f"{quickstart.base_url}/", timeout=5)
    assert answer.value.code == 302
    assert answer.value.headers["Location"] == "/admin/"
    login = urllib.request.urlopen(f"{quickstart.base_url}/admin/login/", timeout=5).read()
    assert b"CQAR" in login


@pytest.mark.smoke
def test_make_run_serves_the_grpc_service_beside_the_api(quickstart):
    """docs/GRPC.md's server is up with the web one: healthy, listed by reflection, and
    asking for a token like the API."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
        ProtoReflectionDescriptorDatabase,
    )

    deadline = time.monotonic() + 60  # the frame is printed once both servers answer
    while f"grpc:    {quickstart.grpc_address}" not in quickstart.output:
        assert time.monotonic() < deadline, quickstart.output
        time.sleep(0.2)
    with grpc.insecure_channel(quickstart.grpc_address) as channel:
        health = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="cqc.services.v1.AssetRegistry"), timeout=10
        )
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        services = ProtoReflectionDescriptorDatabase(channel).get_services()
        assert "cqc.services.v1.AssetRegistry" in services
        list_chains = channel.unary_unary("/cqc.services.v1.AssetRegistry/ListChains")
        with pytest.raises(grpc.RpcError) as refused:
            list_chains(b"", timeout=10)
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_ctrl_c_stops_the_server_and_the_embedded_postgresql(quickstart):
    """Ctrl-C leaves nothing running, even when pgserver's own bookkeeping would not stop it.

    A process that died without its exit hooks stays registered with pgserver, which then
    never stops the server; such an orphaned registration is written here.
    """
    pid_file = quickstart.var_dir / "pgdata" / "postmaster.pid"
    postmaster = int(pid_file.read_text().split()[0])
    assert alive(postmaster)
    handles = quickstart.var_dir / "pgdata" / ".handle_pids.json"
    registered = json.loads(handles.read_text()) if handles.exists() else []
    handles.write_text(json.dumps([*registered, 2**22 + 1]))
    interrupt(quickstart.process)
    assert "Stopped the embedded PostgreSQL." in quickstart.output
    host, port = quickstart.grpc_address.split(":")
    with pytest.raises(OSError):  # the gRPC server stopped with the rest
        socket.create_connection((host, int(port)), timeout=2).close()
    assert not pid_file.exists()
    assert not alive(postmaster)
