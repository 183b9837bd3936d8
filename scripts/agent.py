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
import inspect
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

from mcp import ClientSession
from mcp.client.auth.extensions.client_credentials import (
    ClientCredentialsOAuthProvider,
    PrivateKeyJWTOAuthProvider,
    SignedJWTParameters,
)
from mcp.client.streamable_http import streamable_http_client

try:  # SDK 2.x
    import httpx2 as httpx
except ImportError:  # SDK 1.x
    import httpx  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "http://127.0.0.1:9003/mcp"


class MemoryStorage:
    """The SDK's ``TokenStorage``: this run's token lives in memory only."""

    def __init__(self) -> None:
        self.tokens = None
        self.client_info = None

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens) -> None:
        self.tokens = tokens

    async def get_client_info(self):
        return self.client_info

    async def set_client_info(self, client_info) -> None:
        self.client_info = client_info


def _scope_kwarg(cls: type, scope: str | None) -> dict[str, Any]:
    # SDK 2.x calls it ``scope``, 1.x ``scopes``; the value is the same space-separated string.
    params = inspect.signature(cls.__init__).parameters
    return {("scope" if "scope" in params else "scopes"): scope}


def _custom_request(args: argparse.Namespace) -> bool:
    """Whether any flag for another AS is set (the SDK's own request serves ours)."""
    return bool(
        args.token_endpoint
        or args.audience
        or args.resource is not None
        or args.client_assertion_audience
        or args.client_cert
    )


def _build_custom_auth(args: argparse.Namespace, storage: MemoryStorage) -> httpx.Auth:
    from order_service.client_auth import certificate_thumbprint

    from .agent_auth import KeyProvider, SecretProvider, TokenRequestOptions

    options = TokenRequestOptions(
        issuer=args.issuer,
        token_endpoint=args.token_endpoint,
        audience=args.audience,
        resource=args.resource,
        assertion_audience=args.client_assertion_audience or "issuer",
        cert_thumbprint=certificate_thumbprint(Path(args.client_cert).read_bytes())
        if args.client_cert
        else None,
    )
    common = {"server_url": args.url, "storage": storage, "issuer": args.issuer}
    if args.private_key:
        return KeyProvider(
            options=options,
            client_id=args.client_id,
            key_pem=Path(args.private_key).read_text(),
            **common,
            **_scope_kwarg(PrivateKeyJWTOAuthProvider, args.scope),
        )
    return SecretProvider(
        options=options,
        client_id=args.client_id,
        client_secret=args.client_secret,
        token_endpoint_auth_method=args.client_auth_method or "client_secret_basic",
        **common,
        **_scope_kwarg(ClientCredentialsOAuthProvider, args.scope),
    )


def build_auth(args: argparse.Namespace) -> httpx.Auth:
    storage = MemoryStorage()
    if _custom_request(args):
        return _build_custom_auth(args, storage)
    if args.private_key:
        signer = SignedJWTParameters(
            issuer=args.client_id,
            subject=args.client_id,
            signing_key=Path(args.private_key).read_text(),
            signing_algorithm="ES256",
        )
        return PrivateKeyJWTOAuthProvider(
            server_url=args.url,
            storage=storage,
            client_id=args.client_id,
            assertion_provider=signer.create_assertion_provider(),
            issuer=args.issuer,
            **_scope_kwarg(PrivateKeyJWTOAuthProvider, args.scope),
        )
    return ClientCredentialsOAuthProvider(
        server_url=args.url,
        storage=storage,
        client_id=args.client_id,
        client_secret=args.client_secret,
        token_endpoint_auth_method=args.client_auth_method or "client_secret_basic",
        issuer=args.issuer,
        **_scope_kwarg(ClientCredentialsOAuthProvider, args.scope),
    )


def _say(text: str) -> None:
    print(text, flush=True)


async def _on_request(request) -> None:
    _say(f"  → {request.method} {request.url}")


async def _on_response(response) -> None:
    line = f"  ← {response.status_code}"
    challenge = response.headers.get("www-authenticate")
    if challenge:
        line += f"  WWW-Authenticate: {challenge}"
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
    """Discover, list the tools, read one SKU and reserve it; return what happened."""
    report: dict[str, Any] = {}
    hooks = {"request": [_on_request], "response": [_on_response]}
    async with (
        httpx.AsyncClient(auth=build_auth(args), event_hooks=hooks, timeout=30) as http,
        streamable_http_client(args.url, http_client=http) as streams,
        ClientSession(streams[0], streams[1]) as session,
    ):
        _say(f"MCP server {args.url}: initialize (the SDK discovers the AS and gets a token)")
        await session.initialize()
        _say("tools/list")
        tools = await session.list_tools()
        report["tools"] = sorted(t.name for t in tools.tools)
        _say(f"  tools: {', '.join(report['tools'])}")
        _say(f"tools/call get_stock {args.sku}")
        report["get_stock"] = _result(await session.call_tool("get_stock", {"sku": args.sku}))
        _say(f"  {json.dumps(report['get_stock'])}")
        if args.quantity:
            call = {"sku": args.sku, "quantity": args.quantity, "order_id": args.order_id}
            _say(f"tools/call reserve_stock {json.dumps(call)}")
            report["reserve_stock"] = _result(await session.call_tool("reserve_stock", call))
            _say(f"  {json.dumps(report['reserve_stock'])}")
    return report


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
