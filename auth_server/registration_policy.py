"""What RFC 7591 dynamic registration may grant: least privilege by default.

Holding ``AUTH_ADMIN_TOKEN`` lets a caller create clients, but not clients with any power
it names. Registration may grant only the scopes in ``AUTH_REGISTRATION_SCOPES`` (default:
every ``AUTH_SCOPES`` entry except ``*:admin`` ones — never ``inventory:admin``) and the
resources in ``AUTH_REGISTRATION_RESOURCES`` (default: the resources an operator has
already registered a client for with the CLI, so a foreign audience is refused). Clients
that need more are made with ``flask --app auth_server clients create``.
"""

from __future__ import annotations

from .config import Settings
from .storage.interfaces import ClientStore


class PolicyViolation(ValueError):
    """The registration asks for more than the policy allows; the message says what."""


def allowed_scopes(settings: Settings) -> tuple[str, ...]:
    if settings.registration_scopes is not None:
        return settings.registration_scopes
    return tuple(s for s in settings.scopes if not s.endswith(":admin"))


def allowed_resources(settings: Settings, clients: ClientStore) -> set[str]:
    if settings.registration_resources is not None:
        return set(settings.registration_resources)
    return {r for record in clients.list_clients() for r in record.resources}


def check(
    settings: Settings, clients: ClientStore, scopes: list[str], resources: list[str]
) -> None:
    """Raise PolicyViolation unless every scope and resource is on the allow-lists."""
    scope_list = allowed_scopes(settings)
    extra = [s for s in scopes if s not in scope_list]
    if extra:
        raise PolicyViolation(
            f"registration may not grant {' '.join(extra)} "
            f"(AUTH_REGISTRATION_SCOPES allows: {' '.join(scope_list) or 'nothing'})"
        )
    resource_set = allowed_resources(settings, clients)
    foreign = [r for r in resources if r not in resource_set]
    if foreign:
        raise PolicyViolation(
            f"registration may not grant the resource(s) {' '.join(foreign)} "
            "(see AUTH_REGISTRATION_RESOURCES)"
        )
