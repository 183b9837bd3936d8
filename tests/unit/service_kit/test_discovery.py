"""AS metadata discovery against a real local HTTP server publishing at one place only."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from service_kit.discovery import DiscoveryError, discover, metadata_urls


class _Publisher:
    """Serves ``documents`` (path → JSON body or HTTP status) and records the paths asked."""

    def __init__(self) -> None:
        self.documents: dict[str, object] = {}
        self.asked: list[str] = []
        publisher = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                publisher.asked.append(self.path)
                found = publisher.documents.get(self.path, 404)
                status, body = (found, b"") if isinstance(found, int) else (200, found)
                payload = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def publisher() -> Iterator[_Publisher]:
    p = _Publisher()
    yield p
    p.server.shutdown()
    p.server.server_close()


def test_an_issuer_with_a_path_is_looked_up_inserted_then_appended_then_oidc():
    assert metadata_urls("https://as.example/tenant/") == [
        "https://as.example/.well-known/oauth-authorization-server/tenant",
        "https://as.example/tenant/.well-known/oauth-authorization-server",
        "https://as.example/tenant/.well-known/openid-configuration",
    ]


def test_an_issuer_without_a_path_has_one_rfc8414_url_then_oidc():
    assert metadata_urls("https://as.example") == [
        "https://as.example/.well-known/oauth-authorization-server",
        "https://as.example/.well-known/openid-configuration",
    ]


def test_the_rfc8414_inserted_form_is_found(publisher):
    issuer = f"{publisher.base}/tenant"
    publisher.documents["/.well-known/oauth-authorization-server/tenant"] = {"issuer": issuer}
    assert discover(issuer) == {"issuer": issuer}
    assert publisher.asked == ["/.well-known/oauth-authorization-server/tenant"]


def test_the_appended_form_is_found_after_a_404(publisher):
    issuer = f"{publisher.base}/tenant"
    publisher.documents["/tenant/.well-known/oauth-authorization-server"] = {"issuer": issuer}
    assert discover(issuer)["issuer"] == issuer
    assert len(publisher.asked) == 2


def test_oidc_discovery_is_the_last_resort(publisher):
    issuer = f"{publisher.base}/realms/demo"
    publisher.documents["/realms/demo/.well-known/openid-configuration"] = {
        "issuer": issuer,
        "jwks_uri": f"{issuer}/certs",
    }
    assert discover(issuer)["jwks_uri"] == f"{issuer}/certs"
    assert len(publisher.asked) == 3


def test_metadata_naming_another_issuer_is_refused(publisher):
    issuer = publisher.base
    publisher.documents["/.well-known/oauth-authorization-server"] = {"issuer": f"{issuer}/"}
    with pytest.raises(DiscoveryError, match="names issuer") as caught:
        discover(issuer)
    assert caught.value.reachable is True


def test_no_document_anywhere_is_a_reachable_failure(publisher):
    with pytest.raises(DiscoveryError, match="no metadata") as caught:
        discover(publisher.base)
    assert caught.value.reachable is True


def test_a_server_error_reads_as_unreachable_not_as_a_verdict(publisher):
    publisher.documents["/.well-known/oauth-authorization-server"] = 503
    with pytest.raises(DiscoveryError) as caught:
        discover(publisher.base)
    assert caught.value.reachable is False


def test_a_closed_port_reads_as_unreachable(publisher):
    base = publisher.base
    publisher.server.shutdown()
    publisher.server.server_close()
    with pytest.raises(DiscoveryError, match="could not be fetched") as caught:
        discover(base, timeout=1)
    assert caught.value.reachable is False
