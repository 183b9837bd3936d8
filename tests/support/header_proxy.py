"""A forwarding proxy that adds a bearer token, for tools that cannot send a header.

The MCP conformance suite (``@modelcontextprotocol/conformance``) takes a URL and nothing
else, while our MCP server refuses every request without a token (MCP authorization spec,
"Access Token Usage"). This proxy sits between them on the test side: it forwards every
request unchanged — method, path, body and ``Host`` (so the server's DNS-rebinding check
sees what the suite sent) — adds ``Authorization: Bearer <token>``, and streams the answer
back as it arrives, so server-sent event streams pass through too. One connection per
request (HTTP/1.0 towards the suite) keeps it small; it is a test fixture, not a gateway.
"""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

# RFC 9110 §7.6.1: connection-specific fields are not forwarded.
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-authorization", "proxy-connection"}  # fmt: skip


class HeaderProxy:
    """Forward ``http://127.0.0.1:<port>/...`` to ``upstream`` with a bearer token added."""

    def __init__(self, upstream: str, token: str) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.token = token
        self.requests = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)  # fmt: skip
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                proxy.requests += 1
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                upstream = http.client.HTTPConnection(
                    proxy.upstream_host, proxy.upstream_port, timeout=60
                )
                try:
                    upstream.putrequest(self.command, self.path, skip_host=True,
                                        skip_accept_encoding=True)  # fmt: skip
                    for name, value in self.headers.items():
                        if name.lower() not in HOP_BY_HOP | {"authorization", "content-length"}:
                            upstream.putheader(name, value)
                    upstream.putheader("Authorization", f"Bearer {proxy.token}")
                    if body is not None:
                        upstream.putheader("Content-Length", str(len(body)))
                    upstream.endheaders(body)
                    response = upstream.getresponse()
                    self.send_response(response.status, response.reason)
                    for name, value in response.getheaders():
                        if name.lower() not in HOP_BY_HOP:
                            self.send_header(name, value)
                    self.end_headers()
                    while chunk := response.read1(65536):
                        self.wfile.write(chunk)
                        self.wfile.flush()
                except (ConnectionError, TimeoutError):
                    self.close_connection = True  # the suite or the server hung up
                finally:
                    upstream.close()

            do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = do_OPTIONS = do_HEAD = _forward

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler
