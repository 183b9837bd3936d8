"""No import cycle in any package of the repository, the scripts included.

Read from the source (``tests/support/import_graph.py``): an import inside a function counts
(it is how a cycle gets hidden); one under ``if TYPE_CHECKING:`` does not, since it never
runs; ``from . import metrics`` reads the sibling module, not the package's ``__init__``.
(``tests/unit/inventory_service/test_layout.py`` is stricter for Inventory.)
"""

from __future__ import annotations

import pytest

from tests.support.import_graph import cycles, graph
from tests.support.processes import ROOT

PACKAGES = ("auth_server", "inventory_service", "order_service", "service_kit", "scripts")


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycle(package):
    assert cycles(graph(ROOT / package, strict=False)) == []
