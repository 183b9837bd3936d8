"""The cockpit in a real browser: headless Chromium (Debian's ``chromium`` package) renders
the dashboard served by a real Inventory process; we read the rendered DOM in each state of
a workshop (right after ``make up``, keys in use, evidence complete, after the flip, agents
on MCP), measure the layout on a 1080p screen, take a screenshot, and check in Chromium's
own network log that no request left the machine.

Skipped, with the reason, where Chromium is not installed; CI installs it (``.ci/run``) and
sets ``REQUIRE_CHROMIUM=1``, which turns a missing Chromium into a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from inventory_service.db import DB_FILE, Database
from inventory_service.migration.ledger import ToolLedger

from .conftest import client_token

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(autouse=True)
def _needs_chromium():
    if CHROMIUM is None:
        if os.environ.get("REQUIRE_CHROMIUM") == "1":
            pytest.fail("REQUIRE_CHROMIUM=1 but Chromium is not installed")
        pytest.skip("Chromium is not installed (apt-get install chromium)")


def chromium(tmp_path: Path, url: str, *mode: str) -> tuple[str, set[str]]:
    """Run headless Chromium on ``url``; return its stdout and the URLs *the page* asked for.

    Name resolution is pinned to loopback, so nothing can reach the internet whatever the
    page says; Chromium's NetLog still records each attempt.
    """
    netlog = tmp_path / f"netlog-{len(list(tmp_path.glob('netlog-*')))}.json"
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--log-net-log={netlog}",
            "--window-size=1920,1080",
            *mode,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout, page_requests(netlog, url)


def page_requests(netlog: Path, page_url: str) -> set[str]:
    """URLs of every request made on behalf of the page at ``page_url``, from Chromium's
    NetLog (JSON, possibly unterminated). The page's requests carry its site in their
    network isolation key; Chromium's own housekeeping (update checks, sign-in probes,
    kept from the internet by the resolver rule) carries another or none."""
    text = netlog.read_text().rstrip()
    if not text.endswith("}"):
        text = text.rstrip(",") + "]}"
    log = json.loads(text)
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    parts = urlsplit(page_url)
    site = f"{parts.scheme}://{parts.hostname}"
    urls = set()
    for event in log.get("events", []):
        params = event.get("params") or {}
        if event["type"] == start and params.get("network_isolation_key", "").startswith(site):
            urls.add(params["url"])
    return urls


def off_origin(urls: set[str], page_url: str) -> set[str]:
    return {u for u in urls if urlsplit(u).netloc != urlsplit(page_url).netloc}


@pytest.fixture
def busy_inventory(auth_server, inventory_factory):
    """An Inventory with a public dashboard, one client on keys and one on tokens."""
    inventory = inventory_factory(
        auth_server,
        INVENTORY_DASHBOARD_PUBLIC="1",
        INVENTORY_API_KEY_SUNSET="2027-06-30",
    )
    key = inventory.api_key("reporting-job", "inventory:read inventory:write")
    secret = auth_server.create_client("order-service", "inventory:read inventory:write")
    token = client_token(auth_server, "order-service", secret)
    for _ in range(5):
        assert requests.get(f"{inventory.url}/inventory", headers={"X-API-Key": key}).ok
        assert requests.get(
            f"{inventory.url}/inventory", headers={"Authorization": f"Bearer {token}"}
        ).ok
    return inventory


def test_the_dashboard_renders_in_headless_chromium_with_the_chart_and_no_external_request(
    busy_inventory, tmp_path
):
    url = f"{busy_inventory.url}/admin/dashboard"
    dom, urls = chromium(tmp_path, url, "--dump-dom")
    assert "Phase 1 · dual" in dom
    assert "days" in dom and "2027-06-30" in dom
    assert "reporting-job" in dom and "order-service" in dom
    assert "still on keys" in dom and "on tokens" in dom
    assert "over-privileged" in dom
    assert 'flask --app auth_server clients create reporting-job --scope "inventory:read"' in dom
    assert "<svg" in dom and 'class="line-api_key"' in dom and 'class="line-token"' in dom
    assert "<script" not in dom
    assert url in urls, "the network log did not record the page itself"
    assert off_origin(urls, url) == set()


def test_the_dashboard_screenshot_is_a_full_page_image(busy_inventory, tmp_path):
    shot = tmp_path / "dashboard.png"
    url = f"{busy_inventory.url}/admin/dashboard"
    _, urls = chromium(tmp_path, url, f"--screenshot={shot}")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a blank page is a few KB
    assert off_origin(urls, url) == set()


def make_up_inventory(auth_server, inventory_factory, **env: str):
    """An Inventory as ``make up`` leaves it: two legacy keys stored, a sunset announced."""
    inventory = inventory_factory(
        auth_server,
        INVENTORY_DASHBOARD_PUBLIC="1",
        INVENTORY_API_KEY_SUNSET="2027-06-30",
        INVENTORY_AUTH_MODE="api_key",
        **env,
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


def test_with_order_on_its_key_the_dashboard_warns_the_flip_would_break_it(
    auth_server, inventory_factory, tmp_path
):
    inventory, keys = make_up_inventory(auth_server, inventory_factory)
    headers = {"X-API-Key": keys["order-service"]}
    assert requests.get(f"{inventory.url}/inventory", headers=headers).ok
    dom, _ = chromium(tmp_path, f"{inventory.url}/admin/dashboard", "--dump-dom")
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
    busy_inventory, auth_server, tmp_path
):
    reader = client_token(
        auth_server, "catalog-reader", auth_server.create_client("catalog-reader", "inventory:read")
    )
    headers = {"Authorization": f"Bearer {reader}"}
    assert requests.get(f"{busy_inventory.url}/inventory", headers=headers).ok
    stale = {"X-API-Key": "ik_000000000000_" + "x" * 43}  # a key from an earlier stack
    assert requests.get(f"{busy_inventory.url}/inventory", headers=stale).status_code == 401
    ledger = ToolLedger(Database(Path(busy_inventory.env["INVENTORY_DATA_DIR"]) / DB_FILE))
    for agent in ("inventory-agent", "inventory-agent-jwt", "readonly-agent"):
        for tool in ("list_stock", "get_stock", "reserve_stock"):
            ledger.record(agent, tool, "accepted")
    ledger.record("readonly-agent", "reserve_stock", "refused")
    ledger.flush()
    url = f"{busy_inventory.url}/admin/dashboard"
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


def test_the_external_request_check_catches_a_page_that_loads_from_a_cdn(tmp_path):
    """The detector itself: a page with a CDN script and image is caught."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(
        '<!doctype html><title>t</title><script src="https://cdn.example.com/x.js"></script>'
        '<img src="http://images.example.org/a.png"><p>hello</p>'
    )
    handler = partial(SimpleHTTPRequestHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/index.html"
        dom, urls = chromium(tmp_path, url, "--dump-dom")
    finally:
        server.shutdown()
        server.server_close()
    assert "hello" in dom
    assert off_origin(urls, url) == {
        "https://cdn.example.com/x.js",
        "http://images.example.org/a.png",
    }
