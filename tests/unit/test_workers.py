"""The groups ``make test``'s workers keep together (tests/support/workers.py) name real tests,
and every test module that drives the checkout's own stack is in the ``checkout`` group."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.processes import ROOT
from tests.support.workers import CHECKOUT, OWN_STACK, unit_of_work

#: What starts, stops or writes the checkout's stack: `make up`/`down`, the executed docs,
#: the narration with the checkout's state.
USES_THE_CHECKOUT = re.compile(r'\["make"|run_bash_blocks\(|"scripts\.demo"')


def test_every_checkout_entry_names_an_existing_test():
    for entry in CHECKOUT:
        path, _, name = entry.partition("::")
        source = (ROOT / path).read_text()
        assert not name or f"def {name}" in source, entry
    for module in OWN_STACK:  # never the session's `stack` fixture
        source = (ROOT / module).read_text()
        assert not re.search(r"def test_\w+\([^)]*\bstack\b", source), module


def test_every_module_that_drives_the_checkout_is_in_the_checkout_group():
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        module = str(path.relative_to(ROOT))
        if "node_modules" in path.parts or path == Path(__file__):
            continue
        if USES_THE_CHECKOUT.search(path.read_text()):
            assert any(entry.startswith(module) for entry in CHECKOUT), module


def test_units_of_work():
    assert unit_of_work("tests/integration/test_readme.py::test_quick_start") == "checkout"
    assert unit_of_work("tests/e2e/test_demo_docker.py::test_x") == "checkout"
    assert unit_of_work("tests/e2e/test_mcp.py::test_x[a::b]") == "e2e"
    assert unit_of_work("tests/e2e/test_scale.py::test_x") == "tests/e2e/test_scale.py"
    assert unit_of_work("tests/integration/test_stack_without_proc.py::test_make_up_x") == (
        "checkout"
    )
    assert unit_of_work("tests/integration/test_stack_without_proc.py::test_make_bench_x") == (
        "tests/integration/test_stack_without_proc.py"
    )
    assert (
        unit_of_work("tests/integration/test_dashboard_evidence_browser.py::test_once_every[x]")
        == "tests/integration/test_dashboard_evidence_browser.py"
    )
    assert unit_of_work("tests/unit/x/test_y.py::test_z[p]") == "tests/unit/x/test_y.py"
