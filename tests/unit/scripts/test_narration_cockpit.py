"""The demo's sample config holds a live key: only its owner may read it."""

from __future__ import annotations

import os
import stat

from scripts.narration_cockpit import write_sample_config


def test_the_sample_config_with_a_live_key_is_private(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_sample_config(tmp_path / "sample-config", "ik_live_key")
    finally:
        os.umask(old)
    assert "INVENTORY_API_KEY=ik_live_key" in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_an_older_world_readable_sample_is_narrowed(tmp_path):
    sample = tmp_path / "sample-config"
    sample.mkdir()
    (sample / "reporting-job.env").write_text("old")
    os.chmod(sample / "reporting-job.env", 0o644)
    path = write_sample_config(sample, "ik_live_key")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
