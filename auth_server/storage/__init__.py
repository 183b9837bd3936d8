"""Storage of the authorization server, behind one small Protocol per concern.

- ``interfaces``: the Protocols (clients, token revocations, spent assertions, signing keys,
  the failed-authentication budget) and the records they exchange.
- ``schema``: every table, declared once.
- ``sqlite``: clients, revocations and spent assertions in the shared SQLite file, with
  ``client_cache`` keeping client records per thread until the database changes.
- ``throttle``: the failure budget, ``limits``' fixed window over the same SQLite file.
- ``pem_keys``: signing keys as PEM files and a manifest in the data directory.
"""
