"""``make demo``: the narrated migration on local processes (``--docker``: on compose).

Starts what it needs, tells phases 0-6 (6 when node-oidc-provider is installed), and stops everything it started — also on Ctrl-C
or failure — unless ``--keep`` (``make demo KEEP=1``) leaves a successful run's services up
for ``make down`` to stop. ``--projector`` (``make demo PROJECTOR=1``) stops before each
phase (``projector.py``). Exits non-zero if any step misbehaves.
"""

from __future__ import annotations

import sys
import time

from rich.console import Console

from . import agent_sdk, second_as
from .narration import DemoFailure, Narrator
from .projector import pauser
from .stack import LocalStack, StackError
from .stopwatch import Stopwatch


def main(argv: list[str]) -> int:
    console = Console()
    started = time.monotonic()
    stopwatch = Stopwatch.from_env()  # DEMO_TIMINGS=1: a table of time per step at the end
    if "--docker" in argv:
        from .docker_stack import DockerStack

        runtime = DockerStack()
    else:
        runtime = LocalStack()
    keep = False
    try:
        with console.status("Generating demo credentials and starting the services..."):
            stopwatch.lap("credentials")
            runtime.bootstrap()
            if isinstance(runtime, LocalStack) and second_as.installed():
                second_as.SecondAs(runtime).prepare()  # phase 6 edits the trust file
            stopwatch.lap("start the services")
            runtime.start()
        if isinstance(runtime, LocalStack):
            agent_sdk.load_in_background()  # while phases 0-4 wait on HTTP, for phase 5
        narrator = Narrator(runtime, console, stopwatch=stopwatch)
        if "--projector" in argv:
            narrator.pause = pauser(console)
        narrator.run()
        keep = "--keep" in argv
    except (DemoFailure, StackError) as exc:
        console.print(f"[bold red]demo failed:[/] {exc}")
        return 1
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/]")
        return 130
    finally:
        if not keep:
            stopwatch.lap("stop the services")
            with console.status("Stopping the services..."):
                runtime.close()
        stopwatch.report(console)
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
