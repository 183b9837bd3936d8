"""HTML pages send CSP, X-Frame-Options and nosniff; JSON answers are not sniffed either."""

from __future__ import annotations

import pytest

from inventory_service import create_app

from ..api_client import Api


@pytest.fixture
def public(settings, issuer):
    return Api(create_app({**settings, "dashboard_public": "1"}), issuer)


@pytest.mark.parametrize("path", ["/admin/dashboard", "/docs/migration"])
def test_html_pages_forbid_scripts_framing_and_sniffing(public, path):
    resp = public.get(path)
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src" not in csp  # so default-src 'none' forbids every script
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"


def test_json_answers_are_not_sniffed_either(public):
    resp = public.get("/inventory", token=public.token())
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in resp.headers
