"""A small Inventory over real HTTP for Order's unit tests: reservations idempotent per order
id, releases that fence the id (410 afterwards), stock in memory, and scripted faults."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RESERVE = re.compile(r"^/inventory/([^/]+)/reservations$")
RELEASE = re.compile(r"^/inventory/([^/]+)/reservations/([^/]+)$")


class FakeInventory:
    def __init__(self, stock: dict[str, int] | None = None) -> None:
        self.stock = dict(stock or {"WIDGET-1": 100})
        self.reservations: dict[str, tuple[str, int]] = {}
        self.released: set[str] = set()
        self.calls: list[tuple[str, str]] = []
        # Scripted faults for the next reservation calls: "500 after reserving", "503".
        self.faults: list[str] = []
        self._lock = threading.Lock()
        inventory = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                sku = RESERVE.match(self.path).group(1)
                self._answer(*inventory.reserve(sku, body["order_id"], body["quantity"]))

            def do_DELETE(self) -> None:
                sku, order_id = RELEASE.match(self.path).groups()
                self._answer(*inventory.release(sku, order_id))

            def _answer(self, status: int, body: dict, headers: dict | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()

    def reserve(self, sku: str, order_id: str, quantity: int) -> tuple[int, dict, dict]:
        with self._lock:
            self.calls.append(("reserve", order_id))
            fault = self.faults.pop(0) if self.faults else None
            if fault == "503":
                return 503, {"detail": "cannot check tokens now"}, {"Retry-After": "3"}
            if order_id in self.released:
                return 410, {"title": "Reservation released"}, {}
            if order_id in self.reservations:
                status = 200
            elif sku not in self.stock:
                return 404, {"detail": "unknown SKU"}, {}
            elif self.stock[sku] < quantity:
                return 409, {"detail": f"{self.stock[sku]} left"}, {}
            else:
                self.stock[sku] -= quantity
                self.reservations[order_id] = (sku, quantity)
                status = 201
            if fault == "500 after reserving":
                return 500, {"detail": "reserved, then failed to answer"}, {}
            return status, {"order_id": order_id, "sku": sku, "quantity": quantity}, {}

    def release(self, sku: str, order_id: str) -> tuple[int, dict, dict]:
        with self._lock:
            self.calls.append(("release", order_id))
            held = self.reservations.pop(order_id, None)
            if held:
                self.stock[held[0]] += held[1]
            self.released.add(order_id)
            body = {"order_id": order_id, "sku": sku, "status": "released"}
            return 200, {**body, "returned": held[1] if held else 0}, {}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
