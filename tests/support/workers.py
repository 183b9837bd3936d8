"""Which tests may run side by side under ``make test``'s pytest-xdist workers.

A test module is one unit of work, so its module-scoped fixtures (a stack, an AS) start once.
Two kinds of tests share something bigger than a module, and each kind is one unit:

- ``e2e``: the modules under ``tests/e2e`` that use the one compose stack of the session;
  split over workers, each worker would build and start its own. ``test_scale.py`` starts
  its own stack (PostgreSQL and replicas) and runs beside them.
- ``checkout``: tests that use the checkout itself, its ports 9000-9004 and its ``.demo/``
  (``make up``, the executed docs, ``make demo-docker``); two at once would stop or empty
  each other's stack.

Grouping is done by node id in the controller, which never sees marks: pytest 9 no longer
lets xdist's ``xdist_group`` mark rename node ids, so ``--dist loadgroup`` would silently
spread every module. A new test that uses the checkout is named here.
"""

from __future__ import annotations

from xdist.scheduler import LoadScopeScheduling

CHECKOUT = (
    "tests/e2e/test_demo_docker.py",
    "tests/integration/test_readme.py",
    "tests/integration/test_workshop.py",
    "tests/integration/test_stack_without_proc.py::test_make_up",
    "tests/integration/test_stack_without_proc.py::test_make_demo",
    "tests/integration/test_dashboard_evidence_browser.py::test_right_after_the_real_make_up",
)

#: e2e modules with a compose stack of their own (a module fixture), not the session's.
OWN_STACK = ("tests/e2e/test_scale.py",)


def unit_of_work(nodeid: str) -> str:
    """The group a test runs in: ``checkout``, ``e2e`` or its own module."""
    if nodeid.startswith(CHECKOUT):
        return "checkout"
    if nodeid.startswith("tests/e2e/") and not nodeid.startswith(OWN_STACK):
        return "e2e"
    return nodeid.split("::", 1)[0]


class ByUnitOfWork(LoadScopeScheduling):
    """xdist's module-at-a-time scheduling, with the two shared groups above."""

    def _split_scope(self, nodeid: str) -> str:
        return unit_of_work(nodeid)
