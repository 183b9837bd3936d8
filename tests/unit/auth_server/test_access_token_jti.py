"""Every access token's ``jti`` is 128 random bits (RFC 9068 §2.2, RFC 7519 §4.1.7)."""

from __future__ import annotations

import base64

from .conftest import decode_part, token_request


def test_the_jti_is_128_bits_base64url_and_never_repeats(http, clients):
    creds = clients.create()
    jtis = []
    for _ in range(200):
        resp = token_request(http, *creds)
        assert resp.status_code == 200
        jtis.append(decode_part(resp.get_json()["access_token"], 1)["jti"])
    assert len(set(jtis)) == len(jtis)
    for jti in jtis:
        assert len(jti) == 22 and "=" not in jti  # 16 bytes, unpadded base64url
        assert len(base64.urlsafe_b64decode(jti + "==")) == 16
    # Random bits, not a counter or a clock: every character position varies.
    assert all(len({jti[i] for jti in jtis}) > 8 for i in range(21))
