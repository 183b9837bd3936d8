"""The agent's credentials: which SDK auth provider, or ours for another AS's token request.

With no flag for another authorization server the SDK's own providers serve
(``ClientCredentialsOAuthProvider``, ``PrivateKeyJWTOAuthProvider``); any of
``--token-endpoint``, ``--audience``, ``--resource``, ``--client-assertion-audience`` or
``--client-cert`` builds the token request in ``agent_auth.py`` instead. Tokens stay in
memory for the run.
"""

from __future__ import annotations

import argparse
import inspect
from pathlib import Path
from typing import Any

from mcp.client.auth.extensions.client_credentials import (
    ClientCredentialsOAuthProvider,
    PrivateKeyJWTOAuthProvider,
    SignedJWTParameters,
)

try:  # SDK 2.x
    import httpx2 as httpx
except ImportError:  # SDK 1.x
    import httpx  # type: ignore[no-redef]


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
    # Imported here, not at the top: the SDK 1.x check runs this file in a venv holding only
    # the SDK, and only these flags need Authlib and Order's certificate code.
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
