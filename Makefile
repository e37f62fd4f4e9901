# CQAR: two commands do all set-up on a fresh machine with only Python 3.11.
#   make run   - install into .venv, start on embedded defaults with demo data
#   make test  - install, check (and start) the services, lint, run the whole suite

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
GRPC_PORT ?= 9090

# The services the test suite talks to (see README "Configuration").
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cqar
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
TEST_NATS_URL ?= nats://127.0.0.1:4222
TEST_CELERY_BROKER_URL ?= amqp://guest:guest@127.0.0.1:5672//
# With DEBUG off the settings refuse to start without a real secret key: the processes
# make starts get a fresh one per run unless SECRET_KEY is set. (A test run fills in the
# rest of its environment itself: tests/environment.py.)
RUN_SECRET_KEY = SECRET_KEY=$${SECRET_KEY:-$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')}
TEST_ENV = DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} \
	REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	NATS_URL=$${NATS_URL:-$(TEST_NATS_URL)} \
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(TEST_CELERY_BROKER_URL)} \
	CELERY_QUEUE=$${CELERY_QUEUE:-cqar-test-$$$$} \
	$(RUN_SECRET_KEY)
PROTOS = $(shell cd proto && find . -name '*.proto' | sed 's|^\./||' | sort)

.PHONY: install run test audit lint format lock schema proto services browser tools bench bench-grpc bench-events bench-import bench-observability reliability fuzz worker clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -c requirements/constraints.txt -e ".[dev,embedded]"
	touch $(STAMP)

# config/quickstart.py: embedded PostgreSQL, migrate, demo data, admin account, server;
# Ctrl-C stops the server and the embedded PostgreSQL.
run: install
	$(BIN)/python -m config.quickstart --host $(HOST) --port $(PORT) --grpc-port $(GRPC_PORT)

services:
	$(TEST_ENV) $(BIN)/python scripts/ensure_services.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/hadolint Dockerfile

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Chromium for the browser tests (tests/browser): Debian's package, installed when
# missing (CI runs as root); Playwright drives it, never a browser it downloads.
browser:
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u 2>/dev/null)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Chromium for the browser tests (apt-get install chromium) ..."; \
			apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || exit 1; \
		fi; \
		command -v chromium >/dev/null || { \
			echo "The browser tests (tests/browser) need Chromium as 'chromium' on PATH:" \
				"install the Debian/Ubuntu package 'chromium' (as root: apt-get install chromium)," \
				"or your system's Chromium package." >&2; \
			exit 1; }; }

# Debian's tools that tests run: promtool (package prometheus) checks the alert rules and
# dashboard of deploy/monitoring; pgbouncer and redis-sentinel are started by the
# scale-out tests. Installed when missing (CI runs as root), as `browser` does.
TOOLS := promtool:prometheus pgbouncer:pgbouncer redis-sentinel:redis-sentinel
tools:
	@missing=""; for tool in $(TOOLS); do \
		PATH="$$PATH:/usr/sbin:/sbin" command -v $${tool%%:*} >/dev/null || missing="$$missing $${tool#*:}"; \
	done; \
	if [ -n "$$missing" ] && [ "$$(id -u 2>/dev/null)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing the test tools (apt-get install$$missing) ..."; \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	fi; \
	for tool in $(TOOLS); do \
		PATH="$$PATH:/usr/sbin:/sbin" command -v $${tool%%:*} >/dev/null || { \
			echo "The tests need $${tool%%:*}: install the Debian/Ubuntu package '$${tool#*:}'" \
				"(as root: apt-get install $${tool#*:}), or your system's package of it." >&2; \
			exit 1; }; \
	done

test: install services browser tools lint
	$(BIN)/python scripts/audit.py --allow-unreachable
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)

# The pinned requirements against PyPI's advisory data (pip-audit; scripts/audit.py):
# fails on a known vulnerability, and (unlike `make test`'s run) on pins it could not
# look up, so a clean result means every pin was audited.
audit: install
	$(BIN)/python scripts/audit.py

# Write the OpenAPI document clients are generated from; fails on any schema warning.
schema: install
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(RUN_SECRET_KEY) \
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file openapi.yaml

# Regenerate registry/pb from proto/ (protoc from grpcio-tools; protoletariat
# makes the generated imports relative). A test fails when the two disagree.
proto: install
	rm -rf registry/pb && mkdir -p registry/pb
	cd proto && ../$(BIN)/python -m grpc_tools.protoc -I . --python_out=../registry/pb \
		--pyi_out=../registry/pb $(PROTOS)
	$(BIN)/protol --create-package --in-place --python-out registry/pb protoc \
		--protoc-path "$(CURDIR)/$(BIN)/python -m grpc_tools.protoc" --proto-path=proto \
		$(addprefix proto/,$(PROTOS))

# The fault scenarios on the real stack, each with its own instances of what it breaks
# (docs/RELIABILITY.md); RELIABILITY_ARGS="--quick" is the subset `make test` runs.
reliability: install services
	$(TEST_ENV) $(BIN)/python -m tests.reliability $(RELIABILITY_ARGS)
	$(MAKE) fuzz

# The parsers of outside input under atheris, FUZZ_SECONDS each (tests/fuzz): token and
# chain lists, CCXT snapshots, CSV, page tokens. A crash keeps its input as a regression
# case under tests/fuzz/regressions/ and fails the run.
FUZZ_SECONDS ?= 30
fuzz: install
	$(TEST_ENV) $(BIN)/python -m tests.fuzz --seconds $(FUZZ_SECONDS)

# A Celery worker with the beat schedule (outbox sweep, cache replay) embedded, against
# the services of `make test` unless the variables say otherwise.
worker: install
	$(TEST_ENV) $(BIN)/celery -A config worker --beat --loglevel=INFO

# Hot paths against a floor on the real stack (gunicorn, PostgreSQL, Redis, wrk), then
# the gRPC lookups (bench-grpc); see docs/PERFORMANCE.md. BENCH_LARGE=100000 for a
# shorter run.
bench: install services
	$(BIN)/python scripts/bench.py
	$(BIN)/python scripts/bench_grpc.py

# The cached gRPC lookups (ResolveMarket, GetVenueSymbol) against a gRPC floor and the
# REST lookup, in one run (docs/PERFORMANCE.md, "gRPC (#16)").
bench-grpc: install services
	$(BIN)/python scripts/bench_grpc.py

# The cached ticker lookup with the metrics and the request log on and off, interleaved,
# on gunicorn and in process (docs/PERFORMANCE.md).
bench-observability: install services
	$(BIN)/python scripts/bench_observability.py

# Token lists into an empty registry and again unchanged (tokens/s); docs/IMPORT.md.
bench-import: install services
	$(BIN)/python scripts/bench_import.py

# Commit-to-consumer latency and backlog throughput of events (real worker and NATS).
bench-events: install services
	$(TEST_ENV) $(BIN)/python scripts/bench_events.py

# Regenerate the pinned versions after changing dependencies in pyproject.toml.
lock: install
	$(BIN)/pip-compile --quiet --extra dev --extra embedded --strip-extras --no-emit-index-url \
		--no-emit-find-links -o requirements/constraints.txt pyproject.toml

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .import_linter_cache
