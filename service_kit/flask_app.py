"""The Flask app every service starts from: one log format, a body-size cap, its edge.

Three services built this the same way by hand; one function keeps them from drifting (a
service that forgets the Authlib line would log whole tokens at DEBUG).
"""

from __future__ import annotations

import logging

from flask import Flask

from . import edge

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def new_app(
    import_name: str, *, log_level: str, max_body: int, edge_settings: edge.EdgeSettings
) -> Flask:
    """A Flask app that refuses bodies over ``max_body`` bytes (413) and answers only for its
    own hosts behind the configured proxies (``edge.install``).

    Logging is configured only when nothing has configured it yet (gunicorn, pytest), and
    Authlib never logs below INFO: at DEBUG it prints every token it issues or parses.
    """
    if not logging.getLogger().handlers:
        logging.basicConfig(level=log_level, format=LOG_FORMAT)
    logging.getLogger("authlib").setLevel(logging.INFO)
    app = Flask(import_name)
    app.config["MAX_CONTENT_LENGTH"] = max_body
    edge.install(app, edge_settings)
    return app
