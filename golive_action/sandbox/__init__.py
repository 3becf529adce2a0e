"""The embedded reference stack and its fault scenarios (needs the `sandbox` extra)."""

from golive_action.sandbox.scenarios import SCENARIOS, Scenario, scenario_names

__all__ = ["SCENARIOS", "Scenario", "scenario_names"]
