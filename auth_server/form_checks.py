"""Strict checks on form-encoded OAuth requests, made before Authlib sees them.

Authlib reads parameters from the query string and the body alike and keeps the first of
duplicated parameters. OAuth wants stricter: parameters only in a form-encoded POST body
(RFC 6749 §3.2, OAuth 2.1 §3.2), none repeated (§3.2), UTF-8 (Appendix B), one client
authentication method per request (§2.3). Anything else is ``invalid_request``.

The body is parsed once: the pairs checked here become ``request.form``, so neither werkzeug
nor Authlib parses it a second time (about 50 µs per token, docs/performance.md, "Token endpoint").
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from authlib.oauth2.rfc6749 import InvalidRequestError
from flask import Request
from werkzeug.datastructures import ImmutableMultiDict

MAX_FORM_BYTES = 16 * 1024
REPEATABLE = {"resource"}  # RFC 8707 §2 allows several; the grant then decides


class MethodNotAllowed(InvalidRequestError):
    status_code = 405

    def get_headers(self):
        return [*super().get_headers(), ("Allow", "POST")]


def check_form_request(request: Request) -> None:
    if request.method != "POST":
        raise MethodNotAllowed("Use POST with an application/x-www-form-urlencoded body.")
    if request.query_string:
        raise InvalidRequestError("Parameters belong in the request body, not the URL.")
    if request.mimetype != "application/x-www-form-urlencoded":
        raise InvalidRequestError("The body must be application/x-www-form-urlencoded.")
    if request.content_length is not None and request.content_length > MAX_FORM_BYTES:
        raise InvalidRequestError("The request body is too large.")
    raw = request.get_data(cache=True)
    if len(raw) > MAX_FORM_BYTES:
        raise InvalidRequestError("The request body is too large.")
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequestError("The request body must be UTF-8.") from None
    seen: set[str] = set()
    for name, _ in pairs:
        if name in seen and name not in REPEATABLE:
            raise InvalidRequestError(f"Parameter '{name}' is repeated.")
        seen.add(name)
    has_header = "Authorization" in request.headers
    in_body = {"client_secret", "client_assertion"} & seen
    if (has_header and in_body) or len(in_body) > 1:
        raise InvalidRequestError("Use exactly one client authentication method.")
    # Hand werkzeug the form it would have built from the same bytes (``form`` is a
    # cached_property: it parses only when nothing is stored yet). ``files`` stays empty,
    # as it is for every urlencoded body.
    request.form = request.parameter_storage_class(pairs)
    request.files = ImmutableMultiDict()
