"""The Inventory API itself: stock levels and reservations over REST.

``stock`` is the domain: the ``StockStore`` interface and its SQLite implementation, the
errors, and the validation of a reservation that REST and MCP share. ``schema`` holds its
tables, ``routes`` the HTTP surface, ``cli`` the ``flask --app inventory_service stock ...``
commands, ``security_headers`` the hardening of the HTML pages.
"""
