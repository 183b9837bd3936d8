"""Where an authorization server publishes its metadata, and reading it safely.

Providers publish in different places, so the well-known URLs are tried in this order:

1. RFC 8414 §3.1, the suffix *inserted* between host and path
   (``https://as.example/.well-known/oauth-authorization-server/tenant``);
2. the same suffix *appended* to the issuer, as many servers publish it;
3. OpenID Connect Discovery 1.0 §4 (``<issuer>/.well-known/openid-configuration``).

For an issuer without a path the first two are one URL. Whatever answers, its ``issuer`` must
equal the configured one byte for byte (RFC 8414 §3.3), or the document is refused: a
metadata document for another issuer would let that issuer's keys sign for this one.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests

RFC8414_SUFFIX = "/.well-known/oauth-authorization-server"
OIDC_SUFFIX = "/.well-known/openid-configuration"


class DiscoveryError(Exception):
    """No usable metadata. ``reachable`` is False when the AS could not be asked at all
    (connection error, timeout, 5xx): a reason to try later, not a verdict on a token."""

    def __init__(self, message: str, *, reachable: bool) -> None:
        super().__init__(message)
        self.reachable = reachable


def metadata_urls(issuer: str) -> list[str]:
    """The candidate metadata URLs for ``issuer``, in the order they are tried."""
    parts = urlsplit(issuer)
    path = parts.path.rstrip("/")
    inserted = f"{parts.scheme}://{parts.netloc}{RFC8414_SUFFIX}{path}"
    appended = f"{issuer.rstrip('/')}{RFC8414_SUFFIX}"
    urls = [inserted] if inserted == appended else [inserted, appended]
    return [*urls, f"{issuer.rstrip('/')}{OIDC_SUFFIX}"]


def discover(
    issuer: str, *, timeout: float = 3.0, session: requests.Session | None = None
) -> dict[str, Any]:
    """The first metadata document found for ``issuer``; raises ``DiscoveryError``."""
    get = (session or requests).get
    unreachable: list[str] = []
    for url in metadata_urls(issuer):
        try:
            response = get(url, timeout=timeout)
        except requests.RequestException as exc:
            unreachable.append(f"{url}: {exc.__class__.__name__}")
            continue
        if response.status_code >= 500:
            unreachable.append(f"{url}: HTTP {response.status_code}")
            continue
        if response.status_code != 200:
            continue  # not published here; try the next place
        try:
            meta = response.json()
        except ValueError:
            continue
        if not isinstance(meta, dict):
            continue
        if meta.get("issuer") != issuer:
            raise DiscoveryError(
                f"metadata at {url} names issuer {meta.get('issuer')!r}, not {issuer!r}",
                reachable=True,
            )
        return meta
    if unreachable:
        raise DiscoveryError(
            f"the AS metadata could not be fetched ({'; '.join(unreachable)})", reachable=False
        )
    raise DiscoveryError(
        f"no metadata for {issuer!r} at {', '.join(metadata_urls(issuer))}", reachable=True
    )
