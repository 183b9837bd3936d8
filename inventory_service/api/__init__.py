"""The Inventory API itself: stock levels and reservations over REST.

``stock`` is the domain (the store, its errors, and the validation of a reservation that
REST and MCP share), ``schema`` its tables, ``routes`` the HTTP surface, ``cli`` the
``flask --app inventory_service stock ...`` commands.
"""
