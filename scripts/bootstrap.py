"""Demo credentials, generated at run time and never committed.

The same function serves both runtimes; only "how to run a service's admin CLI" differs:

* local (``make demo`` / ``make up``): the CLIs run on this machine against ``.demo/``;
* containers (the compose ``bootstrap`` service): the CLIs run inside the image against the
  services' data volumes, and Order gets its credentials as files under ``/secrets/order``;
  first, the proxy's private CA and certificate go to ``/certs`` (see ``scripts/tls.py``).

``python -m scripts.bootstrap docker-env`` writes the ``.env`` compose reads (the AS admin
token and the phase-0 settings), keeping an existing one; ``scale-env`` adds what
``docker-compose.scale.yml`` needs (the PostgreSQL password, the AS's key-encryption key).
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .cli_session import CliSession
from .tls import ensure_certificates

ROOT = Path(__file__).resolve().parents[1]
CliRunner = Callable[..., str]

#: Who exists in the story: (client id, scope) for the AS and for Inventory's legacy keys.
AS_CLIENTS = {
    "order-service": "inventory:read inventory:write",
    "catalog-reader": "inventory:read",
    "platform-admin": "inventory:admin",
    # Inventory's own client: it introspects admin tokens (RFC 7662) as this client.
    "inventory-service": "inventory:read",
}
#: The MCP agents: tokens for the MCP URL only, never for the REST API.
#: The ``-jwt`` one authenticates with private_key_jwt (a key pair made at bootstrap).
MCP_AGENTS = {
    "inventory-agent": "inventory:read inventory:write",
    "inventory-agent-jwt": "inventory:read inventory:write",
    "readonly-agent": "inventory:read",
}
API_KEYS = {
    "order-service": "inventory:read inventory:write",
    # Over-privileged, as legacy keys often are: the audit shows it only ever reads.
    "reporting-job": "inventory:read inventory:write",
}


def checked(session: CliSession) -> CliRunner:
    """``session``'s commands as a function returning stdout; a failed one ends the run."""

    def run(*args: str) -> str:
        result = session.run(*args)
        if result.returncode != 0:
            raise SystemExit(
                f"{session.package} {' '.join(args[:2])} failed:\n{result.stderr[-2000:]}"
            )
        return result.stdout

    return run


def create_credentials(
    auth_cli: CliRunner,
    inventory_cli: CliRunner,
    resource: str,
    mcp_resource: str | None = None,
    key_dir: Path | None = None,
) -> dict:
    """Register the demo's OAuth clients and API keys; return every secret, once.

    With ``mcp_resource``, also the MCP agents; the private_key_jwt agent's key pair is
    written to ``key_dir`` (git-ignored) and only its public JWKS is registered at the AS.
    Each service's commands run in one CLI session (``scripts/cli_session.py``), one after
    another (one SQLite database); the two services' sessions run side by side.
    """

    def clients() -> dict:
        secrets_ = {}
        for client_id, scope in AS_CLIENTS.items():
            out = auth_cli(
                "clients",
                "create",
                client_id,
                "--scope",
                scope,
                "--resource",
                resource,
                "--org",
                "acme",
            )
            secrets_[client_id] = json.loads(out)["client_secret"]
        made: dict = {"client_secrets": secrets_}
        if mcp_resource and key_dir:
            made["agents"] = create_agents(auth_cli, mcp_resource, key_dir)
        return made

    def keys() -> dict[str, str]:
        return {
            client_id: json.loads(inventory_cli("api-keys", "create", client_id, "--scope", scope))[
                "api_key"
            ]
            for client_id, scope in API_KEYS.items()
        }

    with ThreadPoolExecutor(2) as pool:  # result() re-raises a failed CLI's SystemExit here
        made_clients, made_keys = pool.submit(clients), pool.submit(keys)
        return {**made_clients.result(), "api_keys": made_keys.result()}


def create_agents(auth_cli: CliRunner, mcp_resource: str, key_dir: Path) -> dict:
    """The MCP agent clients; returns each one's secret or private key file."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from jwt.algorithms import ECAlgorithm

    agents: dict[str, dict[str, str]] = {}
    for client_id, scope in MCP_AGENTS.items():
        extra: list[str] = []
        if client_id.endswith("-jwt"):
            key = ec.generate_private_key(ec.SECP256R1())
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ).decode()
            public = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
            jwks = {"keys": [{**public, "kid": f"{client_id}-1", "alg": "ES256", "use": "sig"}]}
            key_file, jwks_file = key_dir / f"{client_id}.pem", key_dir / f"{client_id}.jwks.json"
            write_private(key_file, pem)
            write_private(jwks_file, json.dumps(jwks))
            extra = ["--auth-method", "private_key_jwt", "--jwks-file", str(jwks_file)]
        out = json.loads(
            auth_cli(
                "clients", "create", client_id, "--scope", scope,
                "--resource", mcp_resource, "--org", "acme", *extra,
            )
        )  # fmt: skip
        if extra:
            agents[client_id] = {"private_key_file": str(key_dir / f"{client_id}.pem")}
        else:
            agents[client_id] = {"client_secret": out["client_secret"]}
    return agents


def write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def containers() -> None:
    """Entry point of the compose ``bootstrap`` service; does nothing if already done."""
    if ensure_certificates(Path("/certs")):
        print("bootstrap: created a private CA and the proxy's certificate in /certs")
    demo_file = Path("/secrets/demo/credentials.json")
    if demo_file.exists():
        print("bootstrap: credentials already exist")
        return
    env = dict(os.environ)
    logs = Path(tempfile.mkdtemp(prefix="bootstrap-"))
    with (
        CliSession("auth_server", env, logs / "auth_server.log") as auth_cli,
        CliSession("inventory_service", env, logs / "inventory_service.log") as inventory_cli,
    ):
        creds = create_credentials(
            checked(auth_cli),
            checked(inventory_cli),
            env["INVENTORY_RESOURCE"],
            mcp_resource=env.get("INVENTORY_MCP_RESOURCE"),
            key_dir=demo_file.parent,
        )
    write_private(Path("/secrets/order/api_key"), creds["api_keys"]["order-service"])
    write_private(Path("/secrets/order/client_secret"), creds["client_secrets"]["order-service"])
    inventory_secret = creds["client_secrets"]["inventory-service"]
    write_private(Path("/secrets/inventory/client_secret"), inventory_secret)
    write_private(demo_file, json.dumps(creds))
    print("bootstrap: created OAuth clients and API keys")


def docker_env(path: Path = ROOT / ".env") -> Path:
    """Write compose's ``.env`` (admin token, phase-0 settings) unless one exists."""
    if path.exists():
        return path
    lines = [
        "# Generated by scripts/bootstrap.py; git-ignored. Delete it to start afresh.",
        f"AUTH_ADMIN_TOKEN={secrets.token_urlsafe(48)}",
        "ORDER_AUTH=api_key",
        "INVENTORY_AUTH_MODE=api_key",
        "INVENTORY_API_KEY_SUNSET=2027-06-30",
    ]
    write_private(path, "\n".join(lines) + "\n")
    return path


def scale_env(path: Path = ROOT / ".env") -> Path:
    """``docker_env``, plus the secrets of ``docker-compose.scale.yml`` that ``path`` lacks.

    Values already there are kept: a new ``AUTH_KEY_ENCRYPTION_KEY`` could no longer decrypt
    the signing keys in an existing database, and a new password would not match its role.
    """
    from cryptography.fernet import Fernet

    docker_env(path)
    present = {line.split("=", 1)[0] for line in path.read_text().splitlines() if "=" in line}
    wanted = {
        "POSTGRES_PASSWORD": secrets.token_urlsafe(32),  # URL-safe: it goes into the URLs
        "AUTH_KEY_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    }
    missing = [f"{name}={value}\n" for name, value in wanted.items() if name not in present]
    if missing:
        with path.open("a") as env:
            env.writelines(missing)
    return path


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "containers":
        containers()
    elif command == "docker-env":
        print(docker_env())
    elif command == "scale-env":
        print(scale_env())
    else:
        raise SystemExit("usage: python -m scripts.bootstrap containers|docker-env|scale-env")
