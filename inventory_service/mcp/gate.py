"""Who may call which tool: the RFC 6750 gate in front of the SDK's ``/mcp`` route.

The SDK's own bearer middleware sees only the token, so it cannot say which *tool* a
request wants, and a scope check inside a tool only yields an ``isError`` result, on which
no client steps up. This ASGI middleware reads the JSON-RPC body first, then answers:

* no credentials: 401 ``WWW-Authenticate: Bearer scope=..., resource_metadata=...`` with no
  error code (RFC 6750 §3.1), the RFC 9728 §5.1 pointer the SDK clients start discovery from;
* an ``X-API-Key``: the same 401, with a body that says MCP takes OAuth tokens only and
  where the AS is (keys are never accepted here, whatever the REST auth mode);
* a bad, expired or foreign token (``aud`` is not this MCP URL): 401 ``invalid_token``;
* a token whose key is unknown while the AS's JWKS cannot be fetched: 503 problem+json with
  ``Retry-After`` — it was not judged, so the client keeps it (the REST API answers alike);
* a ``tools/call`` whose tool needs a scope the token lacks: 403 ``insufficient_scope`` with
  ``scope`` = held plus needed, because SDK 1.x requests the challenged scope verbatim
  and would otherwise drop what it held (SDK 2.x unions itself; both then retry).

Token validation is the REST API's own ``TokenValidator`` under the same ``TokenPolicy``
(typ, alg allow-list, JWKS limits, leeway, lifetime cap) with this server's audience; the
header parsing, challenges and results are the resource server's (``bearer.py``,
``decision.py``). Every decision is counted per client and
per tool in the ``mcp_usage`` ledger and in Prometheus.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import anyio
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service_kit import database_errors
from service_kit.edge import EdgeSettings, host_patterns

from ..metrics import MCP_CALLS
from ..migration.ledger import ToolLedger
from ..resource_server.api_keys import ApiKeyStore
from ..resource_server.bearer import MalformedBearer, bearer_token, challenge, is_bearer
from ..resource_server.decision import UNKNOWN, Principal, Refused
from ..resource_server.jwks import KeysUnavailable
from ..resource_server.modes import Credential
from ..resource_server.tokens import InvalidToken
from ..resource_server.trust_file import Trusted
from .settings import McpSettings

BASE_SCOPE = "inventory:read"  # what discovery (initialize, tools/list) is challenged with
MAX_BODY = 1024 * 1024
TOKEN = Credential.TOKEN
_LABELLED_METHODS = {"initialize", "ping", "tools/list", "resources/list", "prompts/list"}


@dataclass(frozen=True)
class Call:
    """What a request asks for: the scopes it needs and the labels it is counted under."""

    needed: frozenset[str]
    labels: tuple[str, ...]


def inspect_body(body: bytes, tool_scopes: dict[str, str]) -> Call:
    """Read the JSON-RPC message(s) without trusting them; the SDK validates them later."""
    try:
        parsed: Any = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
        return Call(frozenset(), ("other",))
    messages = parsed if isinstance(parsed, list) else [parsed]
    needed: set[str] = set()
    labels: list[str] = []
    for message in messages:
        method = message.get("method") if isinstance(message, dict) else None
        if not isinstance(method, str) or method.startswith("notifications/"):
            continue
        if method == "tools/call":
            params = message.get("params")
            name = params.get("name") if isinstance(params, dict) else None
            if isinstance(name, str) and name in tool_scopes:
                needed.add(tool_scopes[name])
                labels.append(name)
            else:
                labels.append("tools/call:unknown")  # bounded label set: no free text
        else:
            labels.append(method if method in _LABELLED_METHODS else "other")
    return Call(frozenset(needed), tuple(labels))


class Gate:
    """ASGI middleware guarding ``settings.path``; everything else passes straight through."""

    def __init__(
        self,
        app: ASGIApp,
        settings: McpSettings,
        tokens: Trusted,
        api_keys: ApiKeyStore,
        ledger: ToolLedger,
        tool_scopes: dict[str, str],
    ) -> None:
        self.app = app
        self.settings = settings
        self.tokens = tokens
        self.api_keys = api_keys
        self.ledger = ledger
        self.tool_scopes = tool_scopes
        # Loopback names and INVENTORY_MCP_ALLOWED_HOSTS, the list the SDK checks at /mcp.
        extra = host_patterns(settings.allowed_hosts, "INVENTORY_MCP_ALLOWED_HOSTS")
        self._edge = EdgeSettings(allowed_hosts=EdgeSettings.allowed_hosts + tuple(extra))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].rstrip("/") != self.settings.path.rstrip("/"):
            if scope["type"] == "http" and not self._host_allowed(scope):
                # The SDK checks Host at /mcp only; /metrics and the metadata need it too
                # against DNS rebinding (service_kit/edge.py does the same for REST).
                await _send(
                    _problem(421, "Misdirected request", "Unknown Host."), scope, receive, send
                )
                return
            await self.app(scope, receive, send)
            return
        if scope["method"] != "POST":
            # Stateless JSON mode: no server-to-client SSE stream and no session to delete.
            # The MCP transport spec allows 405 for GET; clients then just POST.
            await _send(Response(status_code=405, headers={"Allow": "POST"}), scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:
            too_large = _problem(413, "Request too large", "The body exceeds 1 MiB.")
            await _send(too_large, scope, receive, send)
            return
        call = inspect_body(body, self.tool_scopes)
        try:
            principal = await self._authorize(scope, call)
        except Refused as refused:
            # No credential at all is the RFC 9728 discovery step every agent starts with
            # (401 + resource_metadata), not a refusal worth counting.
            if refused.credential is not None:
                self._record(refused.client_id, call, accepted=False)
            await _send(refused.response, scope, receive, send)
            return
        except database_errors.unavailable_errors():
            # No key check without the database: refuse, never wave through.
            await _send(_database_unavailable(), scope, receive, send)
            return
        scope = dict(scope)
        scope["state"] = {**scope.get("state", {}), "principal": principal}
        answered: list[int] = []

        async def observe(message: Message) -> None:
            if message["type"] == "http.response.start":
                answered.append(message["status"])
            await send(message)

        try:
            await self.app(scope, _replay(body, receive), observe)
        finally:
            # Counted once the SDK has answered: its own Host, Origin, Accept and
            # Content-Type checks can still refuse a call the token allowed.
            self._record(principal.client_id, call, accepted=bool(answered) and answered[0] < 400)

    async def _authorize(self, scope: Scope, call: Call) -> Principal:
        """Return the caller, or raise ``Refused`` with the exact answer to send."""
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        wanted = " ".join(sorted(call.needed)) or BASE_SCOPE
        if b"access_token=" in scope.get("query_string", b""):
            # OAuth 2.1 §5.2: no tokens in the query string; they end up in logs.
            description = "Send the token in the Authorization header."
            raise Refused(self._oauth(400, "invalid_request", description, wanted), UNKNOWN, TOKEN)
        authorization = headers.get("authorization")
        if is_bearer(authorization):
            try:
                token = bearer_token(authorization)
            except MalformedBearer as exc:
                raise Refused(
                    self._oauth(400, "invalid_request", str(exc), wanted), UNKNOWN, TOKEN
                ) from None
            try:
                # A token the cache already judged is answered here (a hash and a dict
                # look-up). Anything else goes to a worker thread: a signature check is CPU
                # and a JWKS refetch (unknown kid, stale keys) waits on the network, which
                # on the event loop would stall every MCP request meanwhile
                # (docs/performance.md, "MCP").
                claims = self.tokens.validate_cached(token) or await anyio.to_thread.run_sync(
                    self.tokens.validate, token
                )
            except InvalidToken as exc:
                raise Refused(
                    self._oauth(401, "invalid_token", str(exc), wanted), UNKNOWN, TOKEN
                ) from None
            except KeysUnavailable as exc:
                raise Refused(_keys_unavailable(exc), UNKNOWN, TOKEN) from None
            missing = call.needed - claims.scopes
            if missing:
                # Held plus needed: a client that requests exactly the challenged scope keeps
                # what it already had (SDK 1.x does that).
                union = " ".join(sorted(claims.scopes | call.needed))
                description = (
                    f"This tool needs the {' '.join(sorted(missing))} scope (scopes are read"
                    f" from the token's {', '.join(claims.scope_claims)} claim)."
                )
                response = self._oauth(403, "insufficient_scope", description, union)
                raise Refused(response, claims.client_id, TOKEN)
            return Principal(claims.client_id, TOKEN, claims.scopes)
        if "x-api-key" in headers:
            key = self.api_keys.verify(headers["x-api-key"])
            client_id = key.client_id if key else UNKNOWN
            raise Refused(self._key_refused(wanted), client_id, Credential.API_KEY)
        response = _problem(
            401,
            "Authentication required",
            "Send Authorization: Bearer <token> (see the resource metadata).",
        )
        response.headers["WWW-Authenticate"] = self._challenge(None, wanted)
        raise Refused(response)

    def _host_allowed(self, scope: Scope) -> bool:
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
        return self._edge.allows(host, scope.get("scheme", "http"))

    def _record(self, client_id: str, call: Call, accepted: bool) -> None:
        outcome = "accepted" if accepted else "refused"
        # A notification alone (notifications/initialized) is no call worth counting,
        # unless it was refused.
        for label in call.labels or (() if accepted else ("other",)):
            self.ledger.record(client_id, label, outcome)
            MCP_CALLS.labels(client_id=client_id, tool=label, outcome=outcome).inc()

    def _challenge(self, error: str | None, scope: str) -> str:
        return challenge(self.settings.resource_metadata_url, error, scope)

    def _oauth(self, status: int, error: str, description: str, scope: str) -> Response:
        response = JSONResponse({"error": error, "error_description": description}, status)
        response.headers["WWW-Authenticate"] = self._challenge(error, scope)
        return response

    def _key_refused(self, scope: str) -> Response:
        settings = self.settings
        response = _problem(
            401,
            "MCP needs an OAuth access token",
            "API keys are never accepted by the MCP server: the MCP authorization spec requires "
            f"OAuth 2.1. Get an access token with the client-credentials grant from "
            f"{settings.issuer} for resource {settings.resource} (discoverable from "
            f"{settings.resource_metadata_url}) and send it as Authorization: Bearer <token>.",
            authorization_servers=self.tokens.issuers,
            resource=settings.resource,
            resource_metadata=settings.resource_metadata_url,
        )
        response.headers["WWW-Authenticate"] = self._challenge(None, scope)
        return response


def _database_unavailable() -> Response:
    response = _problem(503, database_errors.TITLE, database_errors.DETAIL)
    response.headers["Retry-After"] = database_errors.RETRY_AFTER
    return response


def _problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status, media_type="application/problem+json")


def _keys_unavailable(exc: KeysUnavailable) -> Response:
    detail = f"{exc} The token was not judged; retry in {exc.retry_after} s with the same token."
    response = _problem(503, "Cannot check the token now", detail, retry_after=exc.retry_after)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """Hand the SDK the body the gate already read, then the real channel."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


async def _send(response: Response, scope: Scope, receive: Receive, send: Send) -> None:
    await response(scope, receive, send)
