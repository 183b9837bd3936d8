"""A generated tree to scan for API keys: source files, rotated logs, a few planted keys.

``make bench`` compares ``api-keys scan`` with detect-secrets on it (``bench_scan.py``). The
tree is built in shards of the same mix (Python modules, settings files, rotated service
logs), so any shard is a fair sample of the whole; a few shards carry the planted keys:
live keys, revoked keys and key-shaped look-alikes, in a ``.env`` line, a header in a log
line, a command-line option, a source string. Their keys live in an Inventory database
made next to the tree, and the manifest records what was planted where.

Building 300 MB takes a few seconds, so a tree whose manifest matches the request is kept
and reused (under ``.bench/``, git-ignored). The clear keys in the manifest are keys of
that throw-away database only.
"""

from __future__ import annotations

import json
import random
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from inventory_service.db import DB_FILE, Database
from inventory_service.resource_server.api_keys import ApiKeys

VERSION = 2
MANIFEST = "manifest.json"

_SOURCE = [
    "import logging",
    "from dataclasses import dataclass",
    "log = logging.getLogger(__name__)",
    "class Reservation:",
    "    order_id: str",
    "    quantity: int = 0",
    "def reserve(stock, sku: str, quantity: int) -> bool:",
    "    if quantity <= 0:",
    "        raise ValueError('quantity must be positive')",
    "    return stock.take(sku, quantity)",
    "    headers = {'X-API-Key': os.environ['INVENTORY_API_KEY']}",
    "    token = cache.get() or fetch_token(client_id, client_secret)",
    "    # see docs/migration.md: keys look like ik_<key id>_<secret>",
    "    assert response.status_code == 201, response.text",
    "SECRET_PATTERN = r'ik_[0-9a-f]{12}_[A-Za-z0-9_-]{43}'",
]
_LOG = (
    '{ts} INFO inventory_service.access {{"method": "GET", "path": "/inventory/WIDGET-{n}",'
    ' "status": 200, "client_id": "gen-client-{c:05d}", "auth": "{auth}", "ms": {ms}.{us},'
    ' "rid": "{rid}"}}'
)


@dataclass(frozen=True)
class Tree:
    root: Path
    data_dir: Path  # the Inventory data dir whose keys were planted
    manifest: dict

    @property
    def total_bytes(self) -> int:
        return self.manifest["bytes"]


def build(out: Path, megabytes: int, seed: int = 23) -> Tree:
    """The tree under ``out`` of at least ``megabytes`` MB (and three shards), reused when
    already there."""
    root, data_dir = out / "tree", out / "data"
    wanted = {"version": VERSION, "megabytes": megabytes, "seed": seed}
    manifest_file = out / MANIFEST
    if manifest_file.exists():
        manifest = json.loads(manifest_file.read_text())
        if {k: manifest.get(k) for k in wanted} == wanted and (data_dir / DB_FILE).exists():
            return Tree(root, data_dir, manifest)
    shutil.rmtree(out, ignore_errors=True)
    root.mkdir(parents=True)
    data_dir.mkdir(parents=True)
    rng = random.Random(seed)
    source = "\n".join(rng.choice(_SOURCE) for _ in range(40_000)) + "\n"
    logs = "\n".join(_log_line(rng, i) for i in range(12_000)) + "\n"
    total, shards = 0, 0
    while total < megabytes * 1_000_000 or shards < 3:
        total += _write_shard(root / f"shard-{shards:03d}", rng, source, logs)
        shards += 1
    planted = _plant(root, data_dir, shards)
    manifest = {**wanted, "bytes": total, "shards": shards, **planted}
    manifest_file.write_text(json.dumps(manifest, indent=1))
    return Tree(root, data_dir, manifest)


def _log_line(rng: random.Random, i: int) -> str:
    ts = f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:{rng.randrange(60):02d}Z"
    return _LOG.format(
        ts=ts,
        n=rng.randrange(100),
        c=rng.randrange(10_000),
        auth=rng.choice(("api_key", "token")),
        ms=rng.randrange(30),
        us=rng.randrange(100),
        rid=secrets.token_hex(8),
    )


def _slice(rng: random.Random, text: str, size: int) -> str:
    start = text.index("\n", rng.randrange(len(text) - size)) + 1
    end = text.index("\n", start + size) + 1
    return text[start:end]


def _write_shard(shard: Path, rng: random.Random, source: str, logs: str) -> int:
    """One shard: 10 modules, a settings file, a service log rotated into three files."""
    written = 0
    for sub in ("src", "config", "logs"):
        (shard / sub).mkdir(parents=True)
    for i in range(10):
        text = _slice(rng, source, 20_000)
        written += (shard / "src" / f"module_{i:02d}.py").write_text(text)
    written += (shard / "config" / "settings.env").write_text(
        "INVENTORY_URL=http://inventory:9001\nLOG_LEVEL=info\n"
    )
    for name in ("inventory.log", "inventory.log.1", "inventory.log.2"):
        written += (shard / "logs" / name).write_text(_slice(rng, logs, 93_000))
    return written


def _plant(root: Path, data_dir: Path, shards: int) -> dict:
    """Live, revoked and look-alike keys in the first, middle and last shard."""
    keys = ApiKeys(Database(data_dir / DB_FILE))
    places = sorted({0, shards // 2, shards - 1})
    live, revoked, look_alikes = [], [], 0
    for n, shard in enumerate(places):
        base = root / f"shard-{shard:03d}"
        live_key = keys.create(f"legacy-job-{n}", ["inventory:read"])
        old_key = keys.create(f"retired-job-{n}", ["inventory:read"])
        keys.revoke(old_key[0].key_id)
        other = f"ik_{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}"  # no such key here
        env = base / "config" / "settings.env"
        with env.open("a") as f:
            f.write(f"INVENTORY_API_KEY={live_key[1]}\n")
        log = base / "logs" / "inventory.log.1"
        with log.open("a") as f:
            f.write(f'curl -H "X-API-Key: {old_key[1]}" http://inventory:9001/inventory\n')
            f.write(f"replayed with --api-key-{other} at 10:02\n")
        module = base / "src" / "module_07.py"
        with module.open("a") as f:
            f.write(f'FALLBACK_KEY = "{live_key[1]}"  # TODO remove before phase 3\n')
            f.write(f'EXAMPLE = "x{other}"  # glued to a word: not a key\n')
        live += [
            {"file": str(env.relative_to(root)), "key_id": live_key[0].key_id},
            {"file": str(module.relative_to(root)), "key_id": live_key[0].key_id},
        ]
        revoked.append({"file": str(log.relative_to(root)), "key_id": old_key[0].key_id})
        look_alikes += 1
    return {"live": live, "revoked": revoked, "look_alikes": look_alikes}
