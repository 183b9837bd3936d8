"""Every shell command in the README's "Quick start" and "How it works" runs here, so the
docs cannot drift. A ``bash`` block followed by a ``json`` block must print JSON with the
documented keys and the documented values (numbers, ids and elided ``…`` values aside); a
``text`` block after a curl must match line by line up to each line's first colon, and one
after any other command (the ``make demo`` sample) must appear in its output, in order.

``make test`` is the one command not run: it is the command running this test.
"""

from __future__ import annotations

import json

from tests.support.docs import blocks, missing_lines, run_bash_blocks
from tests.support.processes import ROOT

VOLATILE = {"jti", "access_token"}


def documented_matches(documented, actual, path="$") -> list[str]:
    if isinstance(documented, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"[:200]]
        problems = []
        for key, value in documented.items():
            if key not in actual:
                problems.append(f"{path}.{key} is documented but missing")
            elif key not in VOLATILE:
                problems += documented_matches(value, actual[key], f"{path}.{key}")
        return problems
    if isinstance(documented, list) and documented and isinstance(documented[0], dict):
        return [] if isinstance(actual, list) else [f"{path}: expected a list"]
    if isinstance(documented, bool | str | list) and not (
        isinstance(documented, str) and "…" in documented
    ):
        return (
            [] if documented == actual else [f"{path}: documented {documented!r}, got {actual!r}"]
        )
    return []


def test_readme_commands_run_and_print_what_the_readme_shows():
    doc = blocks((ROOT / "README.md").read_text(), ("## Quick start", "## How it works"))
    outputs = run_bash_blocks(doc, skip=("make test",))

    problems = []
    for i, output in outputs.items():
        if i + 1 >= len(doc):
            continue
        lang, documented = doc[i + 1]
        lines = [line for line in output.splitlines() if line.strip()]
        if lang == "json":
            try:
                actual = json.loads(lines[-1]) if lines else None
            except json.JSONDecodeError:
                actual = None
            problems += [
                f"block {i}: {p}" for p in documented_matches(json.loads(documented), actual)
            ]
        elif lang == "text" and doc[i][1].strip().startswith("curl"):
            want = [line.split(":", 1)[0] for line in documented.splitlines() if line.strip()]
            got = [line.split(":", 1)[0] for line in lines]
            if [w.lower() for w in want] != [g.lower() for g in got]:
                problems.append(f"block {i}: documented headers {want}, got {got}")
        elif lang == "text":  # a narrated sample, e.g. `make demo`'s (abridged)
            problems += [
                f"block {i}: not printed: {line}" for line in missing_lines(documented, output)
            ]
    assert not problems, "\n".join(problems)
