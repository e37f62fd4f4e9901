"""deploy/k8s/, checked without a cluster: every resource of the kustomization against
Kubernetes' own schemas (kubernetes-validate carries them offline, strict: an unknown
field is an error), and what a schema cannot say: probes on /livez and /readyz (and the
gRPC health service), limits on every container, one beat, selectors that select, no
secret in the manifests, one volume of uploads for web and worker, the worker's and the
gRPC server's metrics where Prometheus looks.
"""

import re
from functools import cache

import kubernetes_validate
import pytest
import yaml

from config.redis_url import parse_sentinel_url
from config.settings import _weak_secret_key as weak_secret_key
from tests.deploy.dockerfile import (
    REPOSITORY,
    entrypoint_roles,
    runtime_environment,
    runtime_user,
)
from tests.deploy.shared import (
    SENTINEL_URL,
    SETTINGS_TO_OFFER,
    mentioned,
    metrics_directory,
    scraped_ports,
)

K8S = REPOSITORY / "deploy" / "k8s"
EXAMPLE_SECRET = K8S / "secret.example.yaml"
# The oldest Kubernetes the manifests are for (deploy/k8s/README.md), and the newest
# kubernetes-validate knows.
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")
SECRET_NAMES = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "NATS_URL")
# Names whose values are secrets wherever they appear.
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASS$|TOKEN|DSN|AUTH|_KEY$|_URLS?$")


@cache
def kustomization() -> dict:
    return yaml.safe_load((K8S / "kustomization.yaml").read_text())


@cache
def resources() -> tuple[dict, ...]:
    return tuple(
        document
        for name in kustomization()["resources"]
        for document in yaml.safe_load_all((K8S / name).read_text())
    )


def of_kind(kind: str) -> dict[str, dict]:
    return {r["metadata"]["name"]: r for r in resources() if r["kind"] == kind}


def workloads() -> dict[str, dict]:
    """Deployments and Jobs by name."""
    return of_kind("Deployment") | of_kind("Job")


def pod_specs() -> dict[str, dict]:
    return {name: w["spec"]["template"]["spec"] for name, w in workloads().items()}


def containers(spec: dict) -> list[dict]:
    return spec.get("initContainers", []) + spec["containers"]


def selects(selector: dict, labels: dict) -> bool:
    assert set(selector) <= {"matchLabels"}, "only matchLabels selectors are checked here"
    return selector["matchLabels"].items() <= labels.items()


def pod_labels(name: str) -> dict:
    return workloads()[name]["spec"]["template"]["metadata"]["labels"]


def main_container(name: str) -> dict:
    (container,) = pod_specs()[name]["containers"]
    return container


def container_environment(container: dict) -> dict[str, str]:
    """What a container starts with, the Secret left out: the image's ENV, the
    ConfigMap's, then its own ``env``."""
    config_map = of_kind("ConfigMap")["cqar-config"]["data"]
    own = {variable["name"]: variable["value"] for variable in container.get("env", [])}
    return runtime_environment() | config_map | own


def test_the_kustomization_lists_every_manifest_but_the_example_secret():
    on_disk = {path.name for path in K8S.glob("*.yaml")}
    listed = set(kustomization()["resources"])
    assert listed == on_disk - {"kustomization.yaml", EXAMPLE_SECRET.name}
    assert (kustomization()["apiVersion"], kustomization()["kind"]) == (
        "kustomize.config.k8s.io/v1beta1",
        "Kustomization",
    )


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_resource_follows_the_kubernetes_schema(version):
    for resource in [*resources(), yaml.safe_load(EXAMPLE_SECRET.read_text())]:
        kubernetes_validate.validate(resource, version, strict=True)


def test_the_schema_refuses_a_misspelt_field():
    """Not vacuous: strict validation knows the fields of a container."""
    web = yaml.safe_load(yaml.safe_dump(workloads()["cqar-web"]))
    web["spec"]["template"]["spec"]["containers"][0]["readinessprobe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(web, KUBERNETES_VERSIONS[-1], strict=True)


def test_the_workloads_are_web_worker_beat_and_the_migrate_job():
    assert set(of_kind("Deployment")) == {"cqar-web", "cqar-worker", "cqar-beat", "cqar-grpc"}
    assert set(of_kind("Job")) == {"cqar-migrate"}
    for name, spec in pod_specs().items():
        (main,) = spec["containers"]
        assert main["args"][0] in entrypoint_roles(), name
        assert main["image"] == "cqar"
    assert kustomization()["images"][0]["name"] == "cqar"


def test_deployments_select_their_own_pods():
    for name, deployment in of_kind("Deployment").items():
        assert selects(deployment["spec"]["selector"], pod_labels(name)), name
        others = [other for other in workloads() if other != name]
        assert not any(selects(deployment["spec"]["selector"], pod_labels(o)) for o in others)


def test_web_probes_livez_for_liveness_and_readyz_for_readiness():
    (web,) = pod_specs()["cqar-web"]["containers"]
    (port,) = web["ports"]
    assert port == {"name": "http", "containerPort": 8000}
    for probe, path in [
        ("startupProbe", "/livez"),
        ("livenessProbe", "/livez"),
        ("readinessProbe", "/readyz"),
    ]:
        assert web[probe]["httpGet"] == {"path": path, "port": "http"}, probe


def test_grpc_probes_the_grpc_health_service():
    """The kubelet's native grpc probes: liveness (and startup) ask the health service's
    ``liveness``, which a database outage leaves SERVING; readiness asks "", which
    follows the database. They ask the probe port (GRPC_HEALTH_BIND), which no caller of
    the service's port can keep busy; the service's port is the one the entry point's
    grpc role listens on."""
    from registry.grpc.server import LIVENESS

    grpc = main_container("cqar-grpc")
    assert grpc["args"] == ["grpc"]
    ports = {port["name"]: port["containerPort"] for port in grpc["ports"]}
    assert ports["grpc"] == 9090
    env = {variable["name"]: variable["value"] for variable in grpc["env"]}
    assert env["GRPC_HEALTH_BIND"] == f"0.0.0.0:{ports['probes']}"
    for probe in ("startupProbe", "livenessProbe"):
        assert grpc[probe]["grpc"] == {"port": ports["probes"], "service": LIVENESS}, probe
    assert grpc["readinessProbe"]["grpc"] == {"port": ports["probes"]}
    # The pod outlives its preStop pause and the grace calls in flight get.
    from config.settings import GRPC_SHUTDOWN_GRACE_SECONDS

    pause = int(grpc["lifecycle"]["preStop"]["exec"]["command"][-1])
    grace = pod_specs()["cqar-grpc"]["terminationGracePeriodSeconds"]
    assert grace > pause + GRPC_SHUTDOWN_GRACE_SECONDS


def test_the_grpc_services_send_to_the_grpc_port():
    """cqar-grpc balances connections; cqar-grpc-pods, headless, names every ready pod
    for clients that balance calls themselves."""
    services = {name: s for name, s in of_kind("Service").items() if name.startswith("cqar-grpc")}
    assert set(services) == {"cqar-grpc", "cqar-grpc-pods"}
    for name, service in services.items():
        selector = {"matchLabels": service["spec"]["selector"]}
        assert selects(selector, pod_labels("cqar-grpc")), name
        assert not selects(selector, pod_labels("cqar-web")), name
        (port,) = service["spec"]["ports"]
        assert (port["port"], port["targetPort"]) == (9090, "grpc"), name
    assert services["cqar-grpc-pods"]["spec"]["clusterIP"] == "None"
    assert "clusterIP" not in services["cqar-grpc"]["spec"]


def test_worker_and_beat_have_liveness_probes_of_their_own():
    (worker,) = pod_specs()["cqar-worker"]["containers"]
    assert "inspect ping" in worker["livenessProbe"]["exec"]["command"][-1]
    (beat,) = pod_specs()["cqar-beat"]["containers"]
    assert "celerybeat-schedule" in beat["livenessProbe"]["exec"]["command"][-1]


def test_every_container_has_cpu_and_memory_requests_and_limits():
    for name, spec in pod_specs().items():
        for container in containers(spec):
            resources_ = container["resources"]
            for kind in ("requests", "limits"):
                assert set(resources_[kind]) == {"cpu", "memory"}, (name, container["name"])


def test_exactly_one_beat_and_never_two_during_a_rollout():
    beat = of_kind("Deployment")["cqar-beat"]["spec"]
    assert beat["replicas"] == 1
    assert beat["strategy"] == {"type": "Recreate"}
    targets = [
        hpa["spec"]["scaleTargetRef"]["name"] for hpa in of_kind("HorizontalPodAutoscaler").values()
    ]
    assert "cqar-beat" not in targets


def test_autoscalers_and_disruption_budgets_cover_web_worker_and_grpc():
    for kind in ("HorizontalPodAutoscaler", "PodDisruptionBudget"):
        assert set(of_kind(kind)) == {"cqar-web", "cqar-worker", "cqar-grpc"}
    for name, hpa in of_kind("HorizontalPodAutoscaler").items():
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": name,
        }
        assert 1 < hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
        assert "replicas" not in of_kind("Deployment")[name]["spec"]  # the HPA owns it
    for name, budget in of_kind("PodDisruptionBudget").items():
        assert selects(budget["spec"]["selector"], pod_labels(name))


def test_the_service_sends_to_the_web_port():
    service = of_kind("Service")["cqar-web"]
    assert selects({"matchLabels": service["spec"]["selector"]}, pod_labels("cqar-web"))
    assert not selects({"matchLabels": service["spec"]["selector"]}, pod_labels("cqar-worker"))
    (port,) = service["spec"]["ports"]
    assert port["targetPort"] == "http"


def test_pods_run_as_the_image_s_user_read_only_and_without_capabilities():
    uid, gid = runtime_user()
    for name, spec in pod_specs().items():
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert (spec["securityContext"]["runAsUser"], spec["securityContext"]["runAsGroup"]) == (
            uid,
            gid,
        )
        assert spec["automountServiceAccountToken"] is False
        volumes = {volume["name"]: volume for volume in spec["volumes"]}
        for container in containers(spec):
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"] == {"drop": ["ALL"]}, name
            # /tmp is writable (gunicorn's heartbeats, the metrics' files, beat's state).
            (tmp,) = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
            assert "emptyDir" in volumes[tmp["name"]], name


def test_the_migrate_job_runs_once_and_every_deployment_waits_for_it():
    """`kubectl apply -k` starts the Job and rolls the Deployments at once: a pod of the
    new image that started before the Job finished would run on the old schema."""
    job = of_kind("Job")["cqar-migrate"]["spec"]
    assert job["template"]["spec"]["restartPolicy"] == "Never"
    assert job["template"]["spec"]["containers"][0]["args"] == ["migrate"]
    for name, deployment in of_kind("Deployment").items():
        spec = deployment["spec"]["template"]["spec"]
        assert any(c["image"] == "cqar" for c in spec["containers"]), name
        (wait,) = spec.get("initContainers", [None])
        assert wait is not None, f"{name} does not wait for the migrations"
        assert (wait["image"], wait["args"]) == ("cqar", ["cqar", "migrate", "--check"])
        # The same settings as the container it guards: the same database.
        assert wait["envFrom"] == main_container(name)["envFrom"], name


def test_every_kubectl_command_of_the_docs_names_the_namespace():
    """The kustomization puts everything in its namespace; a command without ``-n`` looks
    in the context's default namespace and finds nothing (or another registry)."""
    namespace = kustomization()["namespace"]
    documents = [K8S / "README.md", REPOSITORY / "docs" / "RUNBOOK.md", REPOSITORY / "README.md"]
    for document in documents:
        text = re.sub(r"\s+", " ", document.read_text())  # commands wrap in prose
        for command in re.findall(r"\bkubectl [^`]{0,30}", text):
            if command.startswith(f"kubectl create namespace {namespace}"):
                continue
            assert command.startswith(f"kubectl -n {namespace} "), (document.name, command)


def test_settings_come_from_the_config_map_and_secrets_from_the_secret():
    config_maps = of_kind("ConfigMap")
    example = yaml.safe_load(EXAMPLE_SECRET.read_text())
    for name, spec in pod_specs().items():
        assert spec["serviceAccountName"] in of_kind("ServiceAccount")
        for container in containers(spec):
            sources = container["envFrom"]
            assert {"configMapRef": {"name": "cqar-config"}} in sources
            assert {"secretRef": {"name": example["metadata"]["name"]}} in sources
            # A container's own settings are plain values, never a secret's (whose value
            # would be in the manifest).
            for variable in container.get("env", []):
                assert set(variable) == {"name", "value"}, (name, variable)
                assert not SECRET_NAME.search(variable["name"]), (name, variable)
    assert set(config_maps) == {"cqar-config"}
    assert set(config_maps["cqar-config"]["data"]).isdisjoint(example["stringData"])


def test_no_secret_is_in_the_kustomization():
    """The Secret is made from a secret store; the example is not applied and holds only
    placeholders."""
    assert of_kind("Secret") == {}
    rendered = yaml.safe_dump_all(resources())
    assert not re.search(r"://[^/\s@]*:[^/\s@]+@", rendered), "a URL with a password"
    example = yaml.safe_load(EXAMPLE_SECRET.read_text())
    assert set(SECRET_NAMES) | {"METRICS_TOKEN"} <= set(example["stringData"])
    assert EXAMPLE_SECRET.read_text().startswith("# AN EXAMPLE, NOT A RESOURCE")


def test_the_example_secret_is_unusable_as_it_is():
    """A copy applied unchanged must not run with a key (or token) everyone can read:
    every value is empty, which the settings refuse for SECRET_KEY (a placeholder such as
    "REPLACE-with-…" would pass their weak-key check) and which turns /metrics off."""
    example = yaml.safe_load(EXAMPLE_SECRET.read_text())["stringData"]
    assert {name: value for name, value in example.items() if value != ""} == {}
    assert weak_secret_key(example["SECRET_KEY"])


def rules(policy: dict, direction: str) -> list[dict]:
    return policy["spec"].get(direction, [])


def ports_of(rule_list: list[dict]) -> set[tuple[str, int]]:
    return {(p["protocol"], p["port"]) for rule in rule_list for p in rule.get("ports", [])}


def test_network_policies_admit_only_the_web_port_and_reach_only_the_services():
    """Ingress: the web's port, the gRPC port and its probe port, and the worker's and
    the gRPC server's metrics ports from Prometheus alone."""
    policies = list(of_kind("NetworkPolicy").values())
    worker_metrics = main_container("cqar-worker")["ports"][0]["containerPort"]
    grpc_ports = {
        port["name"]: port["containerPort"] for port in main_container("cqar-grpc")["ports"]
    }
    for name in workloads():
        labels = pod_labels(name)
        covering = [p for p in policies if selects(p["spec"]["podSelector"], labels)]
        ingress = [p for p in covering if "Ingress" in p["spec"]["policyTypes"]]
        egress = [p for p in covering if "Egress" in p["spec"]["policyTypes"]]
        assert ingress and egress, f"{name} is not covered both ways"
        admitted = ports_of([r for p in ingress for r in rules(p, "ingress")])
        expected = {
            "cqar-web": {("TCP", 8000)},
            "cqar-worker": {("TCP", worker_metrics)},
            "cqar-grpc": {
                ("TCP", grpc_ports["grpc"]),
                ("TCP", grpc_ports["probes"]),
                ("TCP", grpc_ports["metrics"]),
            },
        }
        assert admitted == expected.get(name, set()), name
        metrics_port = {"cqar-worker": worker_metrics, "cqar-grpc": grpc_ports["metrics"]}
        if name in metrics_port:
            (rule,) = [
                r
                for p in ingress
                for r in rules(p, "ingress")
                if ports_of([r]) == {("TCP", metrics_port[name])}
            ]
            assert rule["from"], "a metrics port is open to Prometheus only"
            for peer in rule["from"]:
                assert peer["namespaceSelector"]["matchLabels"] and peer["podSelector"]
        assert all("to" not in r or r["to"] for p in egress for r in rules(p, "egress"))
        reached = ports_of([r for p in egress for r in rules(p, "egress")])
        assert reached == {
            ("UDP", 53),
            ("TCP", 53),
            ("TCP", 5432),
            ("TCP", 6379),
            ("TCP", 26379),
            ("TCP", 5672),
            ("TCP", 4222),
        }
        assert all(r.get("ports") for p in egress for r in rules(p, "egress")), (
            "a rule without ports opens all"
        )


def test_the_oldest_version_validated_is_the_one_documented():
    readme = (K8S / "README.md").read_text()
    oldest = KUBERNETES_VERSIONS[0].rsplit(".", 1)[0]
    assert f"Kubernetes {oldest}" in readme


def test_the_allowed_hosts_hold_every_in_cluster_name_of_the_service():
    """A caller in the cluster may use any of the Service's DNS names (its own namespace's
    short one, or another namespace's longer ones); a name missing is a 400."""
    namespace = kustomization()["namespace"]
    hosts = of_kind("ConfigMap")["cqar-config"]["data"]["ALLOWED_HOSTS"].split(",")
    service = "cqar-web"  # the gRPC Services' callers meet no host check
    for suffix in ("", f".{namespace}", f".{namespace}.svc", f".{namespace}.svc.cluster.local"):
        assert f"{service}{suffix}" in hosts


def test_web_and_worker_mount_one_read_write_many_claim_at_media_root():
    """An admin upload a web pod stores is read by a worker pod, maybe on another node:
    both mount the same PersistentVolumeClaim, ReadWriteMany, at the MEDIA_ROOT they run
    with, and the pods' fsGroup lets the image's user write there (the root file system
    is read-only)."""
    claims = of_kind("PersistentVolumeClaim")
    _, gid = runtime_user()
    claimed = set()
    for name in ("cqar-web", "cqar-worker"):
        container = main_container(name)
        media_root = container_environment(container)["MEDIA_ROOT"]
        assert media_root == runtime_environment()["MEDIA_ROOT"], "the image's directory"
        (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == media_root]
        assert not mount.get("readOnly") and "subPath" not in mount, name
        volumes = {volume["name"]: volume for volume in pod_specs()[name]["volumes"]}
        claimed.add(volumes[mount["name"]]["persistentVolumeClaim"]["claimName"])
        assert pod_specs()[name]["securityContext"]["fsGroup"] == gid, name
    (claim,) = claimed
    assert claims[claim]["spec"]["accessModes"] == ["ReadWriteMany"]
    assert "django-storages" in (K8S / "media.yaml").read_text(), "S3, the alternative"
    assert claim in (K8S / "README.md").read_text()


def test_the_worker_serves_its_metrics_where_prometheus_scrapes_them():
    """CELERY_METRICS_PORT is the worker's container port named metrics and the port of
    the scrape job cqar-worker; no other pod serves on it (it is not in the ConfigMap)."""
    worker = main_container("cqar-worker")
    (port,) = worker["ports"]
    assert port["name"] == "metrics"
    assert int(container_environment(worker)["CELERY_METRICS_PORT"]) == port["containerPort"]
    assert scraped_ports("cqar-worker") == {port["containerPort"]}
    for name, spec in pod_specs().items():
        for container in containers(spec):
            if container is not worker:
                assert "CELERY_METRICS_PORT" not in container_environment(container), name


def test_the_grpc_server_serves_its_metrics_where_prometheus_scrapes_them():
    """GRPC_METRICS_BIND is the gRPC container's port named metrics, on every interface,
    and the port of the scrape job cqar-grpc; no other pod sets it."""
    grpc = main_container("cqar-grpc")
    ports = {port["name"]: port["containerPort"] for port in grpc["ports"]}
    host, _, port = container_environment(grpc)["GRPC_METRICS_BIND"].rpartition(":")
    assert (host, int(port)) == ("0.0.0.0", ports["metrics"])
    assert scraped_ports("cqar-grpc") == {ports["metrics"]}
    for name, spec in pod_specs().items():
        for container in containers(spec):
            if container is not grpc:
                assert "GRPC_METRICS_BIND" not in container_environment(container), name


@pytest.mark.parametrize("name", ["cqar-web", "cqar-worker"])
def test_the_metrics_files_are_made_on_an_empty_dir(name, tmp_path):
    """The root file system is read-only: gunicorn and the worker make their
    PROMETHEUS_MULTIPROC_DIR, a fresh one at each start, on the pod's emptyDir."""
    container = main_container(name)
    role = container["args"][0]
    directory = metrics_directory(role, container_environment(container), tmp_path)
    volumes = {volume["name"]: volume for volume in pod_specs()[name]["volumes"]}
    (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == str(directory.parent)]
    assert "emptyDir" in volumes[mount["name"]]


def test_every_setting_an_operator_needs_is_in_the_config_map_or_the_secret():
    """Set, or named in a comment that says what it is for."""
    offered = mentioned((K8S / "config.yaml").read_text() + EXAMPLE_SECRET.read_text())
    offered |= set(of_kind("ConfigMap")["cqar-config"]["data"])
    offered |= set(yaml.safe_load(EXAMPLE_SECRET.read_text())["stringData"])
    assert sorted(set(SETTINGS_TO_OFFER) - offered) == []


def test_the_example_sentinel_urls_are_accepted():
    """The Sentinel form the ConfigMap's comments and the Secret's example show parses
    as a REDIS_URL (three sentinels, a master, a db)."""
    for path in (K8S / "config.yaml", EXAMPLE_SECRET):
        (url,) = SENTINEL_URL.findall(path.read_text())
        sentinel = parse_sentinel_url(url)
        assert len(sentinel.sentinels) == 3 and sentinel.master and sentinel.db == 0, path


def test_no_pod_but_web_is_told_it_goes_through_a_transaction_pool():
    """DATABASE_POOL_MODE is offered (in the ConfigMap's comments) but set nowhere every
    pod reads: worker, beat and the migrate Job connect directly (a worker refuses
    "transaction", and the outbox publisher's session lock needs a session)."""
    assert "DATABASE_POOL_MODE" not in of_kind("ConfigMap")["cqar-config"]["data"]
    for name, spec in pod_specs().items():
        if name != "cqar-web":
            for container in containers(spec):
                assert "DATABASE_POOL_MODE" not in container_environment(container), name
