"""python -m tests.reliability [--quick] [--only NAME …]: run the fault scenarios, print
the table, exit 1 when any failed."""

import argparse
import importlib
import sys
import time
import traceback

from tests.reliability.report import ScenarioResult, table

# Each module has SCENARIOS: a list of (name, run) where run(quick: bool) -> ScenarioResult.
SCENARIO_MODULES = (
    "tests.reliability.scenarios_cache",
    "tests.reliability.scenarios_database",
    "tests.reliability.scenarios_events",
)


def scenarios() -> list[tuple[str, object]]:
    found = []
    for name in SCENARIO_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        found += module.SCENARIOS
    return found


def run(names: list[str] | None, quick: bool) -> list[ScenarioResult]:
    results = []
    for name, scenario in scenarios():
        if names and name not in names:
            continue
        started = time.monotonic()
        print(f"== {name} ({'quick' if quick else 'full'}) ...", flush=True)
        try:
            result = scenario(quick)
        except Exception:  # a scenario that crashes is a failed scenario, not a lost table
            result = ScenarioResult(name, failures=[traceback.format_exc(limit=8)])
        result.notes.append(f"took {time.monotonic() - started:.0f} s")
        print(table([result]), flush=True)
        results.append(result)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the bounded subset of make test")
    parser.add_argument("--only", nargs="*", help="scenario names")
    arguments = parser.parse_args()
    results = run(arguments.only, arguments.quick)
    print("\n" + table(results))
    return 0 if results and all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
