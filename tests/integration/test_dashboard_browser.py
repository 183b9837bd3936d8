"""The cockpit in a real browser: headless Chromium (Debian's ``chromium`` package) renders
the dashboard served by a real Inventory process; we read the rendered DOM, take a
screenshot, and check in Chromium's own network log that no request left the machine. The
verdicts in each workshop state are in ``test_dashboard_evidence_browser``.

Skipped, with the reason, where Chromium is not installed; CI installs it (``.ci/run``) and
sets ``REQUIRE_CHROMIUM=1``, which turns a missing Chromium into a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

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
