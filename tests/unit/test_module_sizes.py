"""Small modules across the whole repository, tests and scripts included: none over 300 lines
but ``scripts/bench.py``, whose sections share one run's state and one report."""

from __future__ import annotations

import subprocess

from tests.support.processes import ROOT

LIMIT = 300
EXEMPT = {"scripts/bench.py"}


def test_no_tracked_python_module_is_over_300_lines():
    tracked = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert len(tracked) > 100  # the listing worked: this is the repository, not a fragment
    long = {
        path: n
        for path in tracked
        if path not in EXEMPT
        and (ROOT / path).exists()
        and (n := len((ROOT / path).read_text().splitlines())) > LIMIT
    }
    assert long == {}
