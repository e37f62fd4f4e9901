"""The real stack a reliability scenario runs on, started on free loopback ports and
stopped by itself.

    from tests.reliability.stack import Load, Stack

    with Stack("redis_stopped", webs=2) as stack:      # database, Redis, 2 gunicorns
        with Load(stack) as load:                      # steady mixed load, in threads
            stack.redis.stop(); time.sleep(10); stack.redis.start()
            recovery = stack.cache_recovery_seconds(since=time.monotonic())
        load.record(result)                            # statuses, stale, wrong → result

What ``Stack(name, …)`` starts, in this order (``__exit__`` stops all of it, also when
the scenario fails, and a watchdog kills every process after ``limit_seconds``):

- ``database``: a fresh database named ``<DATABASE_URL's name>_rel_<name>``, migrated
  and loaded with the demo (``load_demo``) and two service accounts: a copy of a
  template built once per process (about 15 s), so each scenario starts in about a
  second. On the shared server by default; ``cluster=True`` gives the scenario a
  PostgreSQL cluster of its own (``stack.cluster``, tests/postgres_servers.py), which it
  may stop and restart.
- ``redis``: a redis-server of its own (tests/redis_server.py): ``stop()``,
  ``start()`` (empty), ``freeze()`` / ``thaw()`` (SIGSTOP / SIGCONT); or, given
  ``redis=other_stack.redis``, that one (the other stack stops it).
- ``webs``: N gunicorn servers with the production configuration (config/gunicorn.py,
  DEBUG off, a SECRET_KEY, plain HTTP), ``WEB_CONCURRENCY`` workers each.
- ``grpc=True``: ``manage.py grpcserver`` (``stack.grpc.address``, ``stack.grpc.stub``
  and ``stack.grpc.client``: the client generated from proto/). The load then also calls
  it: a hot read (ResolveMarket), the counterfeit's flags, the renamed probe.
- ``worker=True``: a Celery worker with beat (tests/events/worker.py), which needs
  ``env`` to name the broker, bus and stream: ``CELERY_BROKER_URL``, ``CELERY_QUEUE``,
  ``NATS_URL``, ``EVENTS_STREAM``, ``EVENTS_SUBJECT_PREFIX``, ``EVENTS_CQAR_SUBJECT_PREFIX``.
  Without them (the default) web processes run Celery eagerly with no bus, so events
  stay in the outbox.
- ``env``: more variables for every process the stack starts (web, gRPC, worker,
  ``stack.manage(…)``); ``stack.env`` is what they get.

``stack.steward`` is the token of a service account with the viewer, steward and
auditor roles; ``stack.auditor`` one of a second account (viewer, auditor), which may
resolve the CRITICAL flags the first raised (four eyes).

``Load(stack)`` drives, until it stops, hot lookups under /api/v1/resolve/, REST list and
detail reads, and writes (an asset created, a probe asset renamed, a CRITICAL flag on a
second probe raised and resolved), spread over every web instance. Every answer is
recorded (``load.answers``); after each acknowledged write it reads the value back from
every instance, and a read sent after the write's answer that still shows the old value
is *stale*. A pre-trade answer that calls a blocked asset tradeable (the demo's
counterfeit USDC, or the probe while its flag is active) is *wrong*. A 4xx/5xx answer
that is not in the API's error shape is *malformed*. ``load.record(result)`` adds the
counts to a ScenarioResult.
"""

import atexit
import contextlib
import functools
import http.client
import itertools
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from prometheus_client.parser import text_string_to_metric_families

from tests.events.worker import Worker, stop_group, wait_for
from tests.postgres_servers import PostgresCluster, copy_database, scratch_directory
from tests.redis_server import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[2]
METRICS_TOKEN = "reliability-metrics-token"
# What the scenario's processes must not inherit from the shell: the shared broker and
# bus (a scenario names its own in ``env``), and a metrics directory of another server.
NOT_INHERITED = {
    "CELERY_BROKER_URL",
    "CELERY_QUEUE",
    "NATS_URL",
    "PROMETHEUS_MULTIPROC_DIR",
    "DJANGO_SETTINGS_MODULE",
}
COUNTERFEIT_USDC = ("INTERNAL", "demo-counterfeit-usdc")
TICKER = {"venue": "kraken", "symbol": "XXBTZUSD"}
USDC_ON_ETHEREUM = {"chain": "ethereum", "address": "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"}
HTTP_TIMEOUT = 15  # seconds: above DB_CONNECT_TIMEOUT (5 s), below gunicorn's 30 s


def shared_database_url() -> str:
    return os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cqar")


def database_name(scenario: str) -> str:
    """``<DATABASE_URL's name>_rel_<scenario>``: the env file's prefix keeps helpers and
    runs on one server apart."""
    prefix = urlsplit(shared_database_url()).path.strip("/") or "cqar"
    return f"{prefix}_rel_{scenario}"[:63]


def with_database(url: str, name: str) -> str:
    return urlsplit(url)._replace(path=f"/{name}").geturl()


def admin_query(sql: str, url: str | None = None) -> None:
    """A statement on the shared server's maintenance database (CREATE/DROP DATABASE)."""
    import psycopg

    admin = with_database(url or shared_database_url(), "postgres")
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as connection:
        connection.execute(sql)


def base_env(**more: str) -> dict[str, str]:
    """The production settings every process of a stack runs with."""
    env = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    env.update(
        DEBUG="false",
        SECURE_SSL_REDIRECT="false",  # the load speaks plain HTTP
        LOG_LEVEL="WARNING",
        METRICS_TOKEN=METRICS_TOKEN,
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    env.update(more)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    """``manage.py <args>`` in a subprocess; its stdout."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode:
        raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


# Processes started by any stack of this process, killed at exit if a stack could not.
_LIVE: set[subprocess.Popen] = set()


@atexit.register
def _kill_leftovers() -> None:
    for process in list(_LIVE):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


@dataclass
class Tokens:
    steward: str  # viewer, steward, auditor
    auditor: str  # viewer, auditor: resolves what the steward raised


# migrate, load_demo and two service accounts; prints their tokens as JSON.
TEMPLATE_SCRIPT = """
import io, json, django
django.setup()
from django.core.management import call_command
call_command("migrate", "--noinput", verbosity=0)
call_command("load_demo", stdout=io.StringIO())
tokens = {}
for name, roles in (("steward", "viewer steward auditor"), ("auditor", "viewer auditor")):
    out = io.StringIO()
    options = [word for role in roles.split() for word in ("--role", role)]
    account = f"reliability-{name}"
    call_command("create_service_account", account, *options, stdout=out, stderr=io.StringIO())
    tokens[name] = out.getvalue().strip()
print(json.dumps(tokens))
"""


class Template:
    """The migrated, loaded database every stack copies; built once per process."""

    _built: "Template | None" = None
    _lock = threading.Lock()

    def __init__(self, url: str, tokens: Tokens) -> None:
        self.url = url
        self.tokens = tokens

    @classmethod
    def get(cls) -> "Template":
        with cls._lock:
            if cls._built is None:
                cls._built = cls._build()
            return cls._built

    @classmethod
    def _build(cls) -> "Template":
        name = database_name(f"template_{os.getpid()}")
        admin_query(f'DROP DATABASE IF EXISTS "{name}"')
        admin_query(f'CREATE DATABASE "{name}"')
        url = with_database(shared_database_url(), name)
        atexit.register(lambda: admin_query(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        # The commands in one process: each Django start costs seconds on a busy machine.
        result = subprocess.run(
            [sys.executable, "-c", TEMPLATE_SCRIPT],
            cwd=ROOT,
            env=base_env(DATABASE_URL=url, REDIS_URL=""),
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode:
            raise AssertionError(f"building the template failed:\n{result.stderr[-3000:]}")
        return cls(url, Tokens(**json.loads(result.stdout.strip().splitlines()[-1])))


class RegistryDatabase:
    """A fresh copy of the template: on the shared server, or on ``cluster``."""

    def __init__(self, name: str, cluster: PostgresCluster | None = None) -> None:
        self.name = name
        self.cluster = cluster
        template = Template.get()
        self.tokens = template.tokens
        if cluster is None:
            admin_query(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            template_name = urlsplit(template.url).path.strip("/")
            admin_query(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
            self.url = with_database(shared_database_url(), name)
        else:
            copy_database(template.url, cluster, name)
            self.url = cluster.url(name)

    @classmethod
    def restored_from(cls, source: "RegistryDatabase", name: str) -> "RegistryDatabase":
        """``name`` on the shared server, restored from a ``pg_dump`` of ``source``, as
        an operator restores a backup (copy_database: pg_dump --format=custom, then
        pg_restore)."""
        database = cls.__new__(cls)
        database.name, database.cluster, database.tokens = name, None, source.tokens
        admin_query(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        # The shared server addressed as a cluster: copy_database uses its port alone.
        shared = PostgresCluster(ROOT, urlsplit(shared_database_url()).port or 5432)
        copy_database(source.url, shared, name)
        database.url = with_database(shared_database_url(), name)
        return database

    def query(self, sql: str, params=()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as connection:
            cursor = connection.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def drop(self) -> None:
        if self.cluster is None:
            admin_query(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class OwnRedis(RedisServer):
    """A RedisServer that may also be frozen (SIGSTOP) and thawed."""

    def start(self) -> "OwnRedis":
        super().start()
        _LIVE.add(self.process)
        return self

    def freeze(self) -> None:
        os.killpg(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.killpg(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.thaw()  # a frozen server dies all the same, but its wait() must return
        super().stop()


class WebServer:
    """gunicorn with the production configuration on a free port of 127.0.0.1."""

    def __init__(self, name: str, directory: Path, env: dict[str, str], workers: int) -> None:
        self.name = name
        self.port = free_port()
        self.log_path = directory / f"web-{name}.log"
        self.env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(workers),
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> "WebServer":
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _LIVE.add(self.process)
        return self

    def wait_until_serving(self, timeout: float = 120) -> "WebServer":
        def serving() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"web {self.name} exited:\n{self.log()}")
            with contextlib.suppress(OSError):
                return self.request("GET", "/healthz")[0] == 200
            return False

        wait_for(serving, timeout, f"web {self.name} to serve")
        return self

    def request(
        self, method: str, path: str, token: str = "", body: dict | None = None
    ) -> tuple[int, object]:
        """(status, parsed JSON body or the text); OSError when no answer came."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=HTTP_TIMEOUT)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Token {token}"
        try:
            connection.request(
                method, path, json.dumps(body) if body is not None else None, headers
            )
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        try:
            return response.status, json.loads(data or b"null")
        except ValueError:
            return response.status, data.decode(errors="replace")

    def metric(self, name: str, **labels: str) -> float:
        """The sum of ``name``'s samples with ``labels`` on /metrics (all workers')."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=HTTP_TIMEOUT)
        try:
            connection.request(
                "GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
            )
            text = connection.getresponse().read().decode()
        finally:
            connection.close()
        return sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

    def stop(self) -> None:
        stop_group(self.process, grace=15)
        _LIVE.discard(self.process)


class GrpcServer:
    """``manage.py grpcserver --bind 127.0.0.1:<free port>``."""

    def __init__(self, directory: Path, env: dict[str, str]) -> None:
        self.address = f"127.0.0.1:{free_port()}"
        self.log_path = directory / "grpc.log"
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self) -> "GrpcServer":
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "grpcserver", "--bind", self.address],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _LIVE.add(self.process)
        host, port = self.address.split(":")

        def listening() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"the gRPC server exited:\n{self.log()}")
            with contextlib.suppress(OSError), socket_to(host, int(port)):
                return True
            return False

        wait_for(listening, 60, "the gRPC server to listen")
        import grpc

        self.client = grpc_client()
        self.channel = grpc.insecure_channel(self.address)
        self.stub = self.client.stubs.AssetRegistryStub(self.channel)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

    def stop(self) -> None:
        if getattr(self, "channel", None):
            self.channel.close()
        stop_group(self.process, grace=15)
        _LIVE.discard(self.process)


@functools.cache
def grpc_client():
    """The client generated from proto/ (tests/rpc/client.py), compiled once a process."""
    from tests.rpc.client import compile_client

    out = Path(tempfile.mkdtemp(prefix="cqar-rel-grpc-client-"))
    atexit.register(shutil.rmtree, out, True)
    return compile_client(out)


def socket_to(host: str, port: int):
    import socket

    return socket.create_connection((host, port), timeout=1)


class Stack:
    """The registry's processes for one scenario (see the module docstring)."""

    def __init__(
        self,
        name: str,
        *,
        webs: int = 2,
        workers_per_web: int = 2,
        cluster: bool = False,
        redis: "bool | OwnRedis" = True,
        grpc: bool = False,
        worker: bool = False,
        env: dict[str, str] | None = None,
        database: RegistryDatabase | None = None,
        limit_seconds: float = 900,
    ) -> None:
        self.name = name
        self.web_count = webs
        self.workers_per_web = workers_per_web
        self.wants_cluster = cluster
        self.wants_redis = redis
        self.wants_grpc = grpc
        self.wants_worker = worker
        self.extra_env = env or {}
        self.limit_seconds = limit_seconds
        self.directory: Path | None = None
        self.cluster: PostgresCluster | None = None
        self.database: RegistryDatabase | None = database  # else a copy of the template
        self.redis: OwnRedis | None = None
        self.webs: list[WebServer] = []
        self.grpc: GrpcServer | None = None
        self.worker: Worker | None = None
        self._watchdog: threading.Timer | None = None

    # -- life cycle --------------------------------------------------------------------

    def __enter__(self) -> "Stack":
        self._watchdog = threading.Timer(self.limit_seconds, self._kill_everything)
        self._watchdog.daemon = True
        self._watchdog.start()
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self) -> None:
        # The cluster's user (postgres, when we are root) must own its directory.
        self.directory = scratch_directory(f"cqar-rel-{self.name}-")
        if self.wants_cluster:
            self.cluster = PostgresCluster.primary(self.directory / "postgres")
        if self.database is None:
            self.database = RegistryDatabase(database_name(self.name), self.cluster)
        if isinstance(self.wants_redis, OwnRedis):
            self.redis = self.wants_redis  # another stack's: it stops it
        elif self.wants_redis:
            self.redis = OwnRedis(self.directory / "redis").start()
        self.env = base_env(
            DATABASE_URL=self.database.url,
            REDIS_URL=self.redis.url if self.redis else "",
            **self.extra_env,
        )
        self.webs = [
            WebServer(chr(ord("A") + i), self.directory, self.env, self.workers_per_web).start()
            for i in range(self.web_count)
        ]
        if self.wants_grpc:
            self.grpc = GrpcServer(self.directory, self.env).start()
        if self.wants_worker:
            self.worker = Worker(self.directory / "worker.log", self.env).start()
            _LIVE.add(self.worker.process)
        for web in self.webs:
            web.wait_until_serving()

    def __exit__(self, *exc) -> None:
        if self._watchdog:
            self._watchdog.cancel()
        for stop in (
            *(web.stop for web in self.webs),
            self.grpc and self.grpc.stop,
            self.worker and self.worker.process and self.worker.stop,
            self.redis and self.redis is not self.wants_redis and self.redis.stop,
            self.cluster and (lambda: self.cluster.stop("immediate")),
            self.database and self.database.drop,
        ):
            if stop:
                with contextlib.suppress(Exception):
                    stop()
        if self.worker and self.worker.process:
            _LIVE.discard(self.worker.process)
        if self.directory and not os.environ.get("RELIABILITY_KEEP"):
            shutil.rmtree(self.directory, ignore_errors=True)

    def _kill_everything(self) -> None:
        """The watchdog: a scenario past its limit loses its processes, and so fails."""
        print(f"!! {self.name}: over {self.limit_seconds} s, killing its processes", flush=True)
        for process in [web.process for web in self.webs] + [
            self.grpc and self.grpc.process,
            self.worker and self.worker.process,
            self.redis and self.redis.process,
        ]:
            if process is not None and process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
        if self.cluster:
            with contextlib.suppress(Exception):
                self.cluster.stop("immediate")

    # -- helpers -----------------------------------------------------------------------

    @property
    def steward(self) -> str:
        return self.database.tokens.steward

    @property
    def auditor(self) -> str:
        return self.database.tokens.auditor

    def manage(self, *args: str, **env: str) -> str:
        return manage({**self.env, **env}, *args)

    def logs(self) -> str:
        """The tail of every web server's log, for a failure's message."""
        return "\n".join(f"--- web {web.name}\n{web.log()}" for web in self.webs)

    def cache_hits(self) -> list[float]:
        """Each web instance's count of hot lookups answered from Redis."""
        return [web.metric("cqar_cache_lookups_total", result="hit") for web in self.webs]

    def cache_recovery_seconds(self, since: float, timeout: float = 60) -> float:
        """Seconds from ``since`` (the cache's return) until every web instance answers
        hot lookups from Redis again (its hit counter moves while the load runs)."""
        before = self.cache_hits()
        pending = set(range(len(self.webs)))
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            time.sleep(0.05)
            for index in list(pending):
                with contextlib.suppress(OSError, ValueError):
                    if (
                        self.webs[index].metric("cqar_cache_lookups_total", result="hit")
                        > before[index]
                    ):
                        pending.discard(index)
        if pending:
            raise AssertionError(f"web {sorted(pending)} never read Redis again in {timeout} s")
        return time.monotonic() - since


# -- the load ---------------------------------------------------------------------------


@dataclass
class Answer:
    sent: float
    done: float
    web: str
    kind: str  # what was asked: "pretrade", "ticker", "list", "create" …
    status: int | str  # the HTTP status, or "no answer" (connection refused, reset, timeout)
    body: object = None

    @property
    def good(self) -> bool:
        """Answered, and not a server-side failure (a 5xx, or its gRPC codes)."""
        if isinstance(self.status, int):
            return self.status < 500
        return self.status.startswith("grpc:") and self.status[5:] not in GRPC_FAILURES

    @property
    def unavailable(self) -> bool:
        """The answer of a registry that cannot reach a store it needs: retry."""
        return self.status in (503, "grpc:UNAVAILABLE")


WRITE_KINDS = ("create", "rename", "raise", "resolve")
# gRPC codes that are a server's failure, as a 5xx is (UNAVAILABLE is its 503).
GRPC_FAILURES = {"UNAVAILABLE", "INTERNAL", "UNKNOWN", "DEADLINE_EXCEEDED", "DATA_LOSS"}


def describe(answers: list[Answer], limit: int = 3) -> str:
    """A few answers, for a failure's message."""
    return "; ".join(
        f"{a.kind} on {a.web}: {a.status} {str(a.body)[:200]}" for a in answers[:limit]
    )


def error_shaped(body: object) -> bool:
    error = body.get("error") if isinstance(body, dict) else None
    return isinstance(error, dict) and {"code", "message"} <= error.keys()


@dataclass
class Probes:
    counterfeit: str  # the demo's counterfeit USDC: an active CRITICAL flag, never tradeable
    btc: str
    renamed: str  # an asset the load renames
    renamed_symbol: str
    flagged: str  # an asset on which the load raises and resolves a CRITICAL flag


class Load:
    """A steady mixed load on every web instance of ``stack``, in threads, until stop()
    (or the ``with`` block's end). ``readers`` threads of lookups and reads, one writer
    doing a round of writes every ``write_pause`` seconds."""

    def __init__(
        self, stack: Stack, *, readers: int = 2, write_pause: float = 0.2, read_pause: float = 0.0
    ) -> None:
        self.stack = stack
        self.webs = stack.webs
        self.readers = readers
        self.write_pause = write_pause
        self.read_pause = read_pause
        self.answers: list[Answer] = []
        self.stale: list[str] = []
        self.wrong: list[str] = []
        self.malformed: list[str] = []
        self.created: list[tuple[str, str]] = []  # (asset id, symbol) of acknowledged creates
        self.renames: list[str] = []  # acknowledged names of the renamed probe, in order
        self.rename_attempts: list[str] = []  # every name sent, acknowledged or not
        self.writes_acknowledged = 0
        self.writes_refused = 0  # answered 5xx or not at all
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._round = itertools.count(1)
        self._grpc_calls = threading.Lock()  # held by each gRPC call: see quiet_grpc()
        self.probes = self._probes()

    def __enter__(self) -> "Load":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- set-up ------------------------------------------------------------------------

    def _probes(self) -> Probes:
        web, token = self.webs[0], self.stack.steward

        def asset_of(source: str, external_id: str) -> str:
            query = urlencode({"source": source, "external_id": external_id})
            status, body = web.request("GET", f"/api/v1/assets/by-identifier/?{query}", token)
            assert status == 200, body
            return body["asset_id"] if "asset_id" in body else body["id"]

        def created(symbol: str) -> str:
            status, body = web.request(
                "POST",
                "/api/v1/assets/",
                token,
                {"symbol": symbol, "name": f"{symbol} probe", "asset_type": "ERC20"},
            )
            assert status == 201, body
            return body["asset_id"] if "asset_id" in body else body["id"]

        tag = secrets.token_hex(2).upper()
        return Probes(
            counterfeit=asset_of(*COUNTERFEIT_USDC),
            btc=asset_of("COINGECKO", "bitcoin"),
            renamed=created(f"RLREN{tag}"),
            renamed_symbol=f"RLREN{tag}",
            flagged=created(f"RLFLG{tag}"),
        )

    def start(self) -> "Load":
        for index in range(self.readers):
            self._spawn(self._read_loop, index)
        if self.stack.grpc:
            self._spawn(self._grpc_loop)
        self._spawn(self._write_loop)
        return self

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> "Load":
        self._stop.set()
        for thread in self._threads:
            thread.join(HTTP_TIMEOUT * 3)
        return self

    # -- requests ----------------------------------------------------------------------

    def ask(
        self,
        web: WebServer,
        kind: str,
        method: str,
        path: str,
        token: str | None = None,
        body: dict | None = None,
    ) -> Answer:
        sent = time.monotonic()
        try:
            status, answer = web.request(method, path, token or self.stack.steward, body)
        except OSError as error:
            status, answer = "no answer", repr(error)
        done = time.monotonic()
        result = Answer(sent, done, web.name, kind, status, answer)
        self.answers.append(result)
        if isinstance(status, int) and status >= 400 and not error_shaped(answer):
            self.malformed.append(
                f"{kind} {method} {path} on {web.name}: {status} {str(answer)[:200]}"
            )
        return result

    def _read_loop(self, index: int) -> None:
        probes = self.probes
        pretrade = "/api/v1/resolve/pretrade/?" + urlencode({"asset": probes.counterfeit})
        reads = [
            ("pretrade", pretrade),
            ("ticker", "/api/v1/resolve/venue-symbol/?" + urlencode(TICKER)),
            ("deployment", "/api/v1/resolve/deployment/?" + urlencode(USDC_ON_ETHEREUM)),
            ("list", "/api/v1/assets/?page_size=20"),
            ("detail", f"/api/v1/assets/{probes.btc}/"),
            ("pretrade", pretrade),
        ]
        for step in itertools.count(index):
            if self._stop.is_set():
                return
            kind, path = reads[step % len(reads)]
            web = self.webs[step % len(self.webs)]
            answer = self.ask(web, kind, "GET", path)
            if (
                kind == "pretrade"
                and answer.status == 200
                and answer.body.get("tradeable") is not False
            ):
                self.wrong.append(f"counterfeit USDC tradeable on {web.name}: {answer.body}")
            if self.read_pause:
                time.sleep(self.read_pause)

    @contextlib.contextmanager
    def quiet_grpc(self):
        """No gRPC call in flight inside the block. A process forked (not vforked) while
        another thread is inside gRPC can crash in gRPC's fork handlers before it execs:
        pg_ctl, run as the postgres user (tests/postgres_servers.py), died of SIGSEGV."""
        with self._grpc_calls:
            yield

    def grpc_call(self, kind: str, method: str, request) -> Answer:
        """A call to the stack's gRPC server, recorded as ``grpc:<code>``."""
        import grpc

        metadata = (("authorization", f"Token {self.stack.steward}"),)
        with self._grpc_calls:
            sent = time.monotonic()
            try:
                reply = getattr(self.stack.grpc.stub, method)(
                    request, metadata=metadata, timeout=HTTP_TIMEOUT
                )
                status, body = "grpc:OK", reply
            except grpc.RpcError as error:
                status, body = f"grpc:{error.code().name}", error.details()
        result = Answer(sent, time.monotonic(), "grpc", kind, status, body)
        self.answers.append(result)
        return result

    def _grpc_loop(self) -> None:
        """The gRPC server's hot read (a ticker) and the flags of the counterfeit USDC,
        which must always include its active CRITICAL flag."""
        messages = self.stack.grpc.client.service
        critical = self.stack.grpc.client.assets.FLAG_SEVERITY_CRITICAL
        while not self._stop.is_set():
            self.grpc_call(
                "grpc-market",
                "ResolveMarket",
                messages.ResolveMarketRequest(
                    venue_id=TICKER["venue"], venue_symbol=TICKER["symbol"]
                ),
            )
            answer = self.grpc_call(
                "grpc-flags",
                "ListQualityFlags",
                messages.ListQualityFlagsRequest(
                    asset_id=self.probes.counterfeit, min_severity=critical
                ),
            )
            if answer.status == "grpc:OK" and not any(
                not flag.HasField("resolved_at") for flag in answer.body.flags
            ):
                self.wrong.append(f"gRPC: the counterfeit USDC has no active flag: {answer.body}")
            # Paced: unpaced, this one thread would starve the HTTP readers on 2 cores.
            time.sleep(max(self.read_pause, 0.05))

    def _write_loop(self) -> None:
        while not self._stop.is_set():
            number = next(self._round)
            for write in (self._create, self._rename, self._toggle_flag):
                if self._stop.is_set():
                    return
                try:
                    write(number)
                except Exception as error:  # a bug of the load must show, not end it silently
                    self.malformed.append(f"the load's {write.__name__} failed: {error!r}")
            self._stop.wait(self.write_pause)

    def _acknowledged(self, answer: Answer, expected: int) -> bool:
        if answer.status == expected:
            self.writes_acknowledged += 1
            return True
        if not answer.good:
            self.writes_refused += 1
        else:
            self.malformed.append(
                f"{answer.kind}: unexpected {answer.status} {str(answer.body)[:200]}"
            )
        return False

    def _on_every_web(
        self, kind: str, path: str, holds, what: str, since: float, *, wrong: bool = False
    ) -> None:
        """Read ``path`` from every instance; a 200 for which ``holds`` is false is stale."""
        for web in self.webs:
            answer = self.ask(web, kind, "GET", path)
            if answer.status == 200 and not holds(answer.body):
                late = answer.sent - since
                message = (
                    f"{what} on {web.name}, {late:.3f} s after the write's answer: "
                    f"{str(answer.body)[:300]}"
                )
                self.stale.append(message)
                if wrong:
                    self.wrong.append(message)

    def create_now(self) -> threading.Thread:
        """One create sent at once, beside the writer's rounds (a fault's window may be
        shorter than a round); the thread that sends it and checks every instance."""
        thread = threading.Thread(target=self._create, args=(0,), kwargs={"warm": False})
        thread.start()
        self._threads.append(thread)
        return thread

    def _create(self, number: int, warm: bool = True) -> None:
        """A new asset: a cached miss for its symbol (``warm``), then the create, then
        every instance must find it."""
        symbol = f"RLNEW{number}{secrets.token_hex(2).upper()}"
        lookup = "/api/v1/resolve/symbol/?" + urlencode({"symbol": symbol})
        for web in self.webs if warm else ():
            self.ask(web, "symbol", "GET", lookup)  # caches the miss
        answer = self.ask(
            self.webs[number % len(self.webs)],
            "create",
            "POST",
            "/api/v1/assets/",
            body={"symbol": symbol, "name": f"Reliability {number}", "asset_type": "ERC20"},
        )
        if not self._acknowledged(answer, 201):
            return
        asset_id = answer.body.get("asset_id") or answer.body.get("id")
        self.created.append((asset_id, symbol))
        self._on_every_web(
            "symbol",
            lookup,
            lambda body: asset_id in json.dumps(body),
            f"created {symbol} not found",
            answer.done,
        )

    def _rename(self, number: int) -> None:
        probes = self.probes
        name = f"Renamed {number}"
        self.rename_attempts.append(name)
        lookup = "/api/v1/resolve/symbol/?" + urlencode({"symbol": probes.renamed_symbol})
        for web in self.webs:
            self.ask(web, "symbol", "GET", lookup)  # caches the current name
        answer = self.ask(
            self.webs[(number + 1) % len(self.webs)],
            "rename",
            "PATCH",
            f"/api/v1/assets/{probes.renamed}/",
            body={"name": name},
        )
        if not self._acknowledged(answer, 200):
            return
        self.renames.append(name)
        self._on_every_web(
            "symbol",
            lookup,
            lambda body: f'"{name}"' in json.dumps(body),
            f"old name (want {name!r})",
            answer.done,
        )
        if self.stack.grpc:
            request = self.stack.grpc.client.service.GetAssetRequest(asset_id=probes.renamed)
            read = self.grpc_call("grpc-asset", "GetAsset", request)
            if read.status == "grpc:OK" and read.body.asset.name != name:
                self.stale.append(f"gRPC GetAsset: {read.body.asset.name!r}, want {name!r}")
        self._on_every_web(
            "detail",
            f"/api/v1/assets/{probes.renamed}/",
            lambda body: body.get("name") == name,
            f"REST old name (want {name!r})",
            answer.done,
        )

    def _toggle_flag(self, number: int) -> None:
        """Raise a CRITICAL flag on the probe (pre-trade must block it at once on every
        instance: anything else is wrong) or resolve it (tradeable again: else stale)."""
        probes = self.probes
        web = self.webs[number % len(self.webs)]
        query = urlencode({"asset": probes.flagged, "active_only": "true"})
        listed = self.ask(web, "flags", "GET", f"/api/v1/quality-flags/?{query}")
        if listed.status != 200:
            return
        pretrade = "/api/v1/resolve/pretrade/?" + urlencode({"asset": probes.flagged})
        for each in self.webs:
            self.ask(each, "pretrade", "GET", pretrade)  # caches the current answer
        active = listed.body["results"]
        if active:
            flag = active[0].get("id") or active[0].get("flag_id")
            answer = self.ask(
                web,
                "resolve",
                "POST",
                f"/api/v1/quality-flags/{flag}/resolve/",
                self.stack.auditor,
                {"notes": "reliability"},
            )
            if self._acknowledged(answer, 200):
                self._on_every_web(
                    "pretrade",
                    pretrade,
                    lambda body: body.get("tradeable") is True,
                    "blocked after the flag's resolution",
                    answer.done,
                )
        else:
            answer = self.ask(
                web,
                "raise",
                "POST",
                "/api/v1/quality-flags/",
                body={
                    "asset": probes.flagged,
                    "flag_type": "EXPLOITED",
                    "severity": 5,
                    "reason": "reliability",
                },
            )
            if self._acknowledged(answer, 201):
                self._on_every_web(
                    "pretrade",
                    pretrade,
                    lambda body: body.get("tradeable") is False,
                    "tradeable with an active CRITICAL flag",
                    answer.done,
                    wrong=True,
                )

    # -- results -----------------------------------------------------------------------

    def statuses(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for answer in self.answers:
            counts[str(answer.status)] = counts.get(str(answer.status), 0) + 1
        return counts

    def record(self, result) -> None:
        """Add what the load saw to a ScenarioResult, and its failures."""
        for answer in self.answers:
            result.count(answer.status)
        result.stale_answers += len(self.stale)
        result.wrong_answers += len(self.wrong)
        result.notes.append(
            f"writes acknowledged {self.writes_acknowledged}, refused {self.writes_refused}"
        )
        for kind, examples in (
            ("stale", self.stale),
            ("wrong", self.wrong),
            ("malformed", self.malformed),
        ):
            if examples:
                result.failures.append(f"{len(examples)} {kind} answers, e.g. {examples[:3]}")

    def writes(self, answers: list[Answer]) -> list[Answer]:
        return [a for a in answers if a.kind in WRITE_KINDS]

    def between(self, start: float, end: float) -> list[Answer]:
        return [a for a in self.answers if start <= a.sent < end]

    def first_good_after(self, moment: float, kinds: tuple[str, ...] = ()) -> float | None:
        """When the first answer sent after ``moment`` came back below 500, per web
        instance; the latest of those (every instance answers again), or None."""
        firsts = {}
        for answer in sorted(self.answers, key=lambda a: a.sent):
            if (
                answer.sent >= moment
                and answer.web not in firsts
                and answer.good
                and (not kinds or answer.kind in kinds)
            ):
                firsts[answer.web] = answer.done
        if len(firsts) < len(self.webs):
            return None
        return max(firsts.values())

    def latencies(self, answers: list[Answer]) -> str:
        """``<p50>/<p99> ms`` of these answers."""
        return f"{self.latency_ms(answers, 0.5):.0f}/{self.latency_ms(answers):.0f} ms"

    def latency_ms(self, answers: list[Answer], share: float = 0.99) -> float:
        durations = sorted((a.done - a.sent) * 1000 for a in answers)
        return durations[min(len(durations) - 1, int(share * len(durations)))] if durations else 0.0


# -- the event stream ---------------------------------------------------------------------


def events_env(scenario: str, nats_url: str | None = None) -> dict[str, str]:
    """A JetStream stream and subjects of the scenario's own on ``nats_url`` (default
    NATS_URL, else the local server), so it never reads or writes another's events."""
    tag = f"{scenario}_{os.getpid()}".upper()
    return {
        "NATS_URL": nats_url or os.environ.get("NATS_URL") or "nats://127.0.0.1:4222",
        "EVENTS_STREAM": f"CQAR_REL_{tag}",
        "EVENTS_SUBJECT_PREFIX": f"rel.{tag.lower()}.cqc",
        "EVENTS_CQAR_SUBJECT_PREFIX": f"rel.{tag.lower()}.cqar",
    }


def stream_messages(env: dict[str, str]) -> list[dict[str, str]]:
    """The headers of every message on ``env``'s stream, in stream order (Nats-Msg-Id is
    the event id, Cqc-Sequence the outbox sequence), with "stream_sequence" added."""
    import asyncio

    import nats

    async def read() -> list[dict[str, str]]:
        client = await nats.connect(env["NATS_URL"], connect_timeout=5)
        try:
            stream = client.jetstream()
            info = await stream.stream_info(env["EVENTS_STREAM"])
            messages = []
            for sequence in range(info.state.first_seq, info.state.last_seq + 1):
                message = await stream.get_msg(env["EVENTS_STREAM"], sequence)
                messages.append({**(message.headers or {}), "stream_sequence": str(sequence)})
            return messages
        finally:
            await client.close()

    return asyncio.run(asyncio.wait_for(read(), 120))


def delete_stream(env: dict[str, str]) -> None:
    import asyncio

    import nats

    async def delete() -> None:
        client = await nats.connect(env["NATS_URL"], connect_timeout=5)
        try:
            with contextlib.suppress(Exception):
                await client.jetstream().delete_stream(env["EVENTS_STREAM"])
        finally:
            await client.close()

    asyncio.run(asyncio.wait_for(delete(), 30))
