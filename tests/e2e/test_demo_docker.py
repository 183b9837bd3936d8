"""`make demo-docker`: the same narration as `make demo`, against the compose stack."""

import subprocess
import sys

import pytest

from tests.support.processes import ROOT

pytestmark = pytest.mark.e2e


def test_the_narration_passes_against_docker_compose(docker_engine):
    result = subprocess.run(
        [sys.executable, "-m", "scripts.demo", "--docker"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Phase 3 · token-only" in result.stdout
    assert "docker compose" in result.stdout
