"""The dashboard's verdicts in a real browser, one test per workshop state: right after
``make up`` (the real one, and an Inventory set up the same way), a client on its key,
every key watched unused for the evidence window, after the flip with a scope refusal, and
the MCP chapter on a 1080p screen. Chromium and its checks are ``test_dashboard_browser``'s.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import requests

from inventory_service.db import DB_FILE, Database
from inventory_service.migration.ledger import ToolLedger
from tests.support.processes import ROOT

from .conftest import client_token
from .test_dashboard_browser import _needs_chromium, chromium  # noqa: F401 - autouse fixture


def make_up_inventory(auth_server, inventory_factory, **env: str):
    """An Inventory as ``make up`` leaves it: two legacy keys stored, a sunset announced."""
    inventory = inventory_factory(
        auth_server,
        INVENTORY_DASHBOARD_PUBLIC="1",
        INVENTORY_API_KEY_SUNSET="2027-06-30",
        **{"INVENTORY_AUTH_MODE": "api_key", **env},
    )
    keys = {
        client: inventory.api_key(client, "inventory:read inventory:write")
        for client in ("order-service", "reporting-job")
    }
    return inventory, keys


def test_right_after_make_up_the_dashboard_claims_nothing_it_has_not_watched(
    auth_server, inventory_factory, tmp_path
):
    inventory, _ = make_up_inventory(auth_server, inventory_factory)
    url = f"{inventory.url}/admin/dashboard"
    dom, _ = chromium(tmp_path, url, "--dump-dom")
    assert "Phase 0 · legacy" in dom
    assert 'class="banner wait"' in dom and "Not proven safe yet" in dom
    assert "2 stored key(s) (order-service, reporting-job)" in dom
    assert "evidence window (30 days)" in dom
    assert "breaks nothing" not in dom and "revoke it" not in dom
    assert "no use seen yet" in dom


def test_right_after_the_real_make_up_no_green_banner_and_no_revoke_hint(tmp_path):
    """The stack a participant starts (fixed ports 9000-9003, so run where they are free)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTH_", "INVENTORY_"))}
    up = subprocess.run(
        ["make", "up"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        dom, _ = chromium(tmp_path, "http://127.0.0.1:9001/admin/dashboard", "--dump-dom")
    finally:
        subprocess.run(["make", "down"], cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert "Phase 0 · legacy" in dom
    assert 'class="banner ok"' not in dom and "breaks nothing" not in dom
    assert "revoke it" not in dom
    assert 'class="banner wait"' in dom or 'class="banner warn"' in dom


def test_with_order_on_its_key_the_dashboard_warns_the_flip_would_break_it(
    auth_server, inventory_factory, tmp_path
):
    inventory, keys = make_up_inventory(auth_server, inventory_factory)
    headers = {"X-API-Key": keys["order-service"]}
    assert requests.get(f"{inventory.url}/inventory", headers=headers).ok
    url = f"{inventory.url}/admin/dashboard"
    # The key's use reaches the ledger within the one-second fold, not with the response.
    wait_for(lambda: 'class="banner warn"' in requests.get(url).text)
    dom, _ = chromium(tmp_path, url, "--dump-dom")
    assert 'class="banner warn"' in dom
    assert "Flipping to token_only now would break 1 client(s): order-service." in dom
    assert "breaks nothing" not in dom and "revoke it" not in dom


def test_once_every_key_is_watched_unused_for_the_window_the_flip_is_safe(
    auth_server, inventory_factory, tmp_path
):
    inventory, _ = make_up_inventory(auth_server, inventory_factory, INVENTORY_EVIDENCE_WINDOW="1s")
    url = f"{inventory.url}/admin/dashboard"
    wait_for(lambda: "breaks nothing" in requests.get(url).text)
    dom, _ = chromium(tmp_path, url, "--dump-dom")
    assert 'class="banner ok"' in dom
    assert "Every stored key has been unused for 1 s: flipping to token_only breaks nothing." in dom
    assert dom.count("unused for 1 s: revoke it") == 2


def test_after_the_flip_a_scope_refusal_is_calm_and_the_countdown_says_since_when(
    auth_server, inventory_factory, tmp_path
):
    inventory = inventory_factory(
        auth_server, INVENTORY_DASHBOARD_PUBLIC="1", INVENTORY_API_KEY_SUNSET="2027-06-30"
    )
    admin = client_token(
        auth_server, "flip-admin", auth_server.create_client("flip-admin", "inventory:admin")
    )
    flip = requests.put(
        f"{inventory.url}/admin/auth-mode",
        json={"mode": "token_only"},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert flip.ok, flip.text
    reader = client_token(
        auth_server, "catalog-reader", auth_server.create_client("catalog-reader", "inventory:read")
    )
    refused = requests.post(
        f"{inventory.url}/inventory/WIDGET-1/reservations",
        json={"order_id": "o-1", "quantity": 1},
        headers={"Authorization": f"Bearer {reader}"},
    )
    assert refused.status_code == 403
    dom, _ = chromium(tmp_path, f"{inventory.url}/admin/dashboard", "--dump-dom")
    assert "Being refused right now" not in dom and 'class="refused"' not in dom
    assert "1 scope refusal(s): the caller" in dom
    assert "inventory:read" in dom.split("catalog-reader", 1)[1].split("</tr>", 1)[0]
    assert "Keys refused" in dom and "(token_only)" in dom
    assert "days</div>" not in dom


def test_the_mcp_table_fits_a_1080p_screen_in_the_mcp_chapter(
    auth_server, inventory_factory, tmp_path
):
    inventory, keys = make_up_inventory(auth_server, inventory_factory, INVENTORY_AUTH_MODE="dual")
    url = f"{inventory.url}/inventory"
    assert requests.get(url, headers={"X-API-Key": keys["reporting-job"]}).ok
    reader = client_token(
        auth_server, "catalog-reader", auth_server.create_client("catalog-reader", "inventory:read")
    )
    order = client_token(
        auth_server,
        "order-service",
        auth_server.create_client("order-service", "inventory:read inventory:write"),
    )
    for token in (reader, order):
        assert requests.get(url, headers={"Authorization": f"Bearer {token}"}).ok
    stale = {"X-API-Key": "ik_000000000000_" + "x" * 43}  # a key from an earlier stack
    assert requests.get(url, headers=stale).status_code == 401
    ledger = ToolLedger(Database(Path(inventory.env["INVENTORY_DATA_DIR"]) / DB_FILE))
    for agent in ("inventory-agent", "inventory-agent-jwt", "readonly-agent"):
        for tool in ("list_stock", "get_stock", "reserve_stock"):
            ledger.record(agent, tool, "accepted")
    ledger.record("readonly-agent", "reserve_stock", "refused")
    ledger.flush()
    url = f"{inventory.url}/admin/dashboard"
    bottom = layout_bottom(tmp_path, url, "mcp-table")
    assert 0 < bottom <= 1080, f"the MCP table ends {bottom} px down a 1080 px screen"


def layout_bottom(tmp_path: Path, url: str, element_id: str) -> float:
    """Where ``element_id`` ends, in CSS pixels, on the page at ``url`` in a 1920x1080
    window. The page has no script and may not be framed; a local copy of exactly what it
    served, plus one measuring script, renders the same inline CSS and SVG."""
    html = requests.get(url, timeout=10).text
    assert "<script" not in html
    probe = (
        f'<script>const r = document.getElementById("{element_id}").getBoundingClientRect();'
        ' document.body.setAttribute("data-bottom", r.bottom);</script></body>'
    )
    copy = tmp_path / "measure.html"
    copy.write_text(
        html.replace('<meta http-equiv="refresh" content="5">', "").replace("</body>", probe)
    )
    out, _ = chromium(tmp_path, copy.as_uri(), "--dump-dom")
    found = re.search(r'data-bottom="([0-9.]+)"', out)
    assert found, out[-2000:]
    return float(found.group(1))


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.2)
