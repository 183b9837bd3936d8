"""The OAuth code of the authorization server, one module per RFC, as Authlib lays out its own.

Authlib does the protocol work; these modules configure it for OAuth 2.1 machine-to-machine
use and override the defaults that are wrong for it:

- ``client_auth``: ``client_secret_basic`` and ``client_secret_post`` (RFC 6749 §2.3.1).
- ``private_key_jwt``: client assertions (RFC 7523), with ``jti`` replay refused.
- ``client_credentials``: the only grant (RFC 6749 §4.4), with RFC 8707 ``resource``.
- ``access_tokens``: RFC 9068 JWT access tokens, ``aud`` = the resource.
- ``issued_tokens``: reading a token this AS signed back, for introspection and revocation.
- ``introspection``: RFC 7662. ``revocation``: RFC 7009. ``registration``: RFC 7591.
- ``metadata``: RFC 8414 authorization server metadata.
- ``server``: Authlib's ``AuthorizationServer`` assembled from the above.

The HTTP routes are in ``auth_server/routes.py``; storage is reached only through the
Protocols of ``auth_server/storage/interfaces.py``.
"""
