"""Start each service N times on a fresh data dir with several workers, and count the starts
in which a worker died or the log says "database is locked".

    .venv/bin/python -m scripts.start_loop 50 --workers 4

Uses the same start-up check as ``make up`` (every worker booted, see ``scripts/stack.py``),
on free ports under a temporary directory, so it can run beside a ``make up`` stack.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from .stack import PORTS, LocalStack, StackError, free_ports


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=50)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(argv)
    bad = {package: 0 for package in PORTS}
    for i in range(args.n):
        with tempfile.TemporaryDirectory() as tmp:
            state = Path(tmp)
            ports = dict(zip(PORTS, free_ports(len(PORTS)), strict=True))
            stack = LocalStack(state=state, ports=ports, workers=args.workers)
            stack.bootstrap()
            for package in ports:
                try:
                    stack.start_service(package)
                except StackError as exc:
                    bad[package] += 1
                    print(f"start {i + 1}: {exc}", file=sys.stderr)
            stack.close()
            for package in ports:
                log = state / f"{package}.log"
                if log.exists() and "database is locked" in log.read_text(errors="replace"):
                    bad[package] += 1
                    print(f"start {i + 1}: {package}: database is locked", file=sys.stderr)
    for package, count in bad.items():
        print(f"{package}: {args.n} starts with {args.workers} workers, {count} bad")
    return 1 if any(bad.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
