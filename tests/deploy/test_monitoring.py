"""deploy/monitoring/: the alert rules, their unit tests, the Grafana dashboard and the
example Prometheus configuration are what an operator installs as they are, so the
suite checks them with Prometheus' own promtool (Debian's ``prometheus`` package,
``make tools``) and against the metrics the registry really exposes: an expression
naming a metric nobody exports never fires and draws an empty graph, silently.
"""

import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import promql_parser
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.test_docs_links import REPOSITORY, anchors_of

MONITORING = REPOSITORY / "deploy" / "monitoring"
ALERTS = MONITORING / "alerts.yaml"
ALERT_TESTS = MONITORING / "alerts.test.yaml"
DASHBOARD = MONITORING / "grafana-dashboard.json"
PROMETHEUS_CONFIG = MONITORING / "prometheus.yaml"
RUNBOOK = REPOSITORY / "docs" / "RUNBOOK.md"
RUNBOOK_PATH = "docs/RUNBOOK.md"

# Series Prometheus makes itself for every target: no registry exports them.
PROMETHEUS_OWN_METRICS = {"up"}
# The samples a metric family of each type exposes (prometheus_client's text format).
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
    "gauge": ("",),
    "info": ("_info",),
    "unknown": ("",),
}
# Grafana's variables, as the dashboard uses them: intervals inside range selectors,
# the rest inside regular-expression matchers.
GRAFANA_INTERVAL = re.compile(r"\$__(rate_interval|interval|range)\b")
GRAFANA_VARIABLE = re.compile(r"\$\{?\w+\}?")
LABEL_VALUES = re.compile(r"^label_values\((?P<selector>.+),\s*\w+\s*\)$")


def promtool(*arguments: str, cwd: Path = MONITORING) -> subprocess.CompletedProcess:
    executable = shutil.which("promtool")
    assert executable, "promtool is missing: `make tools` installs Debian's prometheus package"
    return subprocess.run(
        [executable, *arguments], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@cache
def alert_rules() -> list[dict]:
    groups = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))["groups"]
    return [rule for group in groups for rule in group["rules"]]


@cache
def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


def dashboard_panels() -> list[dict]:
    """Every panel, those inside collapsed rows too."""
    panels = []
    for panel in dashboard()["panels"]:
        panels.append(panel)
        panels.extend(panel.get("panels", []))
    return panels


def as_promql(grafana_expression: str) -> str:
    """A dashboard expression with Grafana's variables given values PromQL parses."""
    return GRAFANA_VARIABLE.sub(".*", GRAFANA_INTERVAL.sub("5m", grafana_expression))


def dashboard_expressions() -> list[tuple[str, str]]:
    """(where, PromQL) of every panel query and every query variable's selector."""
    expressions = [
        (f"panel {panel['title']!r} {target['refId']}", as_promql(target["expr"]))
        for panel in dashboard_panels()
        for target in panel.get("targets", [])
    ]
    for variable in dashboard()["templating"]["list"]:
        if variable["type"] == "query":
            query = variable["query"]["query"]
            assert variable["definition"] == query, variable["name"]
            selector = LABEL_VALUES.match(query)
            assert selector, f"variable {variable['name']}: not label_values(...): {query}"
            expressions.append((f"variable {variable['name']}", as_promql(selector["selector"])))
    return expressions


def metric_names(expression: str) -> set[str]:
    """The metric names an expression selects."""
    names = set()

    def visit(node):
        if isinstance(node, promql_parser.VectorSelector):
            names.add(node.name)

    promql_parser.walk(promql_parser.parse(expression), visit)
    return names


def hyphenated(alert_name: str) -> str:
    """CqarOutboxStuck -> cqar-outbox-stuck: the runbook's anchor for an alert."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", alert_name).lower()


@pytest.fixture
def exposed_families(db, client, settings) -> dict[str, set[str]]:
    """The metric families the registry's own /metrics answers with, each with the
    names of its samples (those of a family with no sample yet from its type)."""
    settings.METRICS_TOKEN = "monitoring-test-token"
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer monitoring-test-token")
    assert response.status_code == 200, response.content
    return {
        family.name: {family.name + suffix for suffix in SUFFIXES[family.type]}
        | {sample.name for sample in family.samples}
        for family in text_string_to_metric_families(response.content.decode())
    }


def test_the_alert_rules_pass_promtool_check():
    result = promtool("check", "rules", ALERTS.name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alert_rules())} rules found" in result.stdout


def test_the_alert_rules_pass_their_unit_tests():
    result = promtool("test", "rules", ALERT_TESTS.name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_is_unit_tested_firing_and_silent():
    """Each alert has a unit test where it fires and one where its series stay quiet."""
    tests = yaml.safe_load(ALERT_TESTS.read_text(encoding="utf-8"))["tests"]
    fired, silent = set(), set()
    for case in (case for test in tests for case in test.get("alert_rule_test", [])):
        (fired if case.get("exp_alerts") else silent).add(case["alertname"])
    names = {rule["alert"] for rule in alert_rules()}
    assert names - fired == set(), "alerts never seen firing"
    assert names - silent == set(), "alerts never seen staying silent"


def test_every_alert_says_how_bad_what_and_where_the_runbook_is():
    for rule in alert_rules():
        name = rule["alert"]
        assert re.fullmatch(r"Cqar[A-Z][A-Za-z]+", name), name
        assert rule["labels"]["severity"] in {"critical", "warning"}, name
        annotations = rule["annotations"]
        assert annotations["summary"].strip() and annotations["description"].strip(), name
        assert annotations["runbook_url"] == f"{RUNBOOK_PATH}#{hyphenated(name)}", name
    names = [rule["alert"] for rule in alert_rules()]
    assert len(names) == len(set(names)), "an alert name used twice"


def test_every_runbook_anchor_is_a_heading_of_the_runbook():
    """Each alert's runbook_url lands on its own section of the runbook."""
    assert RUNBOOK.is_file(), f"{RUNBOOK_PATH} is missing"
    anchors = {rule["annotations"]["runbook_url"].partition("#")[2] for rule in alert_rules()}
    assert anchors - anchors_of(RUNBOOK) == set(), f"headings missing in {RUNBOOK_PATH}"


def test_the_dashboard_is_importable_and_picks_its_prometheus():
    """Grafana dashboard JSON whose every query goes to the Prometheus chosen in the
    ``datasource`` variable: nothing names a data source by the uid of one installation."""
    board = dashboard()
    assert board["uid"] and board["title"] and board["schemaVersion"] >= 36
    variables = {variable["name"]: variable for variable in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    chosen = {"type": "prometheus", "uid": "${datasource}"}
    panels = dashboard_panels()
    for panel in panels:
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == chosen, panel["title"]
        for target in panel.get("targets", []):
            assert target["datasource"] == chosen, panel["title"]
    for variable in variables.values():
        if variable["type"] == "query":
            assert variable["datasource"] == chosen, variable["name"]
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids)), "panel ids repeat"
    assert all(panel.get("targets") for panel in panels if panel["type"] != "row")


def test_the_dashboard_panels_do_not_overlap():
    cells = {}
    for panel in dashboard()["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in cells, f"{panel['title']!r} covers {cells.get((x, y))!r}"
                cells[x, y] = panel["title"]


def test_every_dashboard_expression_is_valid_promql(tmp_path):
    """promtool parses each query, as a recording rule of a throwaway rules file."""
    rules = [
        {"record": f"cqar_dashboard:expression_{number}", "expr": expression}
        for number, (_, expression) in enumerate(dashboard_expressions())
    ]
    (tmp_path / "dashboard.rules.yaml").write_text(
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]})
    )
    result = promtool("check", "rules", "dashboard.rules.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules)} rules found" in result.stdout


def test_every_expression_names_only_metrics_the_registry_exposes(exposed_families):
    exposed = set().union(*exposed_families.values()) | PROMETHEUS_OWN_METRICS
    expressions = [(f"alert {rule['alert']}", rule["expr"]) for rule in alert_rules()]
    expressions += dashboard_expressions()
    unknown = {}
    for where, expression in expressions:
        names = metric_names(expression)
        assert None not in names, f"{where}: select metrics by name: {expression}"
        if names - exposed:
            unknown[where] = sorted(names - exposed)
    assert unknown == {}


def test_every_metric_the_registry_exposes_is_on_the_dashboard(exposed_families):
    shown = set().union(*(metric_names(expression) for _, expression in dashboard_expressions()))
    # prometheus_client writes each counter's creation time as a gauge family of its own.
    not_shown = {
        family
        for family, samples in exposed_families.items()
        if family.startswith("cqar_") and not family.endswith("_created") and not samples & shown
    }
    assert not_shown == set()


def test_the_example_prometheus_config_is_valid(tmp_path):
    """prometheus.yaml loads with its rules; the token file is one of the test's own,
    since promtool checks that it exists."""
    token_file = tmp_path / "cqar-metrics-token"
    token_file.write_text("monitoring-test-token\n")
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text(encoding="utf-8"))
    for job in config["scrape_configs"]:
        assert job["job_name"].startswith("cqar-"), "the alerts match jobs named cqar-…"
        assert job["authorization"]["type"] == "Bearer"
        job["authorization"]["credentials_file"] = str(token_file)
    (tmp_path / "prometheus.yaml").write_text(yaml.safe_dump(config))
    shutil.copy(ALERTS, tmp_path / ALERTS.name)
    result = promtool("check", "config", "prometheus.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alert_rules())} rules found" in result.stdout
