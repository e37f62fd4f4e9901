"""The bounded subset of `make reliability` inside `make test`: every scenario of every
module in its quick form (shorter outages, less load), through the same runner. A failure
prints the scenario's table and why."""

import pytest

from tests.reliability.__main__ import run, scenarios
from tests.reliability.report import table


@pytest.mark.parametrize("name", [name for name, _ in scenarios()])
def test_quick_scenario_passes(name):
    """The registry keeps answering right while the scenario's part fails."""
    results = run([name], quick=True)
    assert results, f"no scenario named {name}"
    assert all(result.passed for result in results), "\n" + table(results)
