"""The apps are layered as the import-linter contract in pyproject.toml says
(``registry`` < ``chains`` < ``assets`` < ``venues | quality``, ``config`` above all), and
the layering holds at run time too. A lower app does not import an upper one (the
contract, checked by ``lint-imports``), and it does not reach one by a name either:

- an app label (``apps.get_model("venues", …)``, a tuple of labels),
- a dotted name in a string or a comment ("quality.services…", the permission
  "assets.view_asset"),
- an admin URL name or path (``admin:venues_venuesymbol_changelist``, ``/admin/quality/``),
- the reverse relation an upper app's model adds to a lower one (``asset.quality_flags``,
  ``filter(venue_symbols__…)``, ``"quality_flags__severity"``).

Where an upper app must show on a lower app's page or in its answers, the upper app
contributes it from its ``AppConfig.ready()`` (docs/ARCHITECTURE.md, "Apps and their
layers"). Migrations (they record the apps' past) and generated protobuf code
(``cqc.assets.v1`` is the contract's package, not our app) are not read.
"""

import ast
import io
import re
import subprocess
import sys
import tokenize
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SKIPPED_PARTS = {"migrations", "pb"}
SUFFIXES = (".py", ".html", ".txt", ".css", ".js")


def layers() -> list[list[str]]:
    """The contract's layers, top first; the apps of one layer are independent."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["type"] == "layers"]
    return [[name.strip() for name in layer.split("|")] for layer in contract["layers"]]


def unreachable() -> dict[str, set[str]]:
    """Each app -> the apps it must not reach: those above it and its layer's siblings."""
    stack = layers()
    return {
        app: {upper for higher in stack[:depth] for upper in higher} | (set(layer) - {app})
        for depth, layer in enumerate(stack)
        for app in layer
    }


LOWER_APPS = [app for app, upper in unreachable().items() if upper]


def sources(app: str) -> Iterator[Path]:
    for path in sorted((ROOT / app).rglob("*")):
        parts = set(path.relative_to(ROOT).parts)
        if path.is_file() and path.suffix in SUFFIXES and not parts & SKIPPED_PARTS:
            yield path


def reverse_relations(app: str, upper: set[str]) -> set[str]:
    """The names the upper apps' models add to this app's models (``quality_flags``)."""
    names = set()
    for model in apps.get_app_config(app).get_models():
        for field in model._meta.get_fields():
            reverse = field.auto_created and not field.concrete and field.is_relation
            if reverse and field.related_model._meta.app_label in upper:
                names |= {field.get_accessor_name(), field.name}
    return names


class NameCheck:
    """Finds the names of ``upper`` apps (and of their reverse relations) in a source."""

    def __init__(self, upper: set[str], relations: set[str] = frozenset()) -> None:
        self.labels = upper
        labels = "|".join(sorted(upper))
        self.references = re.compile(
            rf"(?<![\w.])(?:{labels})\.[A-Za-z_]"  # "quality.models", "assets.view_asset"
            rf"|(?<![\w.])(?:admin:)?(?:{labels})_[a-z0-9]+_"  # URL names
            r"(?:changelist|change|add|delete|history|autocomplete)\b"
            rf"|/admin/(?:{labels})/"
        )
        self.relations = relations
        names = "|".join(sorted(relations)) or "(?!)"
        self.lookup = re.compile(rf"-?(?:{names})(?:__\w+)?")  # a whole ORM path
        self.attribute = re.compile(rf"\.(?:{names})\b")  # in a template

    def in_python(self, source: str) -> Iterator[tuple[int, str]]:
        for node in ast.walk(ast.parse(source)):
            line = getattr(node, "lineno", 0)
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if node.value in self.labels:
                    yield line, f"the app label {node.value!r}"
                elif self.references.search(node.value):
                    yield line, f"the string {node.value[:70]!r}"
                elif self.lookup.fullmatch(node.value):
                    yield line, f"the relation {node.value!r}"
            elif isinstance(node, ast.Attribute) and node.attr in self.relations:
                yield line, f"the relation .{node.attr}"
            elif isinstance(node, ast.keyword) and node.arg and self.lookup.fullmatch(node.arg):
                yield line, f"the relation {node.arg}="
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT and self.references.search(token.string):
                yield token.start[0], f"the comment {token.string[:70]!r}"

    def in_text(self, text: str) -> Iterator[tuple[int, str]]:
        for number, line in enumerate(text.splitlines(), start=1):
            for pattern in (self.references, self.attribute):
                if match := pattern.search(line):
                    yield number, f"names {match.group()!r}"


def test_the_contract_lists_each_of_our_apps_once():
    """A new app joins the layering: one left out would be checked by nothing."""
    ours = [c.label for c in apps.get_app_configs() if Path(c.path).parent == ROOT]
    listed = [app for layer in layers() for app in layer]
    assert sorted(listed) == sorted([*ours, "config"])
    assert len(listed) == len(set(listed))


def test_import_linter_contract_is_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize("app", LOWER_APPS)
def test_no_app_names_an_app_it_must_not_reach(app):
    upper = unreachable()[app]
    check = NameCheck(upper, reverse_relations(app, upper))
    found = []
    for path in sources(app):
        text = path.read_text()
        names = check.in_python(text) if path.suffix == ".py" else check.in_text(text)
        found += [f"{path.relative_to(ROOT)}:{line}: {what}" for line, what in names]
    assert found == [], f"{app} must not reach {', '.join(sorted(upper))}"


def test_the_name_check_finds_each_kind_of_reference():
    """The check finds what it is for, and leaves plain English and the contract's
    protobuf package alone."""
    source = """
from registry.pb.cqc.assets.v1 import assets_pb2
Model = apps.get_model("venues", "VenueSymbol")
PATH = "quality.services.flag_raise"
PERMISSION = "quality.view_assetqualityflag"
URL = reverse("admin:venues_venuesymbol_changelist")
PANEL = panel(changelist="venues_venueasset_changelist")
APPS = ("venues", "quality")
flags = asset.quality_flags.all()
Asset.objects.filter(quality_flags__severity=3)
Asset.objects.values("quality_flags__severity").order_by("-quality_flags__raised_at")
HELP = "Flags of assets on venues. Quality first: venues, quality_flags are words."
# see quality.palette
"""
    check = NameCheck({"venues", "quality"}, {"quality_flags", "venue_symbols"})
    lines = sorted(line for line, _ in check.in_python(source))
    assert lines == [3, 4, 5, 6, 7, 8, 8, 9, 10, 11, 11, 13]
    text = '<a href="/admin/quality/">{{ asset.quality_flags.count }} {% url "x" %}</a>'
    assert [what for _, what in check.in_text(text)] == [
        "names '/admin/quality/'",
        "names '.quality_flags'",
    ]
