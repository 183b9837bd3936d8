"""The MCP SDK's client, imported ahead of the demo's first agent.

``LocalStack.run_agent`` runs ``scripts.agent`` in the demo's own process, so the SDK's
import (about a second of CPU) is paid once. The demo starts that import in the background
once its services are up: phases 0 to 4 mostly wait on HTTP, so the import takes a core
that would idle, instead of running alone when phase 5 needs the first agent.
``run_agent``'s own import waits for it (the import lock), and re-raises its error if it
failed.
"""

from __future__ import annotations

import importlib
import threading


def load_in_background() -> threading.Thread:
    """Start importing ``scripts.agent``; the thread is returned for whoever wants to wait."""
    loader = threading.Thread(
        target=importlib.import_module, args=("scripts.agent",), name="agent-sdk-import"
    )
    loader.start()
    return loader
