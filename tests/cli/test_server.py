"""`zhongtai.server`: worker processes fed connections in turn by the parent, as an operator runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.cli.test_serve import _free_port, _wait_ready

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def served():
    """`python -m zhongtai.server tests.serving_app:pid_app --workers 2`; yields (base URL, process)."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "zhongtai.server", "tests.serving_app:pid_app", "--port",
                             str(port), "--workers", "2", "--log-level", "warning"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, proc)
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def _pid(client: httpx.Client) -> int:
    resp = client.get("/pid")
    assert resp.status_code == 200
    return resp.json()["pid"]


class TestRoundRobin:
    def test_keep_alive_connections_are_dealt_evenly_and_stay_with_their_worker(self, served):
        base, proc = served
        clients = [httpx.Client(base_url=base) for _ in range(8)]
        try:
            first = [_pid(c) for c in clients]  # eight connections opened one after another
            assert sorted(Counter(first).values()) == [4, 4], first
            assert proc.pid not in first  # the parent only accepts; workers serve
            assert [_pid(c) for c in clients] == first  # a kept-alive connection stays with its worker
        finally:
            for c in clients:
                c.close()

    def test_a_worker_that_dies_is_replaced_and_no_connection_is_lost(self, served):
        base, _proc = served
        with httpx.Client(base_url=base) as a, httpx.Client(base_url=base) as b:
            victim, survivor = _pid(a), _pid(b)
        assert victim != survivor
        os.kill(victim, signal.SIGKILL)
        seen: set[int] = set()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(seen - {victim, survivor}) == 0:
            with httpx.Client(base_url=base) as c:  # a new connection each time: every one is answered
                seen.add(_pid(c))
            time.sleep(0.05)
        assert victim not in seen
        assert seen - {victim, survivor}, "no replacement worker served a connection"

    def test_sigterm_stops_the_workers_and_the_parent(self, served):
        base, proc = served
        with httpx.Client(base_url=base) as a, httpx.Client(base_url=base) as b:
            workers = {_pid(a), _pid(b)}
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        for pid in workers:
            assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
