"""How long a probe may go on: until the gate's deadline, or until the gate is cancelled (a
signal, or the library caller). Probes pause with ``wait`` instead of ``time.sleep``, so that a
cancellation wakes them at once and they return what they have recorded so far."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Budget:
    deadline: float  # on time.monotonic()
    cancel: threading.Event = field(default_factory=threading.Event, compare=False)

    @classmethod
    def lasting(cls, seconds: float, cancel: threading.Event | None = None) -> Budget:
        return cls(time.monotonic() + seconds, cancel if cancel is not None else threading.Event())

    def remaining(self) -> float:
        """Seconds left to the deadline (0 when past it); a cancellation does not change it."""
        return max(0.0, self.deadline - time.monotonic())

    def cancelled(self) -> bool:
        return self.cancel.is_set()

    def wait(self, seconds: float) -> bool:
        """Pause ``seconds``, never past the deadline; True as soon as the gate is cancelled
        (like ``threading.Event.wait``), False when the pause ran its course."""
        return self.cancel.wait(max(0.0, min(seconds, self.remaining())))
