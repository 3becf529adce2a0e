"""The console script (``golive``, ``python -m golive_action``). It loads almost nothing
before it catches SIGINT and SIGTERM for a gate run, so that a signal in the first moments
(GitHub cancelling a job as it starts) is kept and ends in a published NO-GO, not in a
KeyboardInterrupt from inside an import."""

from __future__ import annotations

import os
import signal
import sys


def main_entry() -> None:
    from golive_action.interrupt import GATE_COMMANDS, Cancellation, catch_signals, command_word

    if command_word(sys.argv[1:]) in GATE_COMMANDS:
        cancellation = Cancellation()
        with catch_signals(cancellation, restore=False):
            from golive_action.cli import main

            code = main(cancellation=cancellation)
            # The process ends with its decided code: a signal now (GitHub's SIGTERM a moment
            # after its SIGINT) must not turn a published run into a killed one. Ignored, not
            # handled: the interpreter puts Python handlers back to the default as it ends.
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, signal.SIG_IGN)
        _exit(code)
    from golive_action.cli import main

    try:
        code = main()
    except KeyboardInterrupt:  # Ctrl-C in golive canary rate, say: one line, not a traceback
        if sys.stderr is not None:
            print("golive: interrupted", file=sys.stderr)
        code = 128 + signal.SIGINT
    _flush_or_silence()
    sys.exit(code)


def _exit(code: int) -> None:
    """End with ``code``. A probe still running after the gate published (abandoned at a
    cancellation, inside Playwright's driver or a blocking read) must not run on while the
    interpreter finalizes: a thread inside a greenlet there can crash it or hang it. With
    such a thread alive, the process ends at once, its output flushed."""
    import threading

    _flush_or_silence()
    if threading.active_count() > 1:
        os._exit(code)
    sys.exit(code)


def _flush_or_silence() -> None:
    """Flush stdout and stderr now: a pipe whose reader went away after the gate published
    would fail the interpreter's own flush as it ends, and turn the decided exit code into
    120 ("Exception ignored ... BrokenPipeError"). A stream that cannot be flushed is led
    to /dev/null instead (its text is lost either way)."""
    from golive_action.streams import silence

    for stream in (sys.stdout, sys.stderr):  # None when closed before the start
        if stream is None:
            continue
        try:
            stream.flush()
        except (OSError, ValueError):
            silence(stream)
