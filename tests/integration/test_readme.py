"""Every shell command in the README's "Quick start" and "How it works" runs here, so the
docs cannot drift. A ``bash`` block followed by a ``json`` block must print JSON with the
documented keys and the documented values (numbers, ids and elided ``…`` values aside); a
following ``text`` block must match line by line up to each line's first colon.

``make test`` is the one command not run: it is the command running this test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess

from tests.support.processes import ROOT

MARK = "@@README-BLOCK-{}@@"
VOLATILE = {"jti", "access_token"}


def readme_blocks() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text()
    blocks = []
    for title in ("## Quick start", "## How it works"):
        start = text.index(title)
        end = text.find("\n## ", start + len(title))
        section = text[start : end if end != -1 else None]
        blocks += re.findall(r"```(\w+)\n(.*?)```", section, flags=re.S)
    return blocks


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
    blocks = readme_blocks()
    script = ["set -euo pipefail"]
    runnable = []
    for i, (lang, code) in enumerate(blocks):
        if lang != "bash":
            continue
        lines = [line for line in code.splitlines() if line.strip() != "make test"]
        script += [f"echo {MARK.format(i)}", *lines]
        runnable.append(i)
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("AUTH_", "INVENTORY_", "ORDER_"))
    }
    try:
        result = subprocess.run(
            ["bash", "-c", "\n".join(script)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        subprocess.run(["make", "down"], cwd=ROOT, capture_output=True)
    assert result.returncode == 0, (
        f"README commands failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )

    outputs = {}
    parts = re.split(r"@@README-BLOCK-(\d+)@@\n", result.stdout)
    for index, output in zip(parts[1::2], parts[2::2], strict=True):
        outputs[int(index)] = output
    assert sorted(outputs) == runnable

    problems = []
    for i in runnable:
        if i + 1 >= len(blocks):
            continue
        lang, documented = blocks[i + 1]
        lines = [line for line in outputs[i].splitlines() if line.strip()]
        if lang == "json":
            try:
                actual = json.loads(lines[-1]) if lines else None
            except json.JSONDecodeError:
                actual = None
            problems += [
                f"block {i}: {p}" for p in documented_matches(json.loads(documented), actual)
            ]
        elif lang == "text" and blocks[i][1].strip().startswith("curl"):
            want = [line.split(":", 1)[0] for line in documented.splitlines() if line.strip()]
            got = [line.split(":", 1)[0] for line in lines]
            if [w.lower() for w in want] != [g.lower() for g in got]:
                problems.append(f"block {i}: documented headers {want}, got {got}")
    assert not problems, "\n".join(problems)
