"""The demo's MCP chapter, told against a LocalStack on free ports (never 9000-9003)."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from scripts.narration import Narrator
from scripts.narration_mcp import McpChapter
from scripts.stack import PORTS, LocalStack
from tests.support.processes import free_port


@pytest.fixture
def local_stack(tmp_path):
    stack = LocalStack(state=tmp_path / "demo", ports={name: free_port() for name in PORTS})
    try:
        stack.bootstrap()
        stack.start()
        yield stack
    finally:
        stack.close()


def test_the_mcp_chapter_shows_discovery_and_every_refusal(local_stack):
    out = io.StringIO()
    narrator = Narrator(local_stack, Console(file=out, width=200, color_system=None))
    McpChapter(narrator).run()
    text = out.getvalue()
    assert narrator.summary[-1][0] == "5 MCP agent"
    assert "/.well-known/oauth-protected-resource/mcp" in text
    assert "✓ reporting-job's API key at /mcp: POST /mcp → 401" in text
    assert "✓ order-service's REST token at /mcp: POST /mcp → 401" in text
    assert "✓ readonly-agent calls reserve_stock: POST /mcp → 403" in text
    assert "issues only inventory:read" in text
    secrets = local_stack.credentials()
    for value in [*secrets["client_secrets"].values(), *secrets["api_keys"].values()]:
        assert value not in text
    assert secrets["agents"]["inventory-agent"]["client_secret"] not in text
