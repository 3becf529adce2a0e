"""The exit codes of golive's commands (README "Commands"); 128 + N after signal N is
``interrupt.Cancellation.exit_code``."""

from __future__ import annotations

EXIT_GO = 0  # GO; canary parse PASS; canary rate at or above its minimum
EXIT_NO_GO = 1  # NO-GO; canary FAIL; canary rate below or inconclusive
EXIT_USAGE = 2  # bad usage or input, or evidence that could not be published
