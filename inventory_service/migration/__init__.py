"""Migration tooling: what the move from API keys to tokens needs beyond authentication.

Usage recording: ``usage`` (one record per decision), ``ledger`` and ``usage_detail`` (the
``UsageLedger`` and ``UsageDetailStore`` interfaces and their SQLite implementations) and
``flusher`` (their one writer). Then, by the README's phases: finding keys (``key_scan``,
phase 0), right-sizing scopes (``scope_audit``, phase 1), the cutoff with its brownouts
(``cutoff``, phase 3), deleting the key hashes (``purge``, phase 4), and the cockpit that
shows it all (``cockpit``, ``chart``, ``routes``), with its commands in ``cli``. Its tables
are in ``schema``. With ``INVENTORY_DATABASE_URL`` each store has a PostgreSQL twin
(``postgres_*``) so every replica's traffic lands in one set of rows; ``stores`` picks the
engine.
"""
