"""``make demo``: the narrated migration on local processes (``--docker``: on compose).

Starts what it needs, tells phases 0-3, and stops everything it started — also on Ctrl-C
or failure. Exits non-zero if any step misbehaves.
"""

from __future__ import annotations

import sys
import time

from rich.console import Console

from .narration import DemoFailure, Narrator
from .stack import LocalStack, StackError


def main(argv: list[str]) -> int:
    console = Console()
    started = time.monotonic()
    if "--docker" in argv:
        from .docker_stack import DockerStack

        runtime = DockerStack()
    else:
        runtime = LocalStack()
    try:
        with console.status("Generating demo credentials and starting the services..."):
            runtime.bootstrap()
            runtime.start()
        Narrator(runtime, console).run()
    except (DemoFailure, StackError) as exc:
        console.print(f"[bold red]demo failed:[/] {exc}")
        return 1
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/]")
        return 130
    finally:
        with console.status("Stopping the services..."):
            runtime.close()
    console.print(
        f"[green]Demo finished in {time.monotonic() - started:.0f} s.[/] Run it again any time: make demo"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
