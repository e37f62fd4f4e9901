"""What a scenario measured, and the table `make reliability` prints."""

from dataclasses import dataclass, field


@dataclass
class ScenarioResult:
    scenario: str
    requests: int = 0
    # HTTP status (or gRPC code name) -> how many answers had it
    statuses: dict[str, int] = field(default_factory=dict)
    events_written: int | None = None
    events_delivered: int | None = None
    events_duplicated: int | None = None
    events_missing: int | None = None
    stale_answers: int = 0  # a read after a write that still answered the old value
    wrong_answers: int = 0  # never right (e.g. pre-trade allowed a blocked asset)
    recovery_seconds: float | None = None  # from the part's return to the first good answer
    # Why the scenario failed; empty when every check held.
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    def count(self, status) -> None:
        self.requests += 1
        self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1

    def check(self, holds: bool, failure: str) -> None:
        if not holds:
            self.failures.append(failure)


COLUMNS = (
    "scenario",
    "requests",
    "statuses",
    "events w/d/dup/miss",
    "stale",
    "wrong",
    "recovery s",
    "result",
)


def _row(result: ScenarioResult) -> tuple[str, ...]:
    events = (
        result.events_written,
        result.events_delivered,
        result.events_duplicated,
        result.events_missing,
    )
    recovery = result.recovery_seconds
    return (
        result.scenario,
        str(result.requests),
        " ".join(f"{status}:{n}" for status, n in sorted(result.statuses.items())) or "-",
        "/".join("-" if n is None else str(n) for n in events),
        str(result.stale_answers),
        str(result.wrong_answers),
        "-" if recovery is None else f"{recovery:.1f}",
        "pass" if result.passed else "FAIL",
    )


def table(results: list[ScenarioResult]) -> str:
    """A Markdown table (pasted as is into docs/RELIABILITY.md), then each failure."""
    rows = [COLUMNS, *map(_row, results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for result in results:
        lines += [f"- {result.scenario}: FAILED {failure}" for failure in result.failures]
        lines += [f"- {result.scenario}: {note}" for note in result.notes]
    return "\n".join(lines)
