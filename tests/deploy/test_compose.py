"""docker-compose.yml (the registry's stack) and docker-compose.test.yml (the services of
``make test``), checked without a Docker engine: against the Compose Specification's JSON
schema (tests/fixtures/schemas/compose-spec.json), and for what a schema cannot say:
start order, health checks, one beat, no root, no secret in the file.
"""

import itertools
import json
import re
import subprocess
from functools import cache
from pathlib import Path

import jsonschema_rs
import pytest
import yaml

from config.redis_url import parse_sentinel_url
from config.settings import _weak_secret_key as weak_secret_key
from registry.events.jetstream import nats_servers
from tests.deploy.dockerfile import (
    ENTRYPOINT,
    REPOSITORY,
    entrypoint_roles,
    healthcheck_command,
    runtime_environment,
)
from tests.deploy.shared import (
    SENTINEL_URL,
    SETTINGS_TO_OFFER,
    mentioned,
    metrics_directory,
    scraped_ports,
)

STACK = REPOSITORY / "docker-compose.yml"
TEST_SERVICES = REPOSITORY / "docker-compose.test.yml"
ENV_EXAMPLE = REPOSITORY / ".env.example"
SCHEMA = REPOSITORY / "tests" / "fixtures" / "schemas" / "compose-spec.json"

REGISTRY_ROLES = ("migrate", "web", "worker", "beat", "grpc")
BACKING_SERVICES = ("postgres", "redis", "rabbitmq", "nats")
# Names whose values are secrets wherever they appear.
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASS$|TOKEN|DSN|AUTH|_KEY$")
# A reference to a variable of .env: ${NAME} or ${NAME:?message}.
REFERENCE = re.compile(r"\$\{[A-Z_]+(:\?[^}]*)?\}")
URL_PASSWORD = re.compile(r"[a-z+]+://[^:/@\s]*:([^@\s]+)@")
PASSWORD_FLAGS = ("--pass", "--password", "--requirepass", "--auth")


@cache
def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


@cache
def compose_validator():
    return jsonschema_rs.validator_for(json.loads(SCHEMA.read_text()))


def services(path: Path = STACK) -> dict[str, dict]:
    return load(path)["services"]


def strings(node) -> list[str]:
    if isinstance(node, dict):
        return [text for value in node.values() for text in strings(value)]
    if isinstance(node, list):
        return [text for value in node for text in strings(value)]
    return [node] if isinstance(node, str) else []


def env_example() -> dict[str, str | None]:
    """Each variable .env.example names: its value, or None where it is commented out."""
    named: dict[str, str | None] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if match := re.fullmatch(r"([A-Z][A-Z0-9_]*)=(.*)", line):
            named[match[1]] = match[2]
        for mention in mentioned(line):
            named.setdefault(mention, None)
    return named


def mounts(service: dict) -> dict[str, str]:
    """A service's volumes, mount path to source (short syntax: source:target[:mode])."""
    found = {}
    for volume in service.get("volumes", []):
        source, target, *mode = volume.split(":")
        assert mode in ([], ["rw"]), f"{volume} is read-only"
        found[target] = source
    return found


@pytest.mark.parametrize("path", [STACK, TEST_SERVICES], ids=lambda path: path.name)
def test_the_file_follows_the_compose_specification(path):
    errors = [
        f"{'.'.join(map(str, e.instance_path))}: {e.message}"
        for e in compose_validator().iter_errors(load(path))
    ]
    assert errors == []


def test_the_schema_refuses_what_compose_would():
    """Not vacuous: a misspelt key and an unknown start condition are refused."""
    broken = yaml.safe_load(STACK.read_text())
    broken["services"]["web"]["helthcheck"] = broken["services"]["web"].pop("healthcheck")
    broken["services"]["worker"]["depends_on"]["migrate"]["condition"] = "service_done"
    messages = [error.message for error in compose_validator().iter_errors(broken)]
    assert any("helthcheck" in message for message in messages)
    assert len(messages) == 2


@pytest.mark.parametrize("path", [STACK, TEST_SERVICES], ids=lambda path: path.name)
def test_every_dependency_names_a_service_with_a_condition_it_can_meet(path):
    declared = services(path)
    for name, service in declared.items():
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in declared, f"{name} depends on unknown {dependency}"
            if condition["condition"] == "service_healthy":
                assert "test" in declared[dependency]["healthcheck"], dependency


def test_the_registry_starts_after_its_migration_and_its_services():
    declared = services()
    assert declared["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert declared["migrate"]["restart"] == "no"
    for role in ("web", "worker", "beat", "grpc"):
        dependencies = declared[role]["depends_on"]
        assert dependencies["migrate"] == {"condition": "service_completed_successfully"}
        assert set(dependencies) - {"migrate"} <= set(BACKING_SERVICES)
        assert all(
            d["condition"] == "service_healthy" for n, d in dependencies.items() if n != "migrate"
        )
    assert {"postgres", "redis", "rabbitmq"} <= set(declared["web"]["depends_on"])
    assert set(BACKING_SERVICES) <= set(declared["worker"]["depends_on"])  # it publishes to NATS


@pytest.mark.parametrize("path", [STACK, TEST_SERVICES], ids=lambda path: path.name)
def test_every_long_running_service_has_a_health_check(path):
    for name, service in services(path).items():
        if name == "migrate":  # one-shot: its completion is what counts
            assert service["healthcheck"] == {"disable": True}
        else:
            assert service["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL"), name


def test_the_web_health_check_is_the_image_s():
    assert services()["web"]["healthcheck"]["test"] == ["CMD", *healthcheck_command()]


def test_each_registry_service_runs_one_of_the_image_s_roles():
    declared = services()
    for role in REGISTRY_ROLES:
        assert declared[role]["command"][0] == role
        assert declared[role]["build"] == "."
    assert set(REGISTRY_ROLES) == entrypoint_roles()


def test_exactly_one_beat():
    """Two beats would send every periodic task twice."""
    declared = services()
    assert declared["beat"]["deploy"]["replicas"] == 1
    assert "scale" not in declared["beat"]
    assert "Exactly one beat" in STACK.read_text()


def test_no_service_runs_as_root():
    """The registry's services keep the image's user (USER in the Dockerfile); no service
    asks for root."""
    for name, service in services().items():
        if name in REGISTRY_ROLES:
            assert "user" not in service, name
            assert service["read_only"] is True and service["cap_drop"] == ["ALL"]
        assert str(service.get("user", "")).split(":")[0] not in ("root", "0"), name


def test_no_secret_value_is_written_in_the_stack():
    """Passwords, keys and tokens are references to .env, never values in the file."""
    stack = load(STACK)
    inlined = []
    for service in stack["services"].values():
        for name, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(name) and not REFERENCE.fullmatch(str(value)):
                inlined.append(f"{name}={value}")
        command = service.get("command") or []
        for flag, value in itertools.pairwise(command):
            if flag in PASSWORD_FLAGS and not REFERENCE.fullmatch(value):
                inlined.append(f"{flag} {value}")
    for text in strings(stack):
        for password in URL_PASSWORD.findall(REFERENCE.sub("${REFERENCE}", text)):
            if password != "${REFERENCE}":
                inlined.append(text)
    assert inlined == []
    assert "env_file" in stack["x-cqar"] and stack["x-cqar"]["env_file"] == ".env"


def test_the_env_example_offers_every_setting_and_no_secret_value():
    offered = env_example()
    referenced = set(re.findall(r"\$\{([A-Z_]+)(?::\?)", STACK.read_text()))
    assert referenced, "the stack's required variables come from .env"
    missing = [name for name in [*SETTINGS_TO_OFFER, *referenced] if name not in offered]
    assert missing == []
    for name in referenced:  # required: set, and empty until the user sets it
        assert offered[name] == "", name
    for name, value in offered.items():
        if SECRET_NAME.search(name) and value is not None:
            assert value == "", f"{name} has a value in .env.example"
    # A copied .env.example does not start: the settings refuse its key.
    assert weak_secret_key(offered["SECRET_KEY"])


def test_the_env_file_is_never_committed():
    ignored = subprocess.run(
        ["git", "check-ignore", "--quiet", ".env"], cwd=REPOSITORY, check=False
    )
    assert ignored.returncode == 0


def published_ports(path: Path) -> dict[str, list[str]]:
    return {name: s["ports"] for name, s in services(path).items() if "ports" in s}


def test_the_stack_publishes_only_the_web_and_grpc_and_on_loopback_by_default():
    ports = published_ports(STACK)
    assert set(ports) == {"web", "grpc"}
    for service, variable, port in [
        ("web", "CQAR_WEB_PORT", 8000),
        ("grpc", "CQAR_GRPC_PORT", 9090),
    ]:
        (published,) = ports[service]
        default = re.fullmatch(rf"\$\{{{variable}:-([^}}]+)\}}:{port}", published)
        assert default and default[1].startswith("127.0.0.1:"), service
        assert variable in env_example(), "the address is offered in .env.example"


def test_the_test_services_are_those_make_test_expects_on_loopback():
    """docker-compose.test.yml serves the Makefile's TEST_* addresses."""
    makefile = (REPOSITORY / "Makefile").read_text()
    expected = {
        service: re.search(
            rf"^{variable} \?= \S+://(?:[^@\s]*@)?127\.0\.0\.1:(\d+)", makefile, flags=re.MULTILINE
        )[1]
        for service, variable in [
            ("postgres", "TEST_DATABASE_URL"),
            ("redis", "TEST_REDIS_URL"),
            ("nats", "TEST_NATS_URL"),
            ("rabbitmq", "TEST_CELERY_BROKER_URL"),
        ]
    }
    published = {name: ports for name, ports in published_ports(TEST_SERVICES).items()}
    assert published == {name: [f"127.0.0.1:{port}:{port}"] for name, port in expected.items()}
    assert "nats-server" in services(TEST_SERVICES)["nats"]["command"]
    assert "--jetstream" in services(TEST_SERVICES)["nats"]["command"]


def test_nats_keeps_its_jetstream_on_a_named_volume():
    nats = services()["nats"]
    assert "--jetstream" in nats["command"]
    store = nats["command"][nats["command"].index("--store_dir") + 1]
    volumes = load(STACK)["volumes"]
    assert f"nats-data:{store}" in nats["volumes"] and "nats-data" in volumes
    for service, data in [("postgres", "postgres-data"), ("rabbitmq", "rabbitmq-data")]:
        assert any(v.startswith(f"{data}:") for v in services()[service]["volumes"])
        assert data in volumes


def test_the_registry_s_secrets_are_required():
    """Like the services' passwords, SECRET_KEY and METRICS_TOKEN: the stack refuses to
    start until .env sets them (without a token, /metrics refuses every scrape)."""
    shared = load(STACK)["x-cqar"]["environment"]
    for name in ("SECRET_KEY", "METRICS_TOKEN"):
        assert re.fullmatch(rf"\$\{{{name}:\?[^}}]+\}}", shared[name]), name
    for role in REGISTRY_ROLES:
        assert services()[role]["environment"].items() >= shared.items(), role


def test_web_and_worker_share_a_named_volume_at_media_root():
    """An admin upload the web stores is read by the worker that previews and imports it:
    both mount the same named volume at the MEDIA_ROOT they run with, the image's
    directory, whose owner a new named volume takes (the containers are read-only)."""
    stack = load(STACK)
    image_media_root = runtime_environment()["MEDIA_ROOT"]
    sources = set()
    for role in ("web", "worker"):
        service = stack["services"][role]
        media_root = service["environment"].get("MEDIA_ROOT", image_media_root)
        assert media_root == image_media_root, role
        assert media_root in mounts(service), f"{role} has no volume at {media_root}"
        sources.add(mounts(service)[media_root])
    (source,) = sources
    assert source in stack["volumes"], "a named volume, not a host directory"
    assert not source.startswith(("/", "."))


def test_the_worker_serves_its_metrics_where_prometheus_scrapes_them():
    """The worker alone serves /metrics on CELERY_METRICS_PORT, the port of the scrape
    job cqar-worker; inside the stack's network, not published."""
    declared = services()
    worker = declared["worker"]
    port = int(worker["environment"]["CELERY_METRICS_PORT"])
    assert scraped_ports("cqar-worker") == {port}
    assert [int(exposed) for exposed in worker["expose"]] == [port]
    assert "ports" not in worker
    for role in ("web", "beat", "migrate"):
        assert "CELERY_METRICS_PORT" not in declared[role]["environment"], role


def test_the_grpc_service_serves_its_metrics_where_prometheus_scrapes_them():
    """GRPC_METRICS_BIND is the port of the scrape job cqar-grpc, on every interface of
    the container, inside the stack's network (not published); no other role sets it."""
    declared = services()
    grpc = declared["grpc"]
    host, _, port = grpc["environment"]["GRPC_METRICS_BIND"].rpartition(":")
    assert host == "0.0.0.0"
    assert scraped_ports("cqar-grpc") == {int(port)}
    assert [int(exposed) for exposed in grpc["expose"]] == [int(port)]
    assert [mapping.rsplit(":", 1)[1] for mapping in grpc["ports"]] == ["9090"]
    for role in REGISTRY_ROLES:
        if role != "grpc":
            assert "GRPC_METRICS_BIND" not in declared[role]["environment"], role


def test_the_grpc_service_runs_the_entry_point_s_grpc_role(tmp_path):
    """The role listens on every interface of the container, at the published port, and
    its health check asks the standard health service there."""
    grpc = services()["grpc"]
    assert grpc["command"] == ["grpc"]
    tmp_path.mkdir(exist_ok=True)
    fake_cqar = tmp_path / "cqar"  # the management commands' script: prints its arguments
    fake_cqar.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
    fake_cqar.chmod(0o755)
    assert entrypoint_command(["grpc"], {}, tmp_path) == ["grpcserver", "--bind", "0.0.0.0:9090"]
    moved = entrypoint_command(["grpc"], {"GRPC_BIND": "0.0.0.0:9443"}, tmp_path)
    assert moved == ["grpcserver", "--bind", "0.0.0.0:9443"]
    test = grpc["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    assert "HealthStub" in test[3] and "'127.0.0.1:9090'" in test[3]
    # Longer than the grace SIGTERM gives calls in flight (the settings' default).
    from config.settings import GRPC_SHUTDOWN_GRACE_SECONDS

    assert int(grpc["stop_grace_period"].removesuffix("s")) > GRPC_SHUTDOWN_GRACE_SECONDS


@pytest.mark.parametrize("role", ["web", "worker"])
def test_the_metrics_files_are_made_on_the_tmpfs(role, tmp_path):
    """The root file system is read-only: gunicorn and the worker make their
    PROMETHEUS_MULTIPROC_DIR, a fresh one at each start, in the service's tmpfs."""
    service = services()[role]
    directory = metrics_directory(role, runtime_environment() | service["environment"], tmp_path)
    assert str(directory.parent) in service["tmpfs"]


def test_the_example_urls_of_redis_sentinel_and_a_nats_cluster_are_accepted():
    """The other forms .env.example shows are ones the settings take: a Sentinel
    REDIS_URL (three sentinels, a master, a db) and NATS_URL listing several servers."""
    text = ENV_EXAMPLE.read_text()
    (sentinel_url,) = SENTINEL_URL.findall(text)
    sentinel = parse_sentinel_url(sentinel_url)
    assert len(sentinel.sentinels) == 3 and sentinel.master and sentinel.db == 0
    (cluster,) = re.findall(r"NATS_URL=(\S+)", text)
    assert len(nats_servers(cluster)) > 1
    assert all(server.startswith("nats://") for server in nats_servers(cluster))


def at_default(value: str) -> str:
    """A compose value with each ``${NAME:-default}`` at its default (an .env without it)."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def entrypoint_command(arguments: list[str], environment: dict[str, str], bin_dir: Path):
    """The arguments the entry point hands to ``python``, run with a ``python`` that only
    prints them."""
    bin_dir.mkdir(exist_ok=True)
    fake_python = bin_dir / "python"
    fake_python.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
    fake_python.chmod(0o755)
    ran = subprocess.run(
        ["sh", ENTRYPOINT, *arguments],
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return ran.stdout.splitlines()


def test_web_and_worker_run_as_many_processes_as_the_k8s_pods(tmp_path):
    """gunicorn (two workers per core) and Celery (one process per core) would follow the
    host's cores, at about 110 MB a process: the stack bounds both, from .env, with the
    manifests' numbers as defaults, and the worker role passes its number to Celery."""
    k8s = REPOSITORY / "deploy" / "k8s"
    (config_map,) = [
        document
        for document in yaml.safe_load_all((k8s / "config.yaml").read_text())
        if document["kind"] == "ConfigMap"
    ]
    (worker_deployment,) = [
        document
        for document in yaml.safe_load_all((k8s / "worker.yaml").read_text())
        if document["kind"] == "Deployment"
    ]
    (worker_container,) = worker_deployment["spec"]["template"]["spec"]["containers"]
    k8s_worker = {v["name"]: v["value"] for v in worker_container["env"]}

    web, worker = services()["web"]["environment"], services()["worker"]["environment"]
    assert at_default(web["WEB_CONCURRENCY"]) == config_map["data"]["WEB_CONCURRENCY"]
    assert "${WEB_CONCURRENCY" in web["WEB_CONCURRENCY"], "settable in .env"
    celery_concurrency = at_default(worker["CELERY_CONCURRENCY"])
    assert celery_concurrency == k8s_worker["CELERY_CONCURRENCY"]
    assert "${CELERY_CONCURRENCY" in worker["CELERY_CONCURRENCY"], "settable in .env"
    assert "CELERY_CONCURRENCY" in env_example() and "WEB_CONCURRENCY" in env_example()

    # Both deployments run the role bare: the entry point adds --concurrency.
    assert services()["worker"]["command"] == worker_container["args"] == ["worker"]
    command = entrypoint_command(["worker"], {"CELERY_CONCURRENCY": celery_concurrency}, tmp_path)
    assert command[:4] == ["-m", "celery", "--app", "config"]
    assert [a for a in command if a.startswith("--concurrency")] == ["--concurrency=2"]
    # An explicit argument comes later, and Celery takes the last one.
    command = entrypoint_command(
        ["worker", "--concurrency=8"], {"CELERY_CONCURRENCY": "2"}, tmp_path
    )
    assert [a for a in command if a.startswith("--concurrency")][-1] == "--concurrency=8"
    # Unset, Celery's own default.
    assert not any("--concurrency" in a for a in entrypoint_command(["worker"], {}, tmp_path))


def test_no_service_but_web_is_told_it_goes_through_a_transaction_pool():
    """DATABASE_POOL_MODE is offered (commented in .env.example, which every service
    reads) but set for no service that must connect directly."""
    assert env_example()["DATABASE_POOL_MODE"] is None, "only mentioned, never set"
    for role in ("migrate", "worker", "beat"):
        assert "DATABASE_POOL_MODE" not in services()[role].get("environment", {}), role
