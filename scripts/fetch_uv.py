"""``make install``'s uv, pinned, into ``<venv>/bin`` in about 2 s instead of pip's 4-5 s.

Run by the base Python (standard library and its pip only) before anything is installed.
``pip install uv==X`` spends most of its time judging the ~6,000 files of uv's index page
(every release for every platform) against this machine's tags. Here the index page is
read once as JSON (PEP 691) and cut down to the pinned version's wheels; pip then picks the
one wheel that fits this platform from that short list, downloads it and checks its sha256
(given by the index), and the ``uv`` binary is taken out of the wheel. On any failure this
exits non-zero and ``scripts/install.sh`` falls back to ``pip install uv==X``.

usage: python3 scripts/fetch_uv.py VERSION BIN_DIR
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from html import escape
from pathlib import Path

INDEX = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").rstrip("/")
PEP_691_JSON = "application/vnd.pypi.simple.v1+json"


def wheel_links(version: str, index: str = INDEX) -> str:
    """An HTML page (pip's ``--find-links`` format) listing only ``uv==version``'s wheels."""
    # The index pip would use (a file:// mirror too): the URL is the user's own setting.
    request = urllib.request.Request(f"{index}/uv/", headers={"Accept": PEP_691_JSON})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        files = json.load(response)["files"]
    links = [
        f'<a href="{escape(f["url"])}#sha256={f["hashes"]["sha256"]}">{escape(f["filename"])}</a>'
        for f in files
        if f["filename"].startswith(f"uv-{version}-") and f["filename"].endswith(".whl")
        and "sha256" in f.get("hashes", {})
    ]  # fmt: skip
    if not links:
        raise SystemExit(f"fetch_uv: no wheel of uv {version} on {index}")
    return "<html><body>\n" + "\n".join(links) + "\n</body></html>\n"


def main(version: str, bin_dir: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp, "links.html")
        page.write_text(wheel_links(version))
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-qq", "--no-deps", "--only-binary", ":all:",
             "--no-index", "--find-links", str(page), "--dest", tmp, f"uv=={version}"],
            check=True,
        )  # fmt: skip
        (wheel,) = Path(tmp).glob("uv-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            name = f"uv-{version}.data/scripts/uv"
            binary = bin_dir / "uv"
            partial = bin_dir / ".uv.partial"
            with archive.open(name) as src, partial.open("wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
            partial.chmod(0o755)
            partial.replace(binary)  # never a half-written uv on the PATH


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
