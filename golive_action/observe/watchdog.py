"""A session of blocking calls with a deadline per step, for the calls that take none of
their own (Playwright's clicks and evaluations wait for the page's main thread, however
long it takes). The session runs in a thread of its own and says which step it is in;
the watcher returns when it ends, when a step outlives its deadline, or when the run is
cancelled and the session does not stop soon after. A session that is left behind is
abandoned, never waited for (``entry._exit`` ends a process with such a thread at once)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from golive_action.observe.budget import Budget

# How long a cancelled session may take to see the cancellation before it is left.
CANCEL_GRACE_S = 1.0
_POLL_S = 0.05


@dataclass(frozen=True)
class Step:
    """What the session waits on: its name, when it began (monotonic and Unix time) and
    until when it may take (monotonic)."""

    name: str
    began: float
    began_unix: float
    deadline: float = math.inf


class Steps:
    """The session's current step, set by the session, read by the watcher (one assignment
    of a frozen value: the watcher never sees half of one)."""

    def __init__(self) -> None:
        self.current = Step("start", time.monotonic(), time.time())

    def begin(self, name: str, within_s: float = math.inf) -> None:
        now = time.monotonic()
        self.current = Step(name, now, time.time(), now + within_s)


@dataclass(frozen=True)
class Watched:
    """How a session ended: on its own (``overrun`` and ``cancelled`` None and False), with a
    step past its deadline (``overrun``, and how long it had waited then, in ms), or left
    after a cancellation it did not see in time."""

    overrun: Step | None = None
    waited_ms: float = 0.0
    cancelled: bool = False


def watch(session: Callable[[], None], steps: Steps, budget: Budget, name: str) -> Watched:
    """Run ``session`` in its own thread and wait for it as long as its steps keep their
    deadlines, the budget's deadline included."""
    done = threading.Event()

    def run() -> None:
        try:
            session()
        finally:
            done.set()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    cancelled_at: float | None = None
    while not done.wait(_POLL_S):
        now = time.monotonic()
        step = steps.current
        if now >= min(step.deadline, budget.deadline):
            return Watched(step, round((now - step.began) * 1000.0, 1))
        if budget.cancelled():
            cancelled_at = now if cancelled_at is None else cancelled_at
            if now - cancelled_at >= CANCEL_GRACE_S:
                return Watched(cancelled=True)
    return Watched()
