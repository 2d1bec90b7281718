"""`zhongtai serve` as an operator starts it: a real server process with the relay and sweepers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests import factories as f


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TestServe:
    @pytest.mark.parametrize("workers", [1, 2])
    def test_serves_api_and_console_and_relays_events(self, settings, engine, db, workers):
        f.user(db, username="ops")
        port = _free_port()
        env = {**os.environ, "ZHONGTAI_DATABASE_URL": settings.database_url, "ZHONGTAI_ENVIRONMENT": "test",
               "ZHONGTAI_SECRET_KEY": settings.secret_key, "ZHONGTAI_OUTBOX_POLL_SECONDS": "0.2"}
        proc = subprocess.Popen([sys.executable, "-m", "zhongtai.cli", "serve", "--port", str(port),
                                 "--workers", str(workers)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(base, proc)
            token = httpx.post(f"{base}/api/v1/auth/token", data={"username": "ops", "password": f.PASSWORD}).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            created = httpx.post(f"{base}/api/v1/stores", headers=headers, json={
                "code": "LIVE1", "name": "实时店", "latitude": 31.2, "longitude": 121.4})
            assert created.status_code == 201
            assert httpx.get(f"{base}/console/login").status_code == 200
            assert httpx.get(f"{base}/static/vendor/echarts.min.js").status_code == 200
            _wait_dispatched(db)
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def _wait_ready(base: str, proc: subprocess.Popen) -> None:
    for _ in range(150):
        if proc.poll() is not None:
            raise AssertionError(proc.stdout.read().decode())
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("server did not become ready")


def _wait_dispatched(db) -> None:
    """The in-process relay delivers the committed events without anyone running `outbox relay`."""
    from sqlalchemy import func, select

    from zhongtai.kernel.outbox import OutboxEvent

    for _ in range(100):
        db.rollback()
        if db.scalar(select(func.count()).where(OutboxEvent.dispatched_at.is_(None))) == 0:
            return
        time.sleep(0.2)
    raise AssertionError("outbox events were not relayed by serve")
