"""Plumbing every service needs, kept once: the services meet only over HTTP and import
this kit, never each other.

- ``settings``: reading ``<PREFIX>_*`` environment variables, errors that name the variable.
- ``sqlite``: one connection per thread, WAL, ``BEGIN IMMEDIATE`` transactions, data version.
- ``versioned``: a per-thread snapshot re-read only when the database changed.
- ``private_files``: data files only the service's own user can read.
- ``problem``: RFC 9457 ``application/problem+json`` responses.
- ``prometheus``: the metrics exposition, summed across gunicorn workers.
- ``gunicorn``: ``python -m <service>`` — prepare, then exec gunicorn with the shared hooks.
- ``discovery``: where an authorization server publishes its metadata (RFC 8414, OIDC).
- ``edge``: trusted proxies (the caller's address, where a service may listen) and the
  Host allow-list.
- ``flask_app``: the Flask app each service starts from (log format, body cap, its edge).
"""
