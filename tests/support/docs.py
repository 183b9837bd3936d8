"""Run the shell blocks of a Markdown document, in order, in one bash, and compare what they
print with the sample output documented right after them.

Shared by the README and workshop tests, so that "every command in the docs is executed"
means the same thing for both. Samples may be abridged: documented lines must appear in the
real output in the same order, whatever the line wrapping and spacing, with timestamps and
``…``/``...`` standing for any value.
"""

from __future__ import annotations

import os
import re
import subprocess

from .processes import ROOT

MARK = "@@DOC-BLOCK-{}@@"
BOX = re.compile(r"[─━│┃╭╮╰╯┏┓┗┛┡┩╇╈┳┻┼┬┴├┤└┘┌┐]")


def blocks(markdown: str, sections: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    """The fenced blocks as (language, code), of the given ``## `` sections or of all."""
    if sections is None:
        return re.findall(r"```(\w+)\n(.*?)```", markdown, flags=re.S)
    found = []
    for title in sections:
        start = markdown.index(title)
        end = markdown.find("\n## ", start + len(title))
        section = markdown[start : end if end != -1 else None]
        found += re.findall(r"```(\w+)\n(.*?)```", section, flags=re.S)
    return found


def run_bash_blocks(
    doc_blocks: list[tuple[str, str]], skip: tuple[str, ...] = (), timeout: float = 300
) -> dict[int, str]:
    """Run every ``bash`` block (lines in ``skip`` left out) in one shell with ``set -e``,
    as a reader pasting them one after another would; stop the ``make up`` stack after.
    Returns each block's output by index; fails with the output tail if a command failed."""
    script = ["set -euo pipefail"]
    runnable = []
    for i, (lang, code) in enumerate(doc_blocks):
        if lang != "bash":
            continue
        lines = [line for line in code.splitlines() if line.strip() not in skip]
        script += [f"echo {MARK.format(i)}", *lines]
        runnable.append(i)
    # The docs' commands must not lean on a service setting from the test's environment.
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
            timeout=timeout,
        )
    finally:
        subprocess.run(["make", "down"], cwd=ROOT, capture_output=True)
    assert result.returncode == 0, (
        f"documented commands failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    parts = re.split(r"@@DOC-BLOCK-(\d+)@@\n", result.stdout)
    outputs = {int(i): out for i, out in zip(parts[1::2], parts[2::2], strict=True)}
    assert sorted(outputs) == runnable
    return outputs


def _pattern(line: str) -> re.Pattern:
    """A documented line as a regex: any white space between characters (wrapping and JSON
    spacing differ, words do not), five digits or more for any number (timestamps), ``…`` for
    anything; shorter numbers (status codes, counts) must match."""
    chunks = []
    for token in re.findall(r"…|\.\.\.|\d+|\S", line):
        if token in ("…", "..."):
            chunks.append(".*?")
        else:
            chunks.append(r"\d+" if token.isdigit() and len(token) >= 5 else re.escape(token))
    return re.compile(r"\s*".join(chunks), flags=re.S | re.I)  # HTTP headers: any case


def missing_lines(documented: str, actual: str) -> list[str]:
    """Documented lines that do not appear, in order, in ``actual`` (see the module doc)."""
    text = BOX.sub(" ", actual)
    position, missing = 0, []
    for line in documented.splitlines():
        line = BOX.sub(" ", line).strip()
        if not line:
            continue
        match = _pattern(line).search(text, position)
        if match:
            position = match.end()
        else:
            missing.append(line)
    return missing
