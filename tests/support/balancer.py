"""A round-robin TCP balancer for the replica tests: each new connection goes to the next
backend in turn, as a platform's L4 load balancer spreads clients over replicas."""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading


class RoundRobinBalancer:
    """Listens on a free local port; ``url`` is what clients call. Backends may be set after
    the port is known (``backends``), for services whose issuer URL must name the balancer."""

    def __init__(self, backends: list[tuple[str, int]] | None = None) -> None:
        self._lock = threading.Lock()
        self.backends = backends or []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open = True
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def backends(self) -> list[tuple[str, int]]:
        return self._backends

    @backends.setter
    def backends(self, backends: list[tuple[str, int]]) -> None:
        with self._lock:
            self._backends = list(backends)
            self._next = itertools.cycle(self._backends)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while self._open:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                backend = next(self._next)
            threading.Thread(target=self._serve, args=(client, backend), daemon=True).start()

    def _serve(self, client: socket.socket, backend: tuple[str, int]) -> None:
        try:
            upstream = socket.create_connection(backend, timeout=10)
        except OSError:
            client.close()
            return
        threading.Thread(target=_pipe, args=(upstream, client), daemon=True).start()
        _pipe(client, upstream)

    def close(self) -> None:
        self._open = False
        self._listener.close()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    """Copy until either side closes, then close both."""
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for s in (source, sink):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
