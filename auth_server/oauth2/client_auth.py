"""Client authentication with a secret: ``client_secret_basic`` and ``client_secret_post``.

RFC 6749 §2.3.1: ``client_secret_basic`` sends ``base64(urlencode(id):urlencode(secret))``,
so id and secret are form-url-decoded here (``+`` is a space), which Authlib does not do.
An unknown client is checked against a dummy hash and refused exactly like a wrong secret
(``clients.secret_matches``). A client uses the one method it registered (RFC 7591 §2).

The caller only ever sees ``invalid_client``; the reason goes to ``note_failure`` so that
``client_auth_abuse.py`` can log and count it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

from flask import g

from ..clients import AuthMethod, Client, Registry, secret_matches

ClientAuthMethod = Callable[[Any, Any], Client | None]


def note_failure(reason: str) -> None:
    """Called by a client authentication method that applied to this request and failed."""
    g.client_auth_failure = reason


def failure_reason() -> str | None:
    """Why this request's client authentication failed, if a method said so."""
    return g.get("client_auth_failure")


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """RFC 6749 §2.3.1 + RFC 7617: ``Basic base64(urlencode(id):urlencode(secret))``."""
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        return None
    return unquote_plus(client_id), unquote_plus(secret)


def _check_secret(
    registry: Registry, client_id: str, secret: str, method: AuthMethod
) -> Client | None:
    client = registry.find(client_id)
    # Same work and same answer for an unknown client as for a wrong secret.
    ok = secret_matches(secret, client.record.secret_hash if client else None)
    if client and ok and client.record.auth_method == method:
        return client
    # The caller sees one answer for all three; the log says which.
    if client is None:
        note_failure("unknown or disabled client")
    elif not ok:
        note_failure("wrong secret")
    else:
        note_failure(f"client is registered for {client.record.auth_method}")
    return None


def client_secret_basic(registry: Registry) -> ClientAuthMethod:
    """RFC 6749 §2.3.1: the client's id and secret in an HTTP Basic ``Authorization``."""

    def authenticate(query_client, request) -> Client | None:
        header = request.headers.get("Authorization")
        creds = basic_credentials(header)
        if creds is None and header and header[:6].lower() == "basic ":
            note_failure("malformed Basic credentials")
        if creds is None:
            return None
        return _check_secret(registry, *creds, AuthMethod.CLIENT_SECRET_BASIC)

    return authenticate


def client_secret_post(registry: Registry) -> ClientAuthMethod:
    """RFC 6749 §2.3.1: ``client_id`` and ``client_secret`` in the form body."""

    def authenticate(query_client, request) -> Client | None:
        client_id = request.form.get("client_id")
        secret = request.form.get("client_secret")
        if not client_id or not secret:
            return None
        return _check_secret(registry, client_id, secret, AuthMethod.CLIENT_SECRET_POST)

    return authenticate
