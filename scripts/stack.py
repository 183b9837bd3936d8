"""``python -m scripts.stack up|restart|down|env|order-auth``: the commands behind ``make up``.

The stack itself is ``LocalStack`` (``local_stack.py``); this module is its command line,
and re-exports what scripts and tests use beside it.
"""

from __future__ import annotations

import shlex
import sys

from . import stack_health
from .local_stack import ORDER_AUTH_FILE, PORTS, LocalStack, StackError
from .process_groups import free_ports, live_workers

__all__ = ["PORTS", "LocalStack", "StackError", "free_ports", "live_workers", "main"]


def main(argv: list[str], stack: LocalStack | None = None) -> int:
    stack = stack or LocalStack()
    command = argv[0] if argv else ""
    if command in ("up", "restart"):
        keep = command == "restart" or "--keep-data" in argv[1:]
        return _up(stack, keep_data=keep, restart=command == "restart")
    if command in ("env", "order-auth"):
        problem = stack_health.refusal(stack.state, stack.urls)
        if problem:
            print(problem, file=sys.stderr)
            return 1
    if command == "env":
        # For hands-on shells: eval "$(.venv/bin/python -m scripts.stack env)"
        creds = stack.credentials()
        names = {
            "ORDER_KEY": creds["api_keys"]["order-service"],
            "REPORTING_KEY": creds["api_keys"]["reporting-job"],
            "ORDER_SECRET": creds["client_secrets"]["order-service"],
            "READER_SECRET": creds["client_secrets"]["catalog-reader"],
            "ADMIN_SECRET": creds["client_secrets"]["platform-admin"],
            "AGENT_SECRET": creds["agents"]["inventory-agent"]["client_secret"],
        }
        for name, value in names.items():
            print(f"export {name}={shlex.quote(value)}")
        return 0
    if command == "order-auth" and argv[1:] in (["oauth"], ["api_key"]):
        # `make order-oauth` / `make order-api-key`: redeploy only Order, as in phase 2.
        try:
            stack.set_order_auth(argv[1])
            (stack.state / ORDER_AUTH_FILE).write_text(argv[1])  # `make restart` keeps it
        except StackError as exc:
            print(f"make order-{argv[1].replace('_', '-')}: {exc}", file=sys.stderr)
            return 1
        print(f"Order restarted with ORDER_AUTH={argv[1]} on port {stack.ports['order_service']}.")
        return 0
    if command == "down":
        if stack.state.exists():
            stack.stop_recorded()
        print("stopped")
        return 0
    print(
        "usage: python -m scripts.stack up [--keep-data]|restart|down|env|order-auth oauth|api_key",
        file=sys.stderr,
    )
    return 2


def _up(stack: LocalStack, keep_data: bool, restart: bool) -> int:
    """``make up`` (fresh credentials and data, phase 0), ``make up KEEP_DATA=1`` (the data
    dirs and credentials as they are) and ``make restart`` (stop, then the same)."""
    target = "make restart" if restart else "make up"
    if keep_data and not (stack.state / "credentials.json").exists():
        print(f"{target}: no stack data in {stack.state}; run `make up` first.", file=sys.stderr)
        return 1
    try:
        if restart:
            stack.stop_recorded()
        stack.bootstrap(fresh=not keep_data)
        order_auth = stack.state / ORDER_AUTH_FILE  # gone with the data of a fresh `make up`
        stack.start(order_auth.read_text() if order_auth.exists() else "api_key")
        stack.close_clis()
    except StackError as exc:
        stack.close()
        print(f"{target}: {exc}", file=sys.stderr)
        return 1
    kept = " on their existing data" if keep_data else ""
    print(
        f"Auth 9000, Inventory 9001, Order 9002, MCP 9003 are up{kept}."
        " Credentials: .demo/credentials.json"
    )
    print(f"Dashboard: {stack.urls['inventory_service']}/admin/dashboard  ·  stop with: make down")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
