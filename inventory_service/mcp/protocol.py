"""Where the Inventory's MCP server departs from the SDK's ``MCPServer`` defaults, and why.

Each choice answers what the MCP specification (revision 2025-11-25, and the 2026-07-28
stateless wire the SDK also serves) or a conformance tool expects:

* **Capabilities**: only ``tools``. ``MCPServer`` registers prompt and resource handlers
  whatever the server holds, and the SDK derives capabilities from registered handlers,
  so it would advertise features this server does not have (spec "Lifecycle",
  capability negotiation: a server declares the features it supports). Without the
  handlers, ``prompts/*`` and ``resources/*`` are JSON-RPC ``-32601`` Method not found,
  with nothing logged.
* **No ``subscriptions/listen``**: the tool list never changes, and a listener held
  open by one uvicorn process would never hear another's events. Every POST gets one
  JSON response, on every protocol revision.
* **Unknown tool**: a JSON-RPC ``-32602`` protocol error (spec "Tools", Error Handling:
  "Unknown tools" are protocol errors), not an ``isError`` result.
* **Arguments that fail the tool's input schema**: still an ``isError`` result (the same
  section makes input validation a tool execution error the model can correct), in our
  words: which argument, what it must be; no library text and no echo of the value.
* **``serverInfo.version``**: the project's version, never the SDK's empty default.
* **The client-credentials extension** (``io.modelcontextprotocol/oauth-client-credentials``,
  SEP-2133 extension negotiation): declared, since client credentials are the only way
  in; the AS metadata it requires is checked by the integration tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcp.server.extension import Extension
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, CallToolResult, InputRequiredResult
from pydantic import ValidationError

# pyproject.toml's version; tests/unit/inventory_service/test_mcp_protocol.py keeps them equal.
SERVER_VERSION = "0.1.0"
CLIENT_CREDENTIALS_EXTENSION = "io.modelcontextprotocol/oauth-client-credentials"
# MCPServer's handlers for features this server does not offer (see the module docstring).
UNOFFERED_METHODS = (
    "prompts/list",
    "prompts/get",
    "resources/list",
    "resources/templates/list",
    "resources/read",
)


class ClientCredentialsExtension(Extension):
    """The MCP OAuth client-credentials extension: declared, nothing added to the wire."""

    identifier = CLIENT_CREDENTIALS_EXTENSION


class InventoryMcpServer(MCPServer):
    """``MCPServer`` with the departures listed in the module docstring."""

    def __init__(self, name: str, *, instructions: str) -> None:
        self._tool_names: set[str] = set()
        super().__init__(
            name,
            instructions=instructions,
            version=SERVER_VERSION,
            extensions=[ClientCredentialsExtension()],
            subscriptions=False,
        )
        # The SDK keeps no public way to unregister a handler; its capabilities are
        # derived from this map (lowlevel ``Server.get_capabilities``).
        handlers = self._lowlevel_server._request_handlers
        for method in UNOFFERED_METHODS:
            handlers.pop(method, None)

    def add_tool(self, fn: Callable[..., Any], name: str | None = None, **kwargs: Any) -> None:
        super().add_tool(fn, name=name, **kwargs)
        self._tool_names.add(name or fn.__name__)

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context | None = None
    ) -> CallToolResult | InputRequiredResult:
        if name not in self._tool_names:
            raise MCPError(INVALID_PARAMS, f"Unknown tool: {name}")
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            if isinstance(exc.__cause__, ValidationError):
                problems = "; ".join(describe(error) for error in exc.__cause__.errors())
                raise ToolError(f"Invalid arguments for {name}: {problems}.") from exc.__cause__
            raise


def describe(error: Any) -> str:
    """One pydantic error in plain words: the argument's name and what it must be."""
    field = ".".join(str(part) for part in error["loc"]) or "arguments"
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return f"{field} is required"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"{field} must be a whole number"
    if kind == "string_type":
        return f"{field} must be a string"
    if kind == "greater_than_equal":
        return f"{field} must be at least {ctx['ge']}"
    if kind == "less_than_equal":
        return f"{field} must be at most {ctx['le']}"
    if kind == "string_too_short":
        return f"{field} must not be empty" if ctx.get("min_length") == 1 else (
            f"{field} must be at least {ctx['min_length']} characters long"
        )  # fmt: skip
    if kind == "string_too_long":
        return f"{field} must be at most {ctx['max_length']} characters long"
    return f"{field} has an invalid value"
