"""Phase 0 (legacy), before anything moves: find where live API keys sit — files, env, logs.

A regular expression only proposes candidates (the ``ik_<key id>_<secret>`` shape); a
candidate counts as a *live key* only when its SHA-256 matches a stored, unrevoked hash
(compared in constant time, as ``resource_server/api_keys.py`` does). Look-alikes, test
fixtures and keys from another installation are therefore never reported, revoked keys are
counted but not reported, and the clear key is never printed: a finding names the place,
the key id and the owning client.

Only regular files are read: a FIFO or a device would block the scan forever, and a
symbolic link met while walking a tree is skipped (and listed) rather than followed, so a
scan stays inside the tree it was given; a path named on the command line is read even
when it is a link, because someone asked for it. ``printable`` escapes what a file name may
carry (newlines, terminal escapes) before a text report prints it.

Demo shortcut: only this service's key format is recognised; a real scanner would also
take the formats of the other systems being migrated.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from service_kit.sqlite import SqliteDatabase

# The shape resource_server/api_keys.py mints: "ik_", 12 hex digits, "_", token_urlsafe(32)
# (43 characters); not followed by more key characters, so a longer look-alike is not cut
# to size. Before it, only a letter or digit disqualifies: "--api-key-ik_..." and
# "KEY_ik_..." are keys glued to their option or variable name.
CANDIDATE = re.compile(r"(?<![A-Za-z0-9])ik_[0-9a-f]{12}_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")
# The same shape for files, read as bytes: the literal "ik_" first lets the regex engine
# skip ahead by its prefix search (the look-behind above turns that off: 7 MB/s instead of
# ~300), and the character before is checked by hand (``scan_bytes``). A key is ASCII, so bytes
# and text find the same keys; no line is decoded.
CANDIDATE_BYTES = re.compile(rb"ik_[0-9a-f]{12}_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")
_ALNUM = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
CHUNK_BYTES = 8 * 1024 * 1024  # a log of any size is read this much at a time
SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache"}
MAX_FILE_BYTES = 5 * 1024 * 1024  # larger files are skipped (and counted), logs excepted
LOG_GLOBS = ("*.log", "*.log.*")


@dataclass(frozen=True)
class Finding:
    location: str  # "path:line" or "env:NAME"
    key_id: str
    client_id: str


@dataclass
class ScanReport:
    findings: list[Finding] = field(default_factory=list)
    revoked: int = 0  # revoked keys seen (harmless, not reported by place)
    look_alikes: int = 0  # key-shaped strings matching no stored key
    files: int = 0
    bytes: int = 0  # of the files read
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "live_keys": [asdict(f) for f in self.findings],
            "revoked_keys_seen": self.revoked,
            "look_alikes_seen": self.look_alikes,
            "files_scanned": self.files,
            "bytes_scanned": self.bytes,
            "skipped": self.skipped,
        }


class KeyScanner:
    def __init__(self, db: SqliteDatabase) -> None:
        self.db = db
        self._verdicts: dict[str, tuple[str, str, str]] = {}
        self.report = ScanReport()

    def verdict(self, candidate: str) -> tuple[str, str, str]:
        """``("live" | "revoked" | "unknown", key_id, client_id)`` for one candidate."""
        if candidate not in self._verdicts:
            key_id = candidate.split("_")[1]
            row = self._stored(key_id)
            digest = hashlib.sha256(candidate.encode()).hexdigest()
            if row is None or not hmac.compare_digest(digest, row["key_hash"]):
                self._verdicts[candidate] = ("unknown", key_id, "")
            else:
                state = "revoked" if row["revoked"] else "live"
                self._verdicts[candidate] = (state, key_id, row["client_id"])
        return self._verdicts[candidate]

    def _stored(self, key_id: str) -> Mapping[str, Any] | None:
        """The stored key's hash, owner and revocation, revoked or not."""
        return (
            self.db.connection()
            .execute(
                "SELECT key_hash, client_id, revoked FROM api_keys WHERE key_id = ?", (key_id,)
            )
            .fetchone()
        )

    def scan_text(self, lines: Iterable[str], where: str) -> None:
        for number, line in enumerate(lines, 1):
            self._scan(line, f"{where}:{number}")

    def scan_env(self, environ: Mapping[str, str]) -> None:
        for name in sorted(environ):
            self._scan(environ[name], f"env:{name}")

    def _scan(self, text: str, location: str) -> None:
        for match in CANDIDATE.finditer(text):
            self._judge(match.group(), location)

    def _judge(self, candidate: str, location: str) -> None:
        state, key_id, client_id = self.verdict(candidate)
        if state == "live":
            self.report.findings.append(Finding(location, key_id, client_id))
        elif state == "revoked":
            self.report.revoked += 1
        else:
            self.report.look_alikes += 1

    def scan_bytes(self, chunk: bytes, where: str, first_line: int = 1) -> None:
        """Candidates in ``chunk`` (whole lines, the first numbered ``first_line``); line
        numbers are counted only up to each candidate, not for every line."""
        line, counted = first_line, 0
        for match in CANDIDATE_BYTES.finditer(chunk):
            start = match.start()
            if start and chunk[start - 1] in _ALNUM:
                continue  # glued to a longer word: not a key of ours (see CANDIDATE)
            line += chunk.count(b"\n", counted, start)
            counted = start
            self._judge(match.group().decode("ascii"), f"{where}:{line}")

    def _scan_stream(self, f, where: str) -> None:
        """A file in chunks cut after a newline, so no key is split and lines stay counted."""
        line, rest = 1, b""
        while block := f.read(CHUNK_BYTES):
            chunk = rest + block
            cut = chunk.rfind(b"\n") + 1
            if not cut:  # no line ends here yet: read on
                rest = chunk
                continue
            chunk, rest = chunk[:cut], chunk[cut:]
            self.scan_bytes(chunk, where, line)
            line += chunk.count(b"\n")
        if rest:
            self.scan_bytes(rest, where, line)

    def scan_paths(self, paths: Iterable[str], logs: bool = False) -> None:
        """Walk files and directories; ``-`` reads standard input (e.g. ``docker compose
        logs``). With ``logs``, directories yield only ``*.log`` files, of any size."""
        for path in paths:
            if path == "-":
                self.report.files += 1
                self.scan_text(sys.stdin, "<stdin>")
                continue
            named = Path(path)
            for file in _files(named, logs):
                self._scan_file(file, logs, follow=file == named)

    def _scan_file(self, file: Path, logs: bool, follow: bool = False) -> None:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOFOLLOW: a link found
        # while walking is not followed out of the tree.
        flags = os.O_RDONLY | os.O_NONBLOCK | (0 if follow else os.O_NOFOLLOW)
        try:
            fd = os.open(file, flags)
        except OSError as exc:
            reason = "symbolic link, not followed" if file.is_symlink() else exc.strerror
            self.report.skipped.append(f"{file} ({reason})")
            return
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                self.report.skipped.append(f"{file} (not a regular file)")
                return
            if not logs and info.st_size > MAX_FILE_BYTES:
                self.report.skipped.append(f"{file} (larger than {MAX_FILE_BYTES} bytes)")
                return
            os.set_blocking(fd, True)
            with os.fdopen(fd, "rb") as f:
                fd = -1  # the file object closes it
                if b"\0" in f.read(8192):
                    return  # binary
                f.seek(0)
                self.report.files += 1
                self.report.bytes += info.st_size
                self._scan_stream(f, str(file))
        except OSError as exc:
            self.report.skipped.append(f"{file} ({exc.strerror})")
        finally:
            if fd >= 0:
                os.close(fd)


def printable(text: str) -> str:
    """``text`` with control and non-printable characters as Python escapes (``\\n``,
    ``\\x1b``), so a file name cannot start a report line or drive the terminal."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def _files(path: Path, logs: bool) -> Iterator[Path]:
    if path.exists() and not path.is_dir():
        yield path  # named on the command line: read if it is a regular file
        return
    if not path.is_dir():
        raise FileNotFoundError(path)
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(files):
            if not logs or any(Path(name).match(glob) for glob in LOG_GLOBS):
                yield Path(root) / name
