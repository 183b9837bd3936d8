"""Projector mode for ``make demo PROJECTOR=1``: the narration stops before each phase.

A room cannot read 270 lines in 9 s. In a terminal the demo waits for Enter before each
phase, so the presenter talks over one screen at a time; without a terminal (CI, a pipe)
it pauses ``seconds`` instead. The checks are the same as without it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from rich.console import Console


def pauser(
    console: Console, seconds: float = 5.0, interactive: bool | None = None
) -> Callable[[str], None]:
    """A ``Narrator.pause``: Enter in a terminal, else ``seconds`` of quiet."""
    interactive = sys.stdin.isatty() if interactive is None else interactive

    def pause(title: str) -> None:
        if interactive:
            console.input(f"[bold cyan]Next: {title} · press Enter[/] ")
        else:
            console.print(f"[cyan]Next: {title} (in {seconds:g} s)[/]")
            time.sleep(seconds)

    return pause
