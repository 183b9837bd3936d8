"""RFC 9457 problem details: the one error shape of the non-OAuth endpoints."""

from __future__ import annotations

from typing import Any

from flask import Response, json

PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str | None = None, **extra: Any) -> Response:
    """``{"type": "about:blank", "title", "status", "detail"?, …extra}`` (RFC 9457 §3)."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return Response(json.dumps(body), status=status, content_type=PROBLEM)
