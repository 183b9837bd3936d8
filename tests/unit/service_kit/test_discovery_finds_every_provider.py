"""One discovery for every provider: each publishes its metadata somewhere else.

Auth0, Entra ID, Cognito and Hydra publish only OIDC discovery, Keycloak and Okta the
appended forms under the issuer's path, Scalekit and Zitadel both at the root
(tests/support/providers/ cites each provider's page). ``service_kit.discovery`` finds
each over real HTTP, and the keys it points to verify that provider's tokens.
"""

from __future__ import annotations

import jwt
import pytest

from service_kit.discovery import DiscoveryError, discover
from tests.support.providers import SHAPES, ProviderIssuer


@pytest.fixture(params=sorted(SHAPES))
def provider(request):
    issuer = ProviderIssuer(request.param)
    yield issuer
    issuer.close()


def test_discovery_finds_the_metadata_and_the_keys_verify_the_tokens(provider):
    meta = discover(provider.issuer)
    assert meta["issuer"] == provider.issuer
    assert provider.metadata_fetches  # served from one of its documented paths
    token = provider.access_token("read")
    key = jwt.PyJWKClient(meta["jwks_uri"]).get_signing_key_from_jwt(token)
    claims = jwt.decode(token, key.key, algorithms=["RS256"], options={"verify_aud": False})
    assert claims["iss"] == provider.issuer


def test_an_issuer_that_differs_by_a_trailing_slash_is_refused():
    auth0 = ProviderIssuer("auth0")  # its issuer ends in "/"
    try:
        with pytest.raises(DiscoveryError, match="names issuer"):
            discover(auth0.issuer.rstrip("/"))
    finally:
        auth0.close()
