"""Browser-facing hardening for the HTML pages (the dashboard and the migration guide).

The pages have no scripts, forms or frames, so the policy can say so: nothing loads but
their own inline styles, nobody may frame them (clickjacking: CSP ``frame-ancestors`` and,
for older browsers, ``X-Frame-Options``), and no response is content-sniffed.
"""

from __future__ import annotations

from flask import Response

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def secure_html(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
    return response
