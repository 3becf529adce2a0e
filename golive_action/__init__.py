"""golive-action: a Go/No-Go gate for a WebSocket migration.

    from golive_action import PublishSettings, load_config, publish, run_gate
    config = load_config({"web-url": "https://app.example.com"})
    report = run_gate(config)
    print(report.decision, report.reason)
    code = publish(report, PublishSettings.from_config(config))  # what golive run writes

Heavy modules load on first use, so that ``golive --version`` and ``import golive_action``
stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from golive_action._version import __version__

if TYPE_CHECKING:
    from golive_action.config import ConfigError, GateConfig, load_config
    from golive_action.model import GateReport, Verdict
    from golive_action.publishing import PublishSettings, publish
    from golive_action.report.jsonreport import ReportError, read_report
    from golive_action.runner import run_gate

__all__ = [
    "ConfigError",
    "GateConfig",
    "GateReport",
    "PublishSettings",
    "ReportError",
    "Verdict",
    "__version__",
    "load_config",
    "publish",
    "read_report",
    "run_gate",
]

_LAZY = {
    "ConfigError": "golive_action.config",
    "GateConfig": "golive_action.config",
    "load_config": "golive_action.config",
    "GateReport": "golive_action.model",
    "Verdict": "golive_action.model",
    "PublishSettings": "golive_action.publishing",
    "publish": "golive_action.publishing",
    "ReportError": "golive_action.report.jsonreport",
    "read_report": "golive_action.report.jsonreport",
    "run_gate": "golive_action.runner",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'golive_action' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
