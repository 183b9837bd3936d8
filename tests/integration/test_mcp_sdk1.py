"""The newest SDK 1.x client works too: the same agent, in a throw-away venv with mcp 1.x.

The venv holds only ``mcp==SDK1`` and its dependencies (no project code: the agent runs from
the checkout). It is built with the project's installer (uv or pip) into ``.venv/throwaway/`` and reused
while it imports the right version: ~18 s the first time, nothing after; ``make install``
recreates ``.venv`` and with it this cache. SDK 1.x is what forces the AS to accept the
``aud`` = ``http://host:port/`` form of private_key_jwt (see docs/decisions.md).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.test_mcp_agent import TOOLS, result_of, run_agent
from tests.support.mcp import start_mcp_stack
from tests.support.processes import ROOT

SDK1 = "1.30.0"


def sdk1_python() -> str:
    venv = ROOT / ".venv" / "throwaway" / f"mcp-{SDK1}"
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import importlib.metadata as m; print(m.version('mcp'))"]
    if python.exists():
        done = subprocess.run(probe, capture_output=True, text=True)
        if done.returncode == 0 and done.stdout.strip() == SDK1:
            return str(python)
    subprocess.run([sys.executable, "-m", "venv", "--clear", "--without-pip", str(venv)], check=True)  # fmt: skip
    install_into(python, f"mcp=={SDK1}")
    assert subprocess.run(probe, capture_output=True, text=True).stdout.strip() == SDK1
    return str(python)


def install_into(python: Path, requirement: str) -> None:
    """With the project's own installer (``make install``): uv when it made .venv, else pip."""
    uv = Path(shutil.which("uv") or Path(sys.executable).with_name("uv"))
    if uv.exists():
        cmd = [str(uv), "pip", "install", "-q", "--python", str(python), requirement]
    else:
        pip = Path(sys.executable).with_name("pip")
        cmd = [str(pip), "--python", str(python), "install", "--quiet", requirement]
    subprocess.run(cmd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def python1():
    return sdk1_python()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    started = []
    try:
        yield start_mcp_stack(tmp_path_factory.mktemp("mcp1"), started)
    finally:
        for service in started:
            service.stop()


@pytest.mark.parametrize("client_id", ["inventory-agent", "inventory-agent-jwt"])
def test_sdk1_agent_lists_tools_and_reserves_with_no_workaround(stack, python1, client_id):
    out = run_agent(stack, "--order-id", f"sdk1-{client_id}", client_id=client_id, python=python1)
    result = result_of(out)
    assert result["tools"] == TOOLS
    assert result["reserve_stock"]["created"] is True
    # 1.x requests the challenged scope verbatim; held plus needed keeps its read scope.
    assert 'scope="inventory:read inventory:write"' in out.stdout


def test_sdk1_read_only_agent_reads_is_refused_a_write_and_reads_again(stack, python1):
    out = run_agent(
        stack, "--order-id", "sdk1-readonly", client_id="readonly-agent", python=python1
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "granted scope: inventory:read" in out.stdout
    assert "refused, as expected for a client without inventory:write: " in out.stdout
    result = result_of(out)
    assert "refused" in result["reserve_stock"]
    assert result["get_stock_again"]["sku"] == "WIDGET-1"
