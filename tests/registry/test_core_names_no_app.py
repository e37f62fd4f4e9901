"""The core names no entity app. Under registry/ (migrations and the generated protobuf
code aside) nothing imports an entity app, or names one in a dotted string, a URL name,
an admin path, a ``get_model`` call or a bare app label (a tuple of labels), in code,
docstrings, comments or templates. What the core shows of an app, the app contributes
in its ``AppConfig.ready()``.

The entity apps are read from INSTALLED_APPS: the project's own apps but the core.
"""

import ast
import io
import re
import tokenize
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CORE = ROOT / "registry"
GENERATED_OR_FROZEN = (CORE / "migrations", CORE / "events" / "pb")
TEXT_SUFFIXES = (".html", ".txt", ".css", ".js")


def entity_apps() -> set[str]:
    """The project's own apps (packages at the top of the repository) but the core."""
    return {
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).parent == ROOT and config.name != "registry"
    }


def core_files() -> list[Path]:
    skipped = GENERATED_OR_FROZEN
    return [
        path
        for path in sorted(CORE.rglob("*"))
        if path.is_file()
        and path.suffix in (".py", *TEXT_SUFFIXES)
        and not any(path == skip or skip in path.parents for skip in skipped)
    ]


def reference_pattern(labels: set[str]) -> re.Pattern:
    """A dotted name (``assets.Asset``, ``assets.view_asset``), a URL name
    (``admin:assets_asset_changelist``) or an admin path (``/admin/assets/``) that
    begins with an app; not an English plural ending a sentence, nor a name inside
    another package's (``cqc.assets.v1``)."""
    names = "|".join(sorted(labels))
    return re.compile(rf"(?<![\w.])(?:{names})\.[A-Za-z_]|admin:(?:{names})_|/admin/(?:{names})/")


def python_findings(source: str, labels: set[str], references: re.Pattern) -> list[str]:
    findings = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            modules = [node.module or ""]
        else:
            modules = []
        findings += [
            f"{node.lineno}: imports {module}"
            for module in modules
            if module.split(".")[0] in labels
        ]
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            named = [
                arg.value
                for arg in node.args
                if isinstance(arg, ast.Constant)
                and isinstance(arg.value, str)
                and arg.value.split(".")[0] in labels
            ]
            if name in ("get_model", "get_app_config", "get_models") and named:
                findings.append(f"{node.lineno}: {name}({named[0]!r}, …)")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value in labels:
                findings.append(f"{node.lineno}: the app label {node.value!r}")
            elif match := references.search(node.value):
                findings.append(f"{node.lineno}: the string names {match.group()!r}…")
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT and (match := references.search(token.string)):
            findings.append(f"{token.start[0]}: a comment names {match.group()!r}…")
    return findings


def text_findings(text: str, references: re.Pattern) -> list[str]:
    return [
        f"{number}: names {match.group()!r}…"
        for number, line in enumerate(text.splitlines(), start=1)
        if (match := references.search(line))
    ]


def test_the_entity_apps_are_read_from_installed_apps():
    labels = entity_apps()

    assert labels and "registry" not in labels
    assert all(settings.INSTALLED_APPS.count(label) == 1 for label in labels)


def test_the_core_names_no_entity_app():
    labels = entity_apps()
    references = reference_pattern(labels)
    findings = []
    for path in core_files():
        text = path.read_text()
        if path.suffix == ".py":
            found = python_findings(text, labels, references)
        else:
            found = text_findings(text, references)
        findings += [f"{path.relative_to(ROOT)}:{finding}" for finding in found]

    assert findings == []


def test_the_check_finds_each_kind_of_reference():
    """The rules above do catch what they are for (and leave plain English alone)."""
    labels = {"assets", "chains"}
    references = reference_pattern(labels)
    source = """
import assets.models
from chains.services import chain_create
from registry.events.pb.cqc.assets.v1 import assets_pb2
Asset = apps.get_model("assets", "Asset")
PERMISSION = "assets.view_asset"
URL = "admin:chains_chain_changelist"
APPS = ("chains", "assets")
HELP = "a million assets. Chains and venues too: assets, chains"
# see assets.provenance
"""
    found = python_findings(source, labels, references)

    lines = sorted(int(finding.split(":")[0]) for finding in found)
    # imports (2, 3; not the contract's package, 4), get_model and its label (5, 5), a
    # permission (6), a URL name (7), a tuple of labels (8, 8), a comment (10); not 9.
    assert lines == [2, 3, 5, 5, 6, 7, 8, 8, 10]
    assert text_findings(
        '<a href="/admin/chains/chain/">{% url "admin:assets_asset_add" %}', references
    )
