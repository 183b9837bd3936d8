"""Every command in the workshop pages runs here, in the orders the pages offer, in one shell
as a participant pasting them would: the workshop with its cockpit companion between
sections 2 and 3 (one `make up` stack for all of it), the cockpit on its own, and the MCP
page top to bottom. Each ``text`` block after a command must appear in its output (in order;
numbers and ``…`` stand for any value)."""

from __future__ import annotations

import pytest

from tests.support.docs import blocks, missing_lines, run_bash_blocks
from tests.support.processes import ROOT

FLIP = "## 3 · The flip"


def page(name: str) -> str:
    return (ROOT / "docs" / name).read_text()


def workshop_with_cockpit() -> list[tuple[str, str]]:
    workshop = page("workshop.md")
    before, after = workshop.split(FLIP, 1)
    return blocks(before) + blocks(page("workshop-cockpit.md")) + blocks(FLIP + after)


ORDERS = {
    "workshop, cockpit between sections 2 and 3, workshop": workshop_with_cockpit,
    "cockpit on its own": lambda: blocks(page("workshop-cockpit.md")),
    "mcp page top to bottom": lambda: blocks(page("mcp.md")),
}


@pytest.mark.parametrize("order", list(ORDERS))
def test_every_workshop_command_runs_and_prints_what_the_page_shows(order):
    doc = ORDERS[order]()
    outputs = run_bash_blocks(doc, skip=DOCKER_ONLY)
    problems = []
    for i, output in outputs.items():
        if i + 1 < len(doc) and doc[i + 1][0] == "text":
            problems += [
                f"block {i}: not printed: {line}" for line in missing_lines(doc[i + 1][1], output)
            ]
    assert not problems, "\n".join(problems) + "\n\n" + "\n---\n".join(outputs.values())[-4000:]


# The MCP page's compose variant runs in the e2e tier, not beside `make up`.
DOCKER_ONLY = ("docker compose run --rm agent", "docker compose run --rm agent --private-key-jwt")
