"""Run the `zhongtai` command as an operator does: a real subprocess against the test database."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.fixture
def zt(settings, engine):
    env = {**os.environ, "ZHONGTAI_DATABASE_URL": settings.database_url, "ZHONGTAI_ENVIRONMENT": "test",
           "COLUMNS": "200", "NO_COLOR": "1"}

    def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run([sys.executable, "-m", "zhongtai.cli", *args], capture_output=True, text=True,
                              env=env, timeout=120)
        if ok:
            assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc

    return run
