"""The Dockerfile: lint-clean, the built wheel at the pinned versions and nothing more,
a non-root user, and an entry point for every role the deployments run.

There is no Docker engine on the machines the suite runs on, so the image is not built
here; tests/test_wheel.py builds the wheel it installs and runs, from that wheel, the
image's build-time collectstatic, its web role and its health check.
"""

import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.deploy.dockerfile import (
    DOCKERFILE,
    ENTRYPOINT,
    REPOSITORY,
    builder,
    entrypoint_roles,
    healthcheck_command,
    runtime,
    runtime_environment,
    runtime_user,
    stages,
)

HADOLINT = Path(sys.executable).with_name("hadolint")


def hadolint(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [HADOLINT, "--no-color", "--failure-threshold", "style", path],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_dockerfile_has_no_hadolint_finding():
    linted = hadolint(DOCKERFILE)
    assert (linted.returncode, linted.stdout, linted.stderr) == (0, "", "")


def test_hadolint_reports_what_it_is_run_to_catch(tmp_path):
    """Not vacuous: the same run finds an unpinned base image and a cached pip install."""
    careless = tmp_path / "Dockerfile"
    careless.write_text("FROM python\nRUN pip install flask\n")
    linted = hadolint(careless)
    assert linted.returncode != 0
    assert "DL3006" in linted.stdout and "DL3042" in linted.stdout


def test_the_builder_builds_the_project_under_the_pinned_versions():
    (build,) = builder("RUN")
    assert re.fullmatch(
        r"pip wheel --no-cache-dir --wheel-dir /wheels "
        r"--constraint requirements/constraints.txt \.",
        build,
    )


def test_the_image_installs_the_built_wheel_without_an_index_or_an_extra():
    """Only the builder's wheels (the versions it resolved), and no extra: not ``dev``'s
    test tools, not the embedded PostgreSQL."""
    (install,) = [line for line in runtime("RUN") if " install " in line]
    assert "--no-index" in install and "--find-links /wheels" in install
    assert install.endswith("/wheels/cqar-*.whl")
    assert "[" not in install  # cqar[dev], cqar[embedded] …
    assert stages()[-1][0].arguments.startswith("python:3.11-slim ")


def test_the_image_runs_as_a_numeric_user_that_is_not_root():
    """Numeric, because Kubernetes' runAsNonRoot cannot check a user name."""
    uid, gid = runtime_user()
    assert uid != 0 and gid != 0
    (user,) = [line for line in runtime("RUN") if "useradd" in line]
    assert f"--uid {uid}" in user and "--no-create-home" in user


def contains(words: list[str], part: list[str]) -> bool:
    return any(words[i : i + len(part)] == part for i in range(len(words)))


def test_media_root_is_a_directory_of_the_image_s_user():
    """The admin's uploads wait in MEDIA_ROOT for a worker. Its directory is made in the
    image and owned by the user the image runs as, before the image switches to it: an
    empty named volume mounted there takes that owner, so a read-only container can
    still write its uploads."""
    media_root = runtime_environment()["MEDIA_ROOT"]
    assert media_root.startswith("/") and not media_root.startswith(("/tmp", "/opt/cqar"))
    uid, gid = runtime_user()
    image = stages()[-1]
    (made,) = [
        position
        for position, instruction in enumerate(image)
        if instruction.keyword == "RUN"
        and contains(shlex.split(instruction.arguments), ["mkdir", "--parents", media_root])
    ]
    assert contains(shlex.split(image[made].arguments), ["chown", f"{uid}:{gid}", media_root])
    (switch,) = [position for position, i in enumerate(image) if i.keyword == "USER"]
    assert made < switch


def test_the_health_check_asks_livez_on_the_port_the_image_serves():
    command = healthcheck_command()
    assert command[:2] == ["python", "-c"]  # slim has no curl
    assert "http://127.0.0.1:8000/livez" in command[2]
    (environment,) = runtime("ENV")
    assert "GUNICORN_BIND=0.0.0.0:8000" in environment.split()
    assert runtime("EXPOSE") == ["8000"]


def test_the_entry_point_runs_each_role_and_is_in_the_image():
    assert entrypoint_roles() == {"web", "worker", "beat", "grpc", "migrate"}
    assert runtime("ENTRYPOINT") == ['["cqar-entrypoint"]']
    assert runtime("CMD") == ['["web"]']
    copied = [line for line in runtime("COPY") if "entrypoint.sh" in line]
    assert copied == ["--chmod=0755 deploy/docker/entrypoint.sh /usr/local/bin/cqar-entrypoint"]


def test_the_entry_point_is_a_posix_shell_script():
    assert ENTRYPOINT.read_text().startswith("#!/bin/sh\n")
    checked = subprocess.run(["sh", "-n", ENTRYPOINT], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    if shutil.which("shellcheck"):
        linted = subprocess.run(["shellcheck", ENTRYPOINT], capture_output=True, text=True)
        assert linted.returncode == 0, linted.stdout


def allowed_by_dockerignore() -> set[str]:
    lines = (REPOSITORY / ".dockerignore").read_text().splitlines()
    assert lines.index("*") < min(i for i, line in enumerate(lines) if line.startswith("!"))
    return {line[1:].rstrip("/") for line in lines if line.startswith("!")}


def test_the_build_context_holds_what_the_wheel_is_built_from():
    """The context is an allow-list: every package pyproject.toml ships, the files its
    metadata reads, the constraints and the entry point are in it."""
    project = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())
    packages = project["tool"]["setuptools"]["packages"]["find"]["include"]
    needed = {pattern.removesuffix("*") for pattern in packages}
    needed |= {"pyproject.toml", project["project"]["readme"], "LICENSE"}
    needed |= {"requirements/constraints.txt", "deploy/docker/entrypoint.sh"}
    allowed = allowed_by_dockerignore()
    assert needed <= allowed, f"add to .dockerignore: {sorted(needed - allowed)}"
    assert all((REPOSITORY / path).exists() for path in allowed)


@pytest.mark.parametrize("secret", ["SECRET_KEY", "DATABASE_URL", "METRICS_TOKEN"])
def test_the_image_bakes_in_no_runtime_setting_that_should_be_secret(secret):
    """The build-time collectstatic values live in its RUN line only, never in an ENV
    that every container would inherit."""
    assert not any(secret in line for line in runtime("ENV") + runtime("ARG"))
