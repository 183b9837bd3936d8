"""Local stand-ins for eight managed or self-hosted authorization servers, on real sockets.

Each ``ProviderIssuer`` serves one provider's documented metadata and JWKS paths (under its
issuer's path, e.g. Keycloak's ``/realms/<realm>``) and signs tokens in that provider's
documented client-credentials shape, and in the shape of its OpenID Connect ID tokens (which a
resource server must refuse even where it accepts ``typ: JWT``). The claims and header of each
shape follow the provider's own page, cited beside it. Only what a resource server sees is
reproduced: the values (ids, GUIDs) are made up, keys are generated per instance.

``read``/``write``/``admin`` below are this project's three permissions; each provider names
them its own way (``NATIVE_SCOPES``): Entra ID app roles, Cognito resource-server scopes.

The package: ``shape.py`` (what a provider is, to a resource server), ``self_hosted.py``
(Keycloak, Ory Hydra, Zitadel) and ``managed.py`` (Auth0, Okta, Entra ID, Cognito, Scalekit)
build each provider's claims, ``registry.py`` says where each publishes what, and
``issuer.py`` serves it all on a real socket.
"""

from .issuer import ProviderIssuer
from .managed import ENTRA_API_APP
from .registry import SHAPES
from .self_hosted import ZITADEL_PROJECT
from .shape import RESOURCE

__all__ = ["ENTRA_API_APP", "RESOURCE", "SHAPES", "ZITADEL_PROJECT", "ProviderIssuer"]
