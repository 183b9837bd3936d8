"""``scripts/fetch_uv.py`` against a real (local) package index: only the pinned version's
wheels are offered to pip, the sha256 the index gives is enforced, and the binary lands in
the bin dir whole and executable."""

import hashlib
import io
import json
import re
import subprocess
import sys
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
#: make install runs it with the base Python, which has pip (the venv has none).
BASE_PYTHON = getattr(sys, "_base_executable", sys.executable)
BINARY = b"#!/bin/sh\necho uv 9.9.9\n"


def _wheel(version: str) -> bytes:
    """The same bytes on every call (fixed timestamps), so its sha256 is stable."""
    info = f"uv-{version}.dist-info"
    members = {
        f"uv-{version}.data/scripts/uv": BINARY,
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: uv\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: py3-none-any\n",
        f"{info}/RECORD": "",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as whl:
        for name, data in members.items():
            whl.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


@pytest.fixture
def index():
    """A PEP 691 index with uv 9.9.9 and 9.9.8 wheels, an sdist, and a file without a hash."""
    files: dict[str, bytes] = {
        "uv-9.9.9-py3-none-any.whl": _wheel("9.9.9"),
        "uv-9.9.8-py3-none-any.whl": _wheel("9.9.8"),
        "uv-9.9.9.tar.gz": b"not a wheel",
    }
    served = {"hashes": {}, "requested": []}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            served["requested"].append(self.path)
            if self.path == "/simple/uv/":
                base = f"http://127.0.0.1:{self.server.server_port}/files"
                listing = [
                    {"filename": name, "url": f"{base}/{name}",
                     "hashes": {"sha256": served["hashes"].get(name, hashlib.sha256(body).hexdigest())}}
                    for name, body in files.items()
                ] + [{"filename": "uv-9.9.9-py3-none-win32.whl", "url": f"{base}/x", "hashes": {}}]  # fmt: skip
                body = json.dumps({"meta": {"api-version": "1.0"}, "files": listing}).encode()
            elif self.path.startswith("/files/") and self.path[7:] in files:
                body = files[self.path[7:]]
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    served["url"] = f"http://127.0.0.1:{server.server_port}/simple"
    yield served
    server.shutdown()


def test_pip_is_offered_only_the_pinned_versions_wheels_with_their_hashes(index):
    from scripts.fetch_uv import wheel_links

    page = wheel_links("9.9.9", index["url"])
    wheel = hashlib.sha256(_wheel("9.9.9")).hexdigest()
    assert page.count("<a ") == 1
    assert f'/files/uv-9.9.9-py3-none-any.whl#sha256={wheel}">uv-9.9.9-py3-none-any.whl</a>' in page
    with pytest.raises(SystemExit, match=re.escape(f"no wheel of uv 1.0.0 on {index['url']}")):
        wheel_links("1.0.0", index["url"])


def _fetch(index, bin_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [BASE_PYTHON, str(ROOT / "scripts" / "fetch_uv.py"), "9.9.9", str(bin_dir)],
        env={"PATH": "/usr/bin:/bin", "PIP_INDEX_URL": index["url"],
             "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_CACHE_DIR": "1"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_the_pinned_wheel_is_fetched_and_its_binary_installed(index, tmp_path):
    result = _fetch(index, tmp_path)
    assert result.returncode == 0, result.stderr
    uv = tmp_path / "uv"
    assert uv.read_bytes() == BINARY and uv.stat().st_mode & 0o777 == 0o755
    assert subprocess.run([uv], capture_output=True, text=True).stdout == "uv 9.9.9\n"
    downloads = [path for path in index["requested"] if path.startswith("/files/")]
    assert downloads == ["/files/uv-9.9.9-py3-none-any.whl"]  # never the other version
    assert not (tmp_path / ".uv.partial").exists()


def test_a_wheel_that_does_not_match_the_index_hash_is_refused(index, tmp_path):
    index["hashes"]["uv-9.9.9-py3-none-any.whl"] = "0" * 64
    result = _fetch(index, tmp_path)
    assert result.returncode != 0
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in result.stderr
    assert not (tmp_path / "uv").exists()
