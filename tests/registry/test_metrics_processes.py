"""/metrics across processes: a real gunicorn with two workers adds up what each counted;
a worker that dies takes its live gauges with it; a Celery worker serves its tasks'
outcomes on CELERY_METRICS_PORT."""

import http.client
import os
import shutil
import signal
import subprocess
import threading
from pathlib import Path

import pytest
from django.conf import settings
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.api.test_server_limits import GUNICORN, REPOSITORY, free_port
from tests.events.worker import Worker, session_database_url, stop_group, wait_for

pytestmark = pytest.mark.django_db(transaction=True)  # other processes see committed rows

TOKEN = "metrics-token-for-tests"
LIVEZ = ("cqar_http_requests_total", {"route": "livez", "method": "GET", "status": "200"})


def get(port: int, path: str, token: str = "") -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(
            "GET", path, headers={"Authorization": f"Bearer {token}"} if token else {}
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def value(text: str, name: str, labels: dict) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return 0.0


def base_env(**extra: str) -> dict[str, str]:
    excluded = {"NATS_URL", "PROMETHEUS_MULTIPROC_DIR", "CELERY_METRICS_PORT"}
    return {
        **{key: item for key, item in os.environ.items() if key not in excluded},
        "DATABASE_URL": session_database_url(),
        "DEBUG": "false",
        "METRICS_TOKEN": TOKEN,
        "LOG_LEVEL": "WARNING",
        **extra,
    }


@pytest.fixture(scope="module")
def gunicorn(django_db_setup, tmp_path_factory):
    """gunicorn with config/gunicorn.py and two workers, its metrics directory named so
    the tests can look into it: (port, directory, process)."""
    port = free_port()
    tmp_path = tmp_path_factory.mktemp("gunicorn")
    directory = tmp_path / "metrics"
    directory.mkdir()
    env = base_env(
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        PROMETHEUS_MULTIPROC_DIR=str(directory),
    )
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            GUNICORN,
            cwd=REPOSITORY,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def serving() -> bool:
        assert process.poll() is None, log.read_text()
        try:
            return get(port, "/readyz")[0] == 200
        except OSError:
            return False

    try:
        wait_for(serving, 60, "gunicorn to serve")
        yield port, directory, process
    finally:
        stop_group(process)


def per_worker(directory: Path, tmp_path: Path) -> dict[int, float]:
    """/livez GETs counted by each worker: its own files, added up alone."""
    counts = {}
    for path in directory.glob("counter_*.db"):
        pid = int(path.stem.split("_")[1])
        alone = tmp_path / f"alone-{pid}"
        alone.mkdir(exist_ok=True)
        shutil.copy(path, alone)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(alone))
        for metric in registry.collect():
            for sample in metric.samples:
                if (sample.name, sample.labels) == LIVEZ:
                    counts[pid] = sample.value
    return counts


def test_a_scrape_adds_up_every_gunicorn_worker(gunicorn, tmp_path):
    port, directory, _ = gunicorn
    sent = 0
    # Concurrent requests until both workers have served some (each has its own files).
    for _ in range(20):
        threads = [
            threading.Thread(target=lambda: [get(port, "/livez") for _ in range(5)])
            for _ in range(6)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        sent += 30
        if len([count for count in per_worker(directory, tmp_path).values() if count]) >= 2:
            break
    workers = per_worker(directory, tmp_path)
    assert len([count for count in workers.values() if count]) >= 2, workers

    status, body = get(port, "/metrics", TOKEN)

    assert status == 200
    assert value(body.decode(), *LIVEZ) == sent == sum(workers.values())


def test_a_dead_workers_live_gauges_go_and_its_counters_stay(gunicorn, tmp_path):
    """gunicorn's child_exit (config/gunicorn.py) marks the worker dead: its breaker and
    readiness gauges no longer count; what it counted still does."""
    port, directory, _ = gunicorn
    for _ in range(10):
        get(port, "/livez")
    counted = value(get(port, "/metrics", TOKEN)[1].decode(), *LIVEZ)
    gauges = {int(path.stem.rsplit("_", 1)[1]) for path in directory.glob("gauge_livemax_*.db")}
    victim = next(pid for pid in gauges if pid in per_worker(directory, tmp_path))

    os.kill(victim, signal.SIGKILL)

    wait_for(lambda: not (directory / f"gauge_livemax_{victim}.db").exists(), 30, "child_exit")
    wait_for(lambda: get(port, "/readyz")[0] == 200, 30, "a new worker")
    assert value(get(port, "/metrics", TOKEN)[1].decode(), *LIVEZ) == counted


def test_a_celery_worker_serves_its_task_outcomes_on_its_metrics_port(tmp_path):
    """The tasks run in the worker's pool process; its main process serves the counts,
    under the same token as the web's /metrics."""
    from registry.tasks import replay_cache_invalidations

    port = free_port()
    worker = Worker(
        tmp_path / "worker.log",
        base_env(CELERY_METRICS_PORT=str(port), CELERY_QUEUE=settings.CELERY_TASK_DEFAULT_QUEUE),
    ).start()
    try:
        replay_cache_invalidations.apply_async(queue=settings.CELERY_TASK_DEFAULT_QUEUE)
        task = {"task": "registry.tasks.replay_cache_invalidations"}

        def scraped() -> str:
            status, body = get(port, "/metrics", TOKEN)
            assert status == 200, body
            return body.decode()

        def counted() -> bool:
            return value(scraped(), "cqar_celery_tasks_total", {**task, "outcome": "success"}) >= 1

        try:
            wait_for(counted, 60, "the task to be counted")
        except AssertionError as error:
            raise AssertionError(f"{error}\n{worker.log()}") from None
        assert value(scraped(), "cqar_celery_task_duration_seconds_count", task) >= 1
        assert get(port, "/metrics")[0] == 401
        assert get(port, "/metrics", "wrong")[0] == 401
    finally:
        worker.stop()


@pytest.mark.parametrize("bind", ["127.0.0.1", None])
def test_the_worker_metrics_port_listens_where_celery_metrics_bind_says(monkeypatch, bind):
    """Every interface by default (a container's port is reached from outside it); one
    address when CELERY_METRICS_BIND names it."""
    from registry import metrics

    port = free_port()
    monkeypatch.setenv("CELERY_METRICS_PORT", str(port))
    if bind:
        monkeypatch.setenv("CELERY_METRICS_BIND", bind)
    else:
        monkeypatch.delenv("CELERY_METRICS_BIND", raising=False)
    metrics._serve_worker_metrics()
    try:
        assert metrics._worker_server.server_address == (bind or "0.0.0.0", port)
        assert get(port, "/metrics")[0] in (401, 403)  # it answers (refusing no token)
    finally:
        metrics._stop_worker_metrics()
