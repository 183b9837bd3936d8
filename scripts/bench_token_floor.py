"""What an ES256 token costs the AS above its floor, both measured in the same rounds.

The floor is the same gunicorn gthread server, workers, wrk load and Flask app answering
``GET /healthz`` (one key-manifest ``stat``, a small JSON body): what any request costs before
the AS does OAuth work. A token's server CPU minus that floor is the token endpoint's own
work (``as_token_cpu_above_floor_us``). The two loads alternate, floor then token, in paired
rounds on one server, and each round's difference counts; the median of the rounds drops the
one a neighbour's burst spoiled (the floor alone read 387 to 640 µs in runs an hour apart).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .bench_load import load

if TYPE_CHECKING:
    from .bench import Bench

AS = "auth_server"


def measure(bench: Bench, headers: dict[str, str], body: str) -> None:
    """Paired floor/token rounds on the running AS (ES256); figures into ``bench.results``."""
    stack = bench.stack
    token = {"method": "POST", "headers": headers, "body": body}
    load(stack, AS, "/oauth/token", min(1, bench.seconds), **token)  # warm-up
    floors, totals = [], []
    for _ in range(bench.ratio_rounds):
        floor = load(stack, AS, "/healthz", bench.ratio_seconds)
        issued = load(stack, AS, "/oauth/token", bench.ratio_seconds, **token)
        bench.record("as_healthz_floor", floor)
        bench.record("as_es256", issued)
        if floor.server_cpu_us_per_request is not None:
            floors.append(floor.server_cpu_us_per_request)
            totals.append(issued.server_cpu_us_per_request)
    results = bench.results
    if not floors:  # no process-CPU source on this machine: say so, never a fake figure
        results["as_floor_server_cpu_us_per_request"] = None
        results["as_token_cpu_total_us"] = None
        results["as_token_cpu_above_floor_us"] = None
        return
    above = sorted(t - f for t, f in zip(totals, floors, strict=True))
    results["as_floor_server_cpu_us_per_request"] = sorted(floors)[len(floors) // 2]
    results["as_token_cpu_total_us"] = sorted(totals)[len(totals) // 2]
    results["as_token_cpu_above_floor_us"] = above[len(above) // 2]
    results["as_token_cpu_above_floor_per_round"] = list(zip(totals, floors, strict=True))
