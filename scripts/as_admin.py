"""The AS's admin commands on the `make up` stack: ``python -m scripts.as_admin clients list``.

``flask --app auth_server ...`` needs the AS's own settings (``AUTH_ISSUER``,
``AUTH_DATA_DIR``...); typed by hand they are easy to get wrong, and a wrong data dir means
a second, empty AS. This entry point runs the same command with exactly the environment
``make up`` gave the AS, so what the audit, the dashboard and the docs print runs as
printed. Without a stack it says so and runs nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from scripts.stack import LocalStack

FLASK = Path(sys.executable).with_name("flask")


def main(argv: list[str]) -> int:
    stack = LocalStack()
    if not (stack.state / "credentials.json").exists():
        print(
            "as_admin: no `make up` stack here (no .demo/credentials.json): run `make up` first."
            " For another AS, use `flask --app auth_server ...` with its AUTH_* settings.",
            file=sys.stderr,
        )
        return 1
    env = {**os.environ, **stack.env("auth_server")}
    return subprocess.run([FLASK, "--app", "auth_server", *argv], env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
