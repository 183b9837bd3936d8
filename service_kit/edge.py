"""Where a service meets the network: whom to believe about the caller, which Host to serve.

One ``EdgeSettings`` per service, read from ``<PREFIX>_TRUSTED_PROXIES`` and
``<PREFIX>_ALLOWED_HOSTS``:

- ``TRUSTED_PROXIES`` (default 0) is how many reverse proxies stand in front of the service.
  0 means it is reached directly: ``X-Forwarded-For`` is ignored, and the service refuses to
  listen beyond loopback, because a gthread worker holds a thread for a client that trickles
  its request (docs/decisions.md, "Slow connections"). N ≥ 1 means every request crosses N
  buffering proxies (the compose nginx): werkzeug's ``ProxyFix`` takes the client address
  from the N-th last ``X-Forwarded-For`` entry, so the proxies' own address never stands in
  for every caller, and any bind address is allowed.
- ``ALLOWED_HOSTS`` (comma-separated ``name:port``, or ``name`` / ``name:*`` for any port)
  adds to the names the service answers for: loopback (``localhost``, ``127.0.0.1``, ``[::1]``, any
  port) and the host of its own configured public URLs. Any other ``Host`` gets 421, so a
  DNS-rebinding page (its own name resolving to 127.0.0.1) cannot read ``/metrics`` or the
  dashboard — the same check the MCP SDK makes at ``/mcp``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask, request
from werkzeug.exceptions import MisdirectedRequest
from werkzeug.middleware.proxy_fix import ProxyFix

from .settings import ConfigError, Environment

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class HostPattern:
    """A name and a port; ``port=None`` matches any port (``name:*``)."""

    name: str
    port: int | None

    def matches(self, name: str, port: int) -> bool:
        return name == self.name and (self.port is None or port == self.port)


@dataclass(frozen=True)
class EdgeSettings:
    trusted_proxies: int = 0
    allowed_hosts: tuple[HostPattern, ...] = tuple(HostPattern(n, None) for n in LOOPBACK_NAMES)

    @property
    def behind_proxy(self) -> bool:
        return self.trusted_proxies > 0

    @classmethod
    def load(cls, raw: Environment, public_urls: Iterable[str] = ()) -> EdgeSettings:
        """``public_urls`` are the service's own configured URLs (issuer, resource...)."""
        patterns = list(cls.allowed_hosts)
        for url in public_urls:
            parts = urlsplit(url)
            if parts.hostname:
                patterns.append(
                    HostPattern(parts.hostname, parts.port or DEFAULT_PORTS[parts.scheme])
                )
        extra = str(raw.get("allowed_hosts") or "").split(",")
        patterns += host_patterns(extra, raw.variable("allowed_hosts"))
        return cls(
            trusted_proxies=raw.whole_number("trusted_proxies", 0, 0, 8),
            allowed_hosts=tuple(dict.fromkeys(patterns)),
        )

    def check_bind(self, host: str, variable: str, proxies_variable: str) -> None:
        """Refuse an address beyond loopback unless the service sits behind a proxy."""
        if self.behind_proxy or _is_loopback(host):
            return
        raise ConfigError(
            f"{variable}={host} would listen beyond loopback, where slow clients can hold "
            f"every worker thread; put a buffering proxy in front (the compose nginx) and set "
            f"{proxies_variable}=1, or listen on 127.0.0.1"
        )

    def allows(self, host_header: str, scheme: str = "http") -> bool:
        name, port = _split_host(host_header)
        port = port or DEFAULT_PORTS.get(scheme, 80)
        return name is not None and any(p.matches(name, port) for p in self.allowed_hosts)


def install(app: Flask, edge: EdgeSettings) -> None:
    """ProxyFix for the configured proxy count, then the Host allow-list on every request."""
    if edge.behind_proxy:
        # Only the client address: gunicorn already applies X-Forwarded-Proto
        # (FORWARDED_ALLOW_IPS), and the Host header is passed through unchanged.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=edge.trusted_proxies, x_proto=0)

    @app.before_request
    def _check_host() -> None:
        if not edge.allows(request.host, request.scheme):
            # RFC 9110 §15.5.20: this server is not configured to answer for that authority.
            raise MisdirectedRequest(f"This service does not answer for Host {request.host!r}.")


def host_patterns(entries: Iterable[str], variable: str) -> list[HostPattern]:
    """``name:port``, ``name:*`` or ``name`` entries (blank ones skipped) as patterns."""
    patterns = []
    for entry in (e.strip() for e in entries):
        if not entry:
            continue
        name, port = _split_host(entry, wildcard=True)
        if name is None:
            raise ConfigError(f"{variable} entries are name, name:port or name:*, got {entry!r}")
        patterns.append(HostPattern(name, port))
    return patterns


def _split_host(value: str, wildcard: bool = False) -> tuple[str | None, int | None]:
    """``name[:port]`` lower-cased, brackets of an IPv6 literal removed; no port: None."""
    value = value.strip().lower()
    if wildcard and value.endswith(":*"):
        name, port = value[:-2], None
    else:
        try:
            parts = urlsplit(f"//{value}")
            name, port = parts.hostname, parts.port
        except ValueError:
            return None, None
        if parts.username is not None or parts.path or parts.query or parts.fragment:
            return None, None
    name = (name or "").strip("[]")
    return (name or None), port


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
