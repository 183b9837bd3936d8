"""``DEMO_TIMINGS=1 make demo``: how long each step of the demo took, printed at its end.

The first ``make demo`` in a fresh clone has a budget (≤ 20 s), and every chapter added to
it spends some. This says where the time goes without a profiler: the start, each phase as
the narration announces it, the stop. Off by default, so the narration prints the same.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table

VARIABLE = "DEMO_TIMINGS"


@dataclass
class Stopwatch:
    """Laps in order: each ``lap(name)`` ends the running step and starts ``name``."""

    enabled: bool = False
    laps: list[tuple[str, float]] = field(default_factory=list)
    _running: tuple[str, float] | None = None

    @classmethod
    def from_env(cls) -> Stopwatch:
        return cls(enabled=os.environ.get(VARIABLE, "") not in ("", "0"))

    def lap(self, name: str) -> None:
        now = time.monotonic()
        if self._running is not None:
            self.laps.append((self._running[0], now - self._running[1]))
        self._running = (name, now)

    def stop(self) -> None:
        if self._running is not None:
            self.lap("")
            self._running = None

    def report(self, console: Console) -> None:
        """The table of laps, when enabled (``DEMO_TIMINGS=1``)."""
        self.stop()
        if not self.enabled or not self.laps:
            return
        table = Table(title=f"Where the time went ({VARIABLE}=1)")
        table.add_column("step")
        table.add_column("seconds", justify="right")
        for name, seconds in self.laps:
            table.add_row(name, f"{seconds:.2f}")
        table.add_row("[bold]total[/]", f"[bold]{sum(s for _, s in self.laps):.2f}[/]")
        console.print(table)
