"""The resource server: who is calling, and may they? Shared by the REST API and MCP.

``policy`` (the token rules, one frozen object), ``tokens`` and ``jwks`` (RFC 9068 JWT
validation and the issuer's keys), ``bearer`` (RFC 6750 header parsing and challenges),
``introspection`` (RFC 7662 for admin tokens), ``modes`` (auth modes and credential kinds),
``flags`` and ``api_keys`` (the ``AuthModeStore`` and ``ApiKeyStore`` interfaces with
their SQLite implementations), ``decision`` (the result every check returns),
``authenticator`` and ``require`` (the Flask side), ``admin`` and ``cli`` (flipping modes,
managing keys), ``schema`` (its tables).
"""
