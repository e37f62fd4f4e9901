"""The top-level Dockerfile read as instructions, for the tests that hold the compose
file, the Kubernetes manifests and the wheel to what the image does."""

import json
import re
import shlex
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent.parent
DOCKERFILE = REPOSITORY / "Dockerfile"
ENTRYPOINT = REPOSITORY / "deploy" / "docker" / "entrypoint.sh"


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper-case: FROM, RUN, USER …
    arguments: str  # continuation lines joined, comments dropped


@cache
def stages() -> tuple[tuple[Instruction, ...], ...]:
    """The instructions of each build stage, in order (the last is the image)."""
    instructions, pending = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        keyword, _, arguments = pending.strip().partition(" ")
        instructions.append(Instruction(keyword.upper(), " ".join(arguments.split())))
        pending = ""
    found: list[list[Instruction]] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            found.append([])
        if found:
            found[-1].append(instruction)
    return tuple(tuple(stage) for stage in found)


def runtime(keyword: str) -> list[str]:
    """The arguments of every ``keyword`` instruction of the image's (last) stage."""
    return [i.arguments for i in stages()[-1] if i.keyword == keyword]


def builder(keyword: str) -> list[str]:
    return [i.arguments for i in stages()[0] if i.keyword == keyword]


def runtime_environment() -> dict[str, str]:
    """The image's ENV, as its containers start with it (``$PATH`` left unexpanded)."""
    return dict(
        assignment.partition("=")[::2] for line in runtime("ENV") for assignment in line.split()
    )


def healthcheck_command() -> list[str]:
    """The HEALTHCHECK's CMD, as the exec form's list."""
    (healthcheck,) = runtime("HEALTHCHECK")
    return json.loads(healthcheck.partition("CMD ")[2])


def runtime_user() -> tuple[int, int]:
    """The (uid, gid) the image runs as: its last USER, which must be numeric."""
    user = runtime("USER")[-1]
    uid, _, gid = user.partition(":")
    return int(uid), int(gid or uid)


def collectstatic_step() -> tuple[dict[str, str], list[str]]:
    """The build-time collectstatic: its environment assignments and its command."""
    (run,) = [line for line in runtime("RUN") if "collectstatic" in line]
    words = shlex.split(run)
    environment = {}
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
        name, _, value = words.pop(0).partition("=")
        environment[name] = value
    return environment, words


def entrypoint_roles() -> set[str]:
    """The roles the entry point knows by name (its case labels, the catch-all left out)."""
    labels = re.findall(r"^\s*([a-z-]+)\)\s*$", ENTRYPOINT.read_text(), flags=re.MULTILINE)
    return set(labels)
