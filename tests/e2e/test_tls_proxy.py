"""The compose stack's front door: HTTPS only, through a buffering proxy.

A security review found that gunicorn's gthread workers can be starved by slow clients
(8 connections sending one header line every 5 s took the AS down; Inventory: 16). The
proxy now reads every request completely before a service sees it.
"""

import json
import os
import socket
import ssl
import subprocess
import time

import pytest
import requests

from .conftest import ISSUER, PROXY_PORTS, RESOURCE

pytestmark = pytest.mark.e2e

SLOW_CLIENTS = 16


def open_slow_client(port: int) -> ssl.SSLSocket:
    """A client that completes TLS and then sends its request head one line at a time."""
    ctx = ssl.create_default_context(cafile=os.environ["REQUESTS_CA_BUNDLE"])
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    tls = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
    tls.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    return tls


def still_waiting(tls: ssl.SSLSocket) -> bool:
    """The proxy has neither answered nor closed: it is still holding the request open."""
    tls.setblocking(False)
    try:
        return tls.recv(1) != b""  # pragma: no cover - any byte means it was answered
    except (ssl.SSLWantReadError, BlockingIOError):
        return True
    except OSError:
        return False
    finally:
        tls.setblocking(True)


def answers_within_a_second(url: str) -> float:
    started = time.monotonic()
    resp = requests.get(url, timeout=1)
    elapsed = time.monotonic() - started
    assert resp.status_code == 200, resp.text
    return elapsed


def test_the_issuer_and_the_resource_are_https_and_served_over_the_private_ca(stack):
    meta = requests.get(
        f"{stack.urls['auth']}/.well-known/oauth-authorization-server", timeout=10
    ).json()
    assert meta["issuer"] == ISSUER
    assert meta["token_endpoint"] == f"{ISSUER}/oauth/token"
    assert meta["jwks_uri"].startswith(f"{ISSUER}/")
    prm = stack.inventory("GET", "/.well-known/oauth-protected-resource").json()
    assert prm["resource"] == RESOURCE
    assert prm["authorization_servers"] == [ISSUER]
    # Without the stack's CA the same call fails: the certificate is the private CA's.
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{stack.urls['auth']}/healthz", timeout=10, verify=requests.certs.where())


def test_plain_http_to_the_published_ports_is_refused_with_a_problem_saying_use_https(stack):
    for service, port in stack.ports.items():
        resp = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
        assert resp.status_code == 400, service
        assert resp.headers["Content-Type"] == "application/problem+json"
        assert resp.json()["title"] == "HTTPS required"
        assert "Location" not in resp.headers  # no redirect: credentials must not go in clear


def test_only_the_proxy_is_published_to_the_host(stack):
    for service in ("auth", "inventory", "order", "mcp"):
        publishers = stack.compose.get_container(service).Publishers or []
        assert [p for p in publishers if p.PublishedPort] == [], service
    proxy = stack.compose.get_container("proxy").Publishers
    assert sorted(p.TargetPort for p in proxy if p.PublishedPort) == sorted(PROXY_PORTS.values())


def test_no_container_switches_off_authlibs_https_check(stack):
    for service in ("auth", "inventory", "order", "mcp", "proxy"):
        container = stack.compose.get_container(service).ID
        env = json.loads(
            subprocess.run(
                ["docker", "inspect", "-f", "{{json .Config.Env}}", container],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        assert not [v for v in env if v.startswith("AUTHLIB_INSECURE_TRANSPORT=")], service


def test_a_body_over_the_limit_is_refused_by_the_proxy_as_a_problem(stack):
    resp = requests.post(
        f"{stack.urls['auth']}/oauth/token",
        data=b"grant_type=client_credentials&x=" + b"a" * (2 * 1024 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert resp.status_code == 413
    assert resp.headers["Content-Type"] == "application/problem+json"
    assert resp.json()["status"] == 413


def test_sixteen_slow_header_clients_per_service_leave_every_service_answering_within_1s(stack):
    stack.set_mode("dual")
    slow = [
        open_slow_client(stack.ports[service])
        for service in ("auth", "inventory")
        for _ in range(SLOW_CLIENTS)
    ]
    try:
        # Each round, every slow client sends one more header line and never finishes;
        # between rounds every service must answer through the proxy within a second.
        for round_ in range(3):
            for tls in slow:
                tls.sendall(f"X-Slow-{round_}: drip\r\n".encode())
            for service in ("auth", "inventory", "order"):
                assert answers_within_a_second(f"{stack.urls[service]}/healthz") < 1.0
            token = stack.token("catalog-reader")  # a real OAuth call, not just /healthz
            started = time.monotonic()
            resp = stack.inventory(
                "GET", "/inventory", headers={"Authorization": f"Bearer {token}"}
            )
            assert resp.status_code == 200
            assert time.monotonic() - started < 1.0
        # The slow clients were held by the proxy all along, not dropped or answered.
        assert all(still_waiting(tls) for tls in slow)
    finally:
        for tls in slow:
            tls.close()
