"""Which services of a local stack answer, and what the ones that do not say.

``make order-oauth``, ``make restart`` and friends report per service instead of one
"no stack": during an AS outage the operator is told that the AS is down (and that Order's
redeploy goes ahead), not that nothing runs. ``/healthz`` is readiness, so a service that
answers 503 is reported with its own reason (e.g. a database that takes no writes).
"""

from __future__ import annotations

import sys
from pathlib import Path

import requests

NAMES = {
    "auth_server": "Auth server",
    "inventory_service": "Inventory",
    "order_service": "Order",
    "inventory_service.mcp": "Inventory MCP server",
}


def problem_of(url: str) -> str | None:
    """``None`` when ``url``/healthz answers 200, else what is wrong, in a few words."""
    try:
        resp = requests.get(f"{url}/healthz", timeout=2)
    except requests.RequestException:
        return "not answering"
    if resp.status_code == 200:
        return None
    try:
        detail = resp.json().get("detail")
    except ValueError:
        detail = None
    return f"not ready (HTTP {resp.status_code}{': ' + detail if detail else ''})"


def down(urls: dict[str, str]) -> dict[str, str]:
    """Each service whose ``/healthz`` is not 200, with what is wrong with it."""
    found = {package: problem_of(url) for package, url in urls.items()}
    return {package: problem for package, problem in found.items() if problem}


def describe(urls: dict[str, str], problems: dict[str, str]) -> str:
    """One line per service that is down: name, port, what is wrong."""
    return "\n".join(
        f"  {NAMES.get(package, package)} ({urls[package].rsplit(':', 1)[-1]}): {problem}"
        for package, problem in problems.items()
    )


def refusal(state: Path, urls: dict[str, str]) -> str | None:
    """Why a command on the running stack cannot go ahead, or ``None``. Services that are
    down are named on stderr and the command goes ahead: Order's redeploy needs none of
    them to start."""
    if not (state / "credentials.json").exists():
        return "No stack is running: run `make up` first."
    problems = down(urls)
    if len(problems) == len(urls):
        return "No service of the stack answers: run `make restart` (keeps the data) or `make up`."
    if problems:
        print(f"Some services of the stack are down:\n{describe(urls, problems)}", file=sys.stderr)
    return None
