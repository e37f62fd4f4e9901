"""Every reference between the repository's documents leads somewhere.

The README, the CHANGELOG and docs/ link to each other, and code comments cite them
(``docs/API.md, "Limits"``, ``docs/DESIGN.md#hot-paths``). A reference to a file that is
not there, or to a heading that was renamed, is a dead end for the reader it was written
for, so these tests follow every one:

- **Markdown links** in .md files (``[text](path#anchor)``, ``[text](#anchor)``, images
  and reference definitions) resolve as GitHub resolves them: from the file's own
  directory, to a file or directory that exists and, for an ``#anchor`` into a .md
  file, to one of its headings.
- **Mentions of a document by name** (an upper-case .md name with or without its
  directory: ``README.md``, ``docs/EVENTS.md#the-feed``, ``tests/fixtures/README.md``)
  in .md files, in Python comments and docstrings, in the Makefile and in
  pyproject.toml name a file that exists, from the mentioning file's directory or the
  repository root (a bare name, as in a list of what docs/ holds, also from docs/);
  an ``#anchor`` after one, or a quoted section
  (``ARCHITECTURE.md, "The hot-path cache"``), names one of its headings.

Anchors are GitHub's: a heading's text, lower-cased, with everything but letters,
digits, marks, ``_``, ``-`` and spaces dropped, spaces made hyphens, and ``-1``, ``-2`` …
appended to repeats.
"""

import ast
import io
import re
import subprocess
import tokenize
import unicodedata
from functools import cache
from pathlib import Path
from urllib.parse import unquote

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent

# Text files outside .md and .py whose comments may cite a document.
OTHER_CITING_FILES = ("Makefile", "pyproject.toml")

URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://\S+")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
ATX_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
# [text](target "title") and ![alt](target), text holding at most one level of brackets.
INLINE_LINK = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*(?:<([^>\n]*)>|([^\s()]*(?:\([^\s()]*\)[^\s()]*)*))"
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)"
)
REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?")
# An upper-case document name with an optional directory, #anchor and quoted section.
MENTION = re.compile(
    r"(?<![\w/.:#-])(?P<path>(?:\.{1,2}/)*(?:[\w.-]+/)*[A-Z][A-Z0-9_]*\.md)"
    r"(?:#(?P<anchor>[\w-]+))?"
    r"(?:\)?,?\s+\(?\"(?P<section>[^\"\n]{1,80})\")?"
)


def tracked_files() -> list[Path]:
    """The checkout's files (tracked, or new and not ignored) that still exist."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    assert any(name.endswith(".md") for name in listed), "run the suite from a checkout"
    return sorted({REPOSITORY / name for name in listed if name and (REPOSITORY / name).is_file()})


def markdown_files() -> list[Path]:
    return [path for path in tracked_files() if path.suffix == ".md"]


def github_slug(heading: str) -> str:
    """The id GitHub gives a heading's text (github-slugger), before any ``-N`` suffix."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link reads as its text
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    kept = "".join(
        char
        for char in text
        if char in " -" or unicodedata.category(char)[0] in "LMN" or char == "_"
    )
    return kept.replace(" ", "-")


def outside_code_blocks(text: str) -> list[tuple[int, str]]:
    """(line number, line) of a Markdown text, fenced code blocks left out."""
    lines, fence = [], None
    for number, line in enumerate(text.split("\n"), start=1):
        opening = FENCE.match(line)
        if fence is None and opening:
            fence = opening.group(1)[0] * len(opening.group(1))
        elif fence is not None and line.strip().startswith(fence):
            fence = None
        elif fence is None:
            lines.append((number, line))
    return lines


@cache
def anchors_of(path: Path) -> frozenset[str]:
    """The ids of a Markdown file's headings, repeats numbered as GitHub numbers them."""
    occurrences: dict[str, int] = {}
    anchors = set()
    for _, line in outside_code_blocks(path.read_text(encoding="utf-8")):
        heading = ATX_HEADING.match(line)
        if heading is None:
            continue
        original = slug = github_slug(heading.group(1) or "")
        while slug in occurrences:
            occurrences[original] += 1
            slug = f"{original}-{occurrences[original]}"
        occurrences[slug] = 0
        anchors.add(slug)
    return frozenset(anchors)


def relative(path: Path) -> str:
    return path.relative_to(REPOSITORY).as_posix()


def markdown_links(path: Path) -> list[tuple[int, str]]:
    """(line, target) of every link and image of a Markdown file, outside code."""
    links = []
    for number, line in outside_code_blocks(path.read_text(encoding="utf-8")):
        prose = INLINE_CODE.sub(lambda match: " " * len(match.group(0)), line)
        for match in INLINE_LINK.finditer(prose):
            links.append((number, match.group(1) if match.group(1) is not None else match.group(2)))
        definition = REFERENCE_DEFINITION.match(prose)
        if definition:
            links.append((number, definition.group(1)))
    return links


def dead_link(source: Path, target: str) -> str | None:
    """Why ``target``, linked from ``source``, leads nowhere; None when it resolves."""
    if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", target):
        return None  # another site, mailto: …
    location, _, anchor = target.partition("#")
    location = unquote(location)
    if not location:
        resolved = source
    elif location.startswith("/"):
        resolved = REPOSITORY / location.lstrip("/")
    else:
        resolved = (source.parent / location).resolve()
    if not resolved.exists():
        return f"no file {location}"
    if anchor and resolved.suffix == ".md" and anchor not in anchors_of(resolved):
        return f"{relative(resolved)} has no heading #{anchor}"
    return None


def python_citing_text(path: Path) -> str:
    """A Python file's comments and docstrings, each comment block joined into lines."""
    source = path.read_text(encoding="utf-8")
    parts = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            docstring = ast.get_docstring(node, clean=False)
            if docstring:
                parts.append(docstring)
    comments, last_line = [], None
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.COMMENT:
            continue
        text = token.string.lstrip("#").strip()
        if last_line is not None and token.start[0] == last_line + 1:
            comments[-1] += "\n" + text
        else:
            comments.append(text)
        last_line = token.start[0]
    return "\n\n".join(parts + comments)


def citing_texts() -> list[tuple[Path, str]]:
    texts = []
    for path in tracked_files():
        if path.suffix == ".md":
            texts.append((path, path.read_text(encoding="utf-8")))
        elif path.suffix == ".py":
            texts.append((path, python_citing_text(path)))
        elif relative(path) in OTHER_CITING_FILES:
            texts.append((path, path.read_text(encoding="utf-8")))
    return texts


def mentions(text: str) -> list[re.Match]:
    return list(MENTION.finditer(URL.sub(" ", text)))


def dead_mention(source: Path, mention: re.Match) -> str | None:
    """Why a mention of a document leads nowhere; None when it resolves."""
    name = mention.group("path")
    places = [source.parent / name, REPOSITORY / name]
    if "/" not in name:
        places.append(REPOSITORY / "docs" / name)
    resolved = next((place.resolve() for place in places if place.is_file()), None)
    if resolved is None:
        return f"no file {name}"
    anchors = anchors_of(resolved)
    anchor, section = mention.group("anchor"), mention.group("section")
    if anchor and anchor not in anchors:
        return f"{relative(resolved)} has no heading #{anchor}"
    if section and github_slug(section) not in anchors:
        return f'{relative(resolved)} has no section "{section}"'
    return None


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("When a write cannot reach Redis", "when-a-write-cannot-reach-redis"),
        ("A run (2026-12-01, this 2-core machine)", "a-run-2026-12-01-this-2-core-machine"),
        ("The cache lease (#12)", "the-cache-lease-12"),
        ("Quick start vs. real services", "quick-start-vs-real-services"),
        ("`registry/`: the core", "registry-the-core"),
        ("Writes: services and domain errors", "writes-services-and-domain-errors"),
        ("The [feed](EVENTS.md#the-feed) of events", "the-feed-of-events"),
        ("Versions → ETags", "versions--etags"),
        ("snake_case and ß", "snake_case-and-ß"),
    ],
)
def test_anchors_are_the_ids_github_gives_headings(heading, slug):
    assert github_slug(heading) == slug


def test_repeated_headings_are_numbered_as_github_numbers_them(tmp_path):
    document = tmp_path / "CHANGES.md"
    document.write_text("# Fixed\n\n## Fixed\n\n```\n# Fixed\n```\n\n### Fixed-1\n\n## Fixed\n")
    assert anchors_of(document) == {"fixed", "fixed-1", "fixed-1-1", "fixed-2"}


def test_the_scan_finds_the_references_it_is_meant_to_check():
    """Not vacuous: the README's links and the code's citations are found."""
    readme = REPOSITORY / "README.md"
    assert any(target == "docs/API.md" for _, target in markdown_links(readme))
    settings_text = python_citing_text(REPOSITORY / "config" / "settings.py")
    found = {(m.group("path"), m.group("section")) for m in mentions(settings_text)}
    assert ("docs/API.md", "Limits") in found
    # Another project's file, named in a comment: not one of ours.
    assert mentions("(chainagnostic.org namespaces, solana/caip2.md)") == []


def test_every_relative_markdown_link_leads_to_a_file_and_heading_that_exist():
    dead = [
        f"{relative(path)}:{line}: ({target}): {reason}"
        for path in markdown_files()
        for line, target in markdown_links(path)
        if (reason := dead_link(path, target))
    ]
    assert not dead, "\n".join(dead)


def test_every_document_named_in_docs_and_comments_exists_with_its_section():
    dead = [
        f"{relative(path)}: {mention.group(0)!r}: {reason}"
        for path, text in citing_texts()
        for mention in mentions(text)
        if (reason := dead_mention(path, mention))
    ]
    assert not dead, "\n".join(dead)
