"""The built wheel is the registry: it holds every file the apps read and runs on its own.

An image or a ``pip install .`` gets only what the wheel holds. The test builds it,
compares it with the files git tracks under the packages, installs it into a fresh
virtual environment and, from a directory outside the checkout, renders the admin index
and dry-runs a token-list import with the installed ``cqar`` command.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

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


def run_installed(*args, cwd: Path) -> subprocess.CompletedProcess:
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
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


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
