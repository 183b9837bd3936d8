"""``AUTH_KEY_ENCRYPTION_KEY`` (or ``_FILE``): the Fernet key that encrypts signing keys at rest.

Needed only with ``AUTH_DATABASE_URL``, where the private signing keys live in the database
(``postgres_keys.py``). The format is Fernet's: 32 random bytes, base64url, 44 characters —
``python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"``.
The value is checked at start and never printed; a wrong key fails at start, not at the
first token.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet

from service_kit.settings import ConfigError, Environment

HOW = 'e.g. python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key())"'


def load_key_encryption_key(raw: Environment, required: bool) -> str | None:
    value, path = raw.get("key_encryption_key"), raw.get("key_encryption_key_file")
    name = raw.variable("key_encryption_key")
    if value and path:
        raise ConfigError(f"set {name} or {name}_FILE, not both")
    if path:
        try:
            value = Path(str(path)).read_text().strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE cannot be read: {exc.strerror}") from None
    if not value:
        if required:
            raise ConfigError(
                f"{name} (or {name}_FILE) is required with {raw.variable('database_url')}:"
                f" it encrypts the signing keys in the database; {HOW}"
            )
        return None
    try:
        Fernet(str(value).encode())
    except ValueError:
        raise ConfigError(
            f"{name} must be 32 random bytes in base64url (44 characters); {HOW}"
        ) from None
    return str(value)
