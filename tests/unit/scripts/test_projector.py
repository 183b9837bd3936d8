"""Projector mode: the narration stops before each phase, by Enter or by a pause."""

from __future__ import annotations

import io

from rich.console import Console

from scripts.narration import Narrator
from scripts.projector import pauser


def test_each_phase_waits_for_the_pause_before_it_is_shown():
    seen: list[str] = []
    out = io.StringIO()
    narrator = Narrator(None, Console(file=out, width=120), pause=seen.append)
    narrator.phase("Phase 1 · dual", "keys and tokens")
    assert seen == ["Phase 1 · dual"]
    assert "keys and tokens" in out.getvalue()


def test_without_a_terminal_the_pause_says_what_comes_next():
    out = io.StringIO()
    pauser(Console(file=out, width=120), seconds=0, interactive=False)("Phase 3 · token-only")
    assert "Next: Phase 3 · token-only (in 0 s)" in out.getvalue()
