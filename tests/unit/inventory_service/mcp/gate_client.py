"""Driving the MCP gate as a plain ASGI app, so HTTP details stay out of test bodies."""

from __future__ import annotations

import json

import anyio


class Recorder:
    """The app behind the gate: remembers what reached it, answers ``status``."""

    def __init__(self, status: int = 200) -> None:
        self.calls: list[tuple[dict, bytes]] = []
        self.status = status

    async def __call__(self, scope, receive, send) -> None:
        body = (await receive())["body"]
        self.calls.append((scope, body))
        await send({"type": "http.response.start", "status": self.status, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})


HOST = "mcp.test:9003"  # the host of the MCP URL the tests configure


def call(gate, body=None, headers=None, method="POST", path="/mcp", query=b""):
    """One request through ``gate``: (status, lower-cased headers, body bytes).

    ``body`` is sent as JSON, or as it is when it is already bytes.
    """
    if isinstance(body, bytes):
        raw = body
    else:
        raw = json.dumps(body).encode() if body is not None else b""
    sent: list[dict] = []

    async def run() -> None:
        messages = [{"type": "http.request", "body": raw, "more_body": False}]

        async def receive():
            return messages.pop(0) if messages else {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)

        scope = {
            "type": "http",
            "method": method,
            "path": path,
            "query_string": query,
            "headers": [
                (k.lower().encode(), v.encode())
                for k, v in {"Host": HOST, **(headers or {})}.items()
            ],
        }
        await gate(scope, receive, send)

    anyio.run(run)
    start = next(m for m in sent if m["type"] == "http.response.start")
    payload = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    response_headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return start["status"], response_headers, payload


def tool_call(name, **arguments):
    return {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": name, "arguments": arguments},
    }


LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}
