"""The built wheel is the registry: it holds every file the apps read and runs on its own.

An image or a ``pip install .`` gets only what the wheel holds, and the Dockerfile
installs this wheel. The test builds it, compares it with the files git tracks under the
packages, installs it into a fresh virtual environment and, from a directory outside the
checkout, renders the admin index and dry-runs a token-list import with the installed
``cqar`` command; then does what the image does with it: collects the static files with
the Dockerfile's build-time values and no database, and starts the image's entry point
(``migrate``, ``web``) and runs its health check against it.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import textwrap
import time
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from tests.deploy.dockerfile import ENTRYPOINT, collectstatic_step, healthcheck_command, runtime
from tests.redis_server import free_port

REPOSITORY = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "registry", "assets", "chains", "venues", "quality")


def tracked_files(*paths: str) -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", *paths], cwd=REPOSITORY, capture_output=True, text=True, check=True
    ).stdout.split()
    assert listed, "git ls-files found nothing: run the suite from a checkout"
    return listed


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Built from a copy of the tracked files, as from a clean clone.

    The checkout's own ``*.egg-info`` (left by the editable install) lists package data
    that setuptools would then ship even when pyproject.toml no longer declares it.
    """
    source = tmp_path_factory.mktemp("source")
    for path in tracked_files():
        if (REPOSITORY / path).is_file():
            (source / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPOSITORY / path, source / path)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-qq", "--no-deps", "-w", str(out), str(source)],
        check=True,
    )
    (built,) = out.glob("cqar-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel; its dependencies come from ours.

    The dependencies are reached through a path entry, not installed again (that would
    download them): only site-packages is added, so our editable install of the
    checkout stays out and every ``import registry`` finds the wheel's copy.
    """
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "-qq", "--no-deps", wheel],
        check=True,
    )
    return venv


def installed_environment(cwd: Path) -> dict[str, str]:
    """Ours, without pytest's and Django's, on the test database."""
    database = settings.DATABASES["default"]
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "DJANGO_")) and key != "PYTHONPATH"
    }
    env.update(
        DATABASE_URL=(
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}"
            f"/{database['NAME']}"
        ),
        CQAR_VAR_DIR=str(cwd / "var"),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    return env


def run_installed(*args, cwd: Path) -> subprocess.CompletedProcess:
    env = installed_environment(cwd)
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def image_environment(installed: Path, **values: str) -> dict[str, str]:
    """A container's environment: the image's ENV (its PATH leading to the wheel's
    environment) and ``values``; nothing of ours, so no database, cache or broker."""
    env = {"PATH": f"{installed / 'bin'}:/usr/bin:/bin", "HOME": "/nonexistent"}
    for assignment in " ".join(runtime("ENV")).split():
        name, _, value = assignment.partition("=")
        if name not in ("PATH", "STATIC_ROOT", "GUNICORN_BIND", "XDG_RUNTIME_DIR"):
            env[name] = value
    return env | values


def test_the_wheel_holds_every_file_tracked_under_the_packages(wheel):
    tracked = tracked_files(*PACKAGES)
    shipped = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(path for path in tracked if path not in shipped)
    assert missing == []
    assert "assets/schemas/tokenlist.schema.json" in shipped
    assert "registry/templates/registry/admin/index.html" in shipped


@pytest.mark.django_db(transaction=True)
def test_the_installed_wheel_renders_the_admin_and_imports_a_token_list(installed, tmp_path):
    python = installed / "bin" / "python"
    located = run_installed(python, "-c", "import registry; print(registry.__file__)", cwd=tmp_path)
    assert str(installed) in located.stdout, located.stderr  # not the checkout's copy

    admin_index = textwrap.dedent(
        """
        import django
        django.setup()
        from django.contrib.auth.models import User
        from django.test import Client
        client = Client()
        client.force_login(User.objects.create_superuser("wheel-admin", password="x"))
        page = client.get("/admin/", HTTP_HOST="localhost")
        print(page.status_code)
        print(page.content.decode())
        """
    )
    rendered = run_installed(python, "-c", admin_index, cwd=tmp_path)
    assert rendered.returncode == 0, rendered.stderr
    status, _, page = rendered.stdout.partition("\n")
    assert status == "200"
    assert 'id="registry-totals"' in page  # the project's own template, not Django's

    sample = REPOSITORY / "tests" / "fixtures" / "uniswap-1000.tokenlist.json"
    imported = run_installed(
        installed / "bin" / "cqar",
        "import_tokenlist",
        "--create-chains",
        "--dry-run",
        "--json",
        str(sample),
        cwd=tmp_path,
    )
    assert imported.returncode == 0, imported.stdout + imported.stderr
    report = json.loads(imported.stdout)
    assert report["dry_run"] is True
    # The schema was found and the list read: its 1,000 tokens are 564 assets' deployments.
    assert report["created"]["deployments"] > 900, report


def test_the_installed_wheel_collects_the_static_files_without_a_database(installed, tmp_path):
    """The Dockerfile's build-time collectstatic, with its values, against the wheel: it
    collects every app's static files, the admin's and the API docs', compressed for
    WhiteNoise, and never connects to the database its DATABASE_URL names (here a port
    that listens, and must see no connection)."""
    values, command = collectstatic_step()
    with socket.socket() as database:
        database.bind(("127.0.0.1", 0))
        database.listen()
        database.setblocking(False)
        url = urlsplit(values["DATABASE_URL"])
        values["DATABASE_URL"] = url._replace(
            netloc=f"{url.username}@127.0.0.1:{database.getsockname()[1]}"
        ).geturl()
        static = tmp_path / "static"
        collected = subprocess.run(
            command,
            cwd=tmp_path,
            env=image_environment(installed, STATIC_ROOT=str(static), **values),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert collected.returncode == 0, collected.stdout + collected.stderr
        with pytest.raises(BlockingIOError):
            database.accept()

    ours = [path.split("/static/", 1)[1] for path in tracked_files(*PACKAGES) if "/static/" in path]
    assert ours, "the apps ship static files of their own"
    expected = [
        *ours,
        "admin/css/base.css",
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js",
    ]
    missing = [name for name in expected if not (static / f"{name}.gz").is_file()]
    assert missing == [], "collected and compressed"


@pytest.mark.django_db(transaction=True)
def test_the_image_entry_point_runs_the_wheel_and_its_health_check_passes(installed, tmp_path):
    """The entry point's ``migrate`` role (checking: the test database is migrated), then
    its ``web`` role, gunicorn with config/gunicorn.py from the wheel; the image's
    HEALTHCHECK, pointed at its port, passes while it serves and fails once it is gone."""
    env = installed_environment(tmp_path)
    env["PATH"] = f"{installed / 'bin'}:{env['PATH']}"
    checked = subprocess.run(
        ["sh", ENTRYPOINT, "migrate", "--check"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr

    port = free_port()
    health = [
        str(installed / "bin" / "python"),
        *[
            part.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
            for part in healthcheck_command()[1:]
        ],
    ]
    env.update(
        GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1", XDG_RUNTIME_DIR=str(tmp_path)
    )
    log = tmp_path / "web.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            ["sh", ENTRYPOINT, "web"], cwd=tmp_path, env=env, stdout=output, stderr=output
        )
    try:
        deadline = time.monotonic() + 120
        while server.poll() is None and time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        assert server.poll() is None, log.read_text()
        passed = subprocess.run(health, capture_output=True, text=True, timeout=60)
        assert passed.returncode == 0, passed.stderr + log.read_text()
        assert "config.gunicorn_workers.BufferingSyncWorker" in log.read_text()
    finally:
        server.terminate()
        server.wait(timeout=60)
    assert subprocess.run(health, capture_output=True, timeout=60).returncode != 0
