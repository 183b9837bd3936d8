"""Every command in docs/workshop.md (and its cockpit companion) runs here, top to bottom in one shell, as a participant
pasting them would; each ``text`` block after a command must appear in its output (in order;
numbers and ``…`` stand for any value)."""

from __future__ import annotations

import pytest

from tests.support.docs import blocks, missing_lines, run_bash_blocks
from tests.support.processes import ROOT


@pytest.mark.parametrize("page", ["workshop.md", "workshop-cockpit.md"])
def test_every_workshop_command_runs_and_prints_what_the_workshop_shows(page):
    doc = blocks((ROOT / "docs" / page).read_text())
    outputs = run_bash_blocks(doc)
    problems = []
    for i, output in outputs.items():
        if i + 1 < len(doc) and doc[i + 1][0] == "text":
            problems += [
                f"block {i}: not printed: {line}" for line in missing_lines(doc[i + 1][1], output)
            ]
    assert not problems, "\n".join(problems) + "\n\n" + "\n---\n".join(outputs.values())[-4000:]
