"""``make demo``: the narrated migration on local processes (``--docker``: on compose).

Starts what it needs, tells phases 0-5, and stops everything it started — also on Ctrl-C
or failure — unless ``--keep`` (``make demo KEEP=1``) leaves a successful run's services up
for ``make down`` to stop. Exits non-zero if any step misbehaves.
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
    keep = False
    try:
        with console.status("Generating demo credentials and starting the services..."):
            runtime.bootstrap()
            runtime.start()
        Narrator(runtime, console).run()
        keep = "--keep" in argv
    except (DemoFailure, StackError) as exc:
        console.print(f"[bold red]demo failed:[/] {exc}")
        return 1
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/]")
        return 130
    finally:
        if not keep:
            with console.status("Stopping the services..."):
                runtime.close()
    console.print(f"[green]Demo finished in {time.monotonic() - started:.0f} s.[/]")
    if keep:
        inventory = runtime.urls["inventory_service"]
        console.print(
            f"The services are still up. Migration dashboard: {inventory}/admin/dashboard"
        )
        console.print(f"Stop them with: {runtime.stop_command}")
    else:
        console.print(
            "The services have stopped. Run it again any time: make demo"
            " (make demo KEEP=1 leaves them up; make up starts them for hands-on work)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
