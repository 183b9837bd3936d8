"""An AI agent's plumbing: the official ``mcp`` SDK client, client credentials, no API key.

``python -m scripts.agent`` (``make agent``) starts from the MCP URL alone and prints each
step the SDK takes: ``POST /mcp`` → 401 with ``resource_metadata`` → RFC 9728 metadata →
RFC 8414 metadata → token → ``tools/list`` → ``tools/call``. Authentication is the SDK's
``ClientCredentialsOAuthProvider`` (client_secret_basic), or with ``--private-key`` its
``PrivateKeyJWTOAuthProvider`` (an ES256 assertion signed by the SDK). Secrets and tokens
are never printed. The same file runs on SDK 2.x (pinned) and 1.x (proven in
tests/integration/test_mcp_sdk1.py): only import paths and keyword names differ.

Defaults come from ``.demo/credentials.json`` (``make up``); every one can be overridden.
For another authorization server the flags mirror Order's settings (docs/providers.md):
``--token-endpoint``, ``--audience``, ``--resource`` (``""`` sends none),
``--client-auth-method``, ``--client-assertion-audience`` and ``--client-cert``; with any of
them the token request is built by ``scripts/agent_auth.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from .agent_credentials import build_auth

try:  # SDK 2.x
    import httpx2 as httpx
except ImportError:  # SDK 1.x
    import httpx  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "http://127.0.0.1:9003/mcp"


def _say(text: str) -> None:
    print(text, flush=True)


async def _on_request(request) -> None:
    _say(f"  → {request.method} {request.url}")


async def _on_response(response) -> None:
    line = f"  ← {response.status_code}"
    challenge = response.headers.get("www-authenticate")
    if challenge:
        line += f"  WWW-Authenticate: {challenge}"
    elif response.status_code == 200 and response.url.path.endswith("/token"):
        await response.aread()  # RFC 6749 §3.3: the AS says which scopes it granted
        line += f"  granted scope: {response.json().get('scope')}"
    elif response.status_code >= 400 and "json" in response.headers.get("content-type", ""):
        await response.aread()  # an OAuth error body: error code and description, no secret
        body = response.json()
        line += f"  {body.get('error') or body.get('title')}: {body.get('error_description') or body.get('detail')}"  # fmt: skip
    _say(line)


def _result(result) -> Any:
    structured = getattr(result, "structured_content", None)
    if structured is None:
        structured = getattr(result, "structuredContent", None)
    is_error = getattr(result, "is_error", None)
    if is_error is None:
        is_error = getattr(result, "isError", False)
    if is_error or structured is None:
        return {"error" if is_error else "text": " ".join(getattr(c, "text", "") for c in result.content)}  # fmt: skip
    return structured


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Discover, list the tools, read one SKU and reserve it; return what happened.

    A refused reservation is reported in one line, then the agent reads again: on SDK 2.x
    in the same session; SDK 1.x ends its session on an HTTP 403, so it reads in a new one
    with the same token (no new token request)."""
    report: dict[str, Any] = {}
    auth = build_auth(args)  # one token store for both sessions
    try:
        async with _session(args, auth) as session:
            await _story(session, args, report)
    except Exception as exc:  # the SDK raises many kinds; only a refused write is expected
        refused = "refused" in report.get("reserve_stock", {})
        writing = args.quantity and "get_stock" in report and "reserve_stock" not in report
        if not (refused or writing) or "get_stock_again" in report:
            raise
        if not refused:
            _refused(report, exc)
        async with _session(args, auth, announce=False) as session:
            _say(f"tools/call get_stock {args.sku} (a new session: SDK 1.x ends one on a 403)")
            await _read_again(session, args, report)
    return report


@contextlib.asynccontextmanager
async def _session(args: argparse.Namespace, auth: httpx.Auth, announce: bool = True):
    hooks = {"request": [_on_request], "response": [_on_response]}
    async with (
        httpx.AsyncClient(auth=auth, event_hooks=hooks, timeout=30) as http,
        streamable_http_client(args.url, http_client=http) as streams,
        ClientSession(streams[0], streams[1]) as session,
    ):
        if announce:
            _say(f"MCP server {args.url}: initialize (the SDK discovers the AS and gets a token)")
        await session.initialize()
        yield session


async def _story(session: ClientSession, args: argparse.Namespace, report: dict) -> None:
    _say("tools/list")
    tools = await session.list_tools()
    report["tools"] = sorted(t.name for t in tools.tools)
    _say(f"  tools: {', '.join(report['tools'])}")
    _say(f"tools/call get_stock {args.sku}")
    report["get_stock"] = _result(await session.call_tool("get_stock", {"sku": args.sku}))
    _say(f"  {json.dumps(report['get_stock'])}")
    if not args.quantity:
        return
    call = {"sku": args.sku, "quantity": args.quantity, "order_id": args.order_id}
    _say(f"tools/call reserve_stock {json.dumps(call)}")
    try:
        report["reserve_stock"] = _result(await session.call_tool("reserve_stock", call))
    except Exception as exc:  # SDK 2.x: the refusal surfaces here and the session lives on
        _refused(report, exc)
        _say(f"tools/call get_stock {args.sku} (the session survives the refusal)")
        await _read_again(session, args, report)
        return
    _say(f"  {json.dumps(report['reserve_stock'])}")


def _refused(report: dict, exc: BaseException) -> None:
    report["reserve_stock"] = {"refused": _refusal(exc)}
    _say(f"  refused, as expected for a client without inventory:write: {_refusal(exc)}")


async def _read_again(session: ClientSession, args: argparse.Namespace, report: dict) -> None:
    report["get_stock_again"] = _result(await session.call_tool("get_stock", {"sku": args.sku}))
    _say(f"  {json.dumps(report['get_stock_again'])}")


def _refusal(exc: BaseException) -> str:
    """The innermost cause of a refused call, in one line (anyio groups wrap the SDK's)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.agent", description=__doc__.split("\n")[0])  # fmt: skip
    parser.add_argument("--credentials", default=os.environ.get("AGENT_CREDENTIALS_FILE", str(ROOT / ".demo" / "credentials.json")))  # fmt: skip
    parser.add_argument("--url", default=os.environ.get("AGENT_MCP_URL", DEFAULT_URL))
    parser.add_argument("--issuer", default=os.environ.get("AGENT_ISSUER", "http://127.0.0.1:9000"))
    parser.add_argument("--client-id", default=None)
    parser.add_argument("--private-key-jwt", action="store_true", help="authenticate with private_key_jwt")  # fmt: skip
    parser.add_argument("--private-key", default=None, help="PEM file (implies --private-key-jwt)")
    parser.add_argument("--scope", default=None, help="initial scope (the server's challenge wins)")  # fmt: skip
    parser.add_argument("--token-endpoint", default=None, help="use this token endpoint, no AS discovery")  # fmt: skip
    parser.add_argument("--audience", default=None, help="send as the `audience` parameter (Auth0, Hydra)")  # fmt: skip
    parser.add_argument("--resource", default=None, help='RFC 8707 resource to ask for; "" sends none')  # fmt: skip
    parser.add_argument("--client-auth-method", choices=("client_secret_basic", "client_secret_post", "private_key_jwt"))  # fmt: skip
    parser.add_argument("--client-assertion-audience", choices=("issuer", "token_endpoint"), help="aud of a private_key_jwt assertion")  # fmt: skip
    parser.add_argument("--client-cert", default=None, help="PEM certificate of the key: x5t#S256 header (Entra ID)")  # fmt: skip
    parser.add_argument("--sku", default="WIDGET-1")
    parser.add_argument("--quantity", type=int, default=1, help="0 to skip the reservation")
    parser.add_argument("--order-id", default=f"agent-{uuid.uuid4().hex[:8]}")
    args = parser.parse_args(argv)
    creds_file = Path(args.credentials)
    agents = json.loads(creds_file.read_text()).get("agents", {}) if creds_file.exists() else {}
    if args.client_auth_method == "private_key_jwt":
        args.private_key_jwt = True
    if args.client_cert and not (args.private_key_jwt or args.private_key):
        parser.error("--client-cert needs private_key_jwt (--private-key)")
    if args.private_key_jwt or args.private_key:
        args.client_id = args.client_id or "inventory-agent-jwt"
        args.private_key = args.private_key or agents.get(args.client_id, {}).get("private_key_file")  # fmt: skip
        if not args.private_key:
            parser.error("no private key: pass --private-key or run make up first")
    else:
        args.client_id = args.client_id or "inventory-agent"
        args.client_secret = os.environ.get("AGENT_CLIENT_SECRET") or agents.get(
            args.client_id, {}
        ).get("client_secret")
        if not args.client_secret:
            parser.error("no client secret: set AGENT_CLIENT_SECRET or run make up first")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    method = (
        "private_key_jwt" if args.private_key else args.client_auth_method or "client_secret_basic"
    )
    _say(f"agent {args.client_id} ({method}), knowing only {args.url}")
    try:
        report = asyncio.run(run(args))
    except Exception as exc:  # the SDK raises many kinds; say which and fail
        while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
            exc = exc.exceptions[0]  # anyio task groups wrap the SDK's error
        _say(f"agent failed: {type(exc).__name__}: {exc}")
        return 1
    _say(f"result: {json.dumps(report)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
