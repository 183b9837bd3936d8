"""The Inventory's operations as MCP tools, in a process of their own.

``python -m inventory_service.mcp`` serves the official ``mcp`` SDK's Streamable HTTP app
under uvicorn, on the same SQLite file as the REST API and with the same token policy and
validation (``inventory_service.resource_server``), but with its own audience: the MCP URL.
Hosting the SDK's ASGI app inside the Flask workers costs the REST API 1.5-2.4x CPU per
request (docs/decisions.md); a separate process leaves it untouched.

Modules: ``settings`` (``INVENTORY_MCP_*``), ``gate`` (who may call which tool: RFC 6750
challenges in front of the SDK), ``tools`` (the three tools), ``protocol`` (what the server
advertises, how it answers errors), ``app`` (assembly), ``__main__``.
"""
