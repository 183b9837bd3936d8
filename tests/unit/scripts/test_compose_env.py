"""``python -m scripts.bootstrap docker-env`` / ``scale-env``: the compose .env, generated."""

from __future__ import annotations

import os
import stat

from cryptography.fernet import Fernet

from scripts.bootstrap import docker_env, scale_env


def _values(path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def test_scale_env_adds_a_database_password_and_a_fernet_key_to_a_private_env(tmp_path):
    env = scale_env(tmp_path / ".env")
    values = _values(env)
    assert stat.S_IMODE(os.stat(env).st_mode) == 0o600
    Fernet(values["AUTH_KEY_ENCRYPTION_KEY"].encode())  # a valid key, or this raises
    assert len(values["POSTGRES_PASSWORD"]) >= 43  # 32 random bytes, URL-safe
    assert values["AUTH_ADMIN_TOKEN"] and values["INVENTORY_AUTH_MODE"] == "api_key"


def test_scale_env_keeps_the_values_an_existing_env_has(tmp_path):
    env = docker_env(tmp_path / ".env")
    with env.open("a") as f:
        f.write("POSTGRES_PASSWORD=kept\n")
    first = _values(scale_env(env))
    second = _values(scale_env(env))
    assert first == second and first["POSTGRES_PASSWORD"] == "kept"
    assert env.read_text().count("AUTH_KEY_ENCRYPTION_KEY=") == 1
