"""Publishing outbox events to NATS JetStream from synchronous code.

nats-py is asyncio-only; one background event loop per publisher keeps a single connection open.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any



class JetStreamPublisher:
    """A connection to JetStream with a blocking `publish`; the stream is created if missing."""

    def __init__(self, url: str, stream: str, *, prefix: str = "zhongtai", timeout: float = 5.0):
        self.url, self.stream, self.prefix, self.timeout = url, stream, prefix, timeout
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="nats-publisher", daemon=True)
        self._thread.start()
        self._nc: Any = None
        self._js: Any = None
        self._call(self._connect())

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(self.timeout + 1)

    async def _connect(self) -> None:
        import nats

        self._nc = await nats.connect(self.url, connect_timeout=self.timeout, max_reconnect_attempts=3)
        self._js = self._nc.jetstream(timeout=self.timeout)
        try:
            await self._js.stream_info(self.stream)
        except Exception:  # stream missing: create it
            await self._js.add_stream(name=self.stream, subjects=[f"{self.prefix}.>"])

    def publish(self, event_type: str, data: bytes, *, msg_id: str) -> None:
        """Publish to <prefix>.<event_type> and wait for the ack; `msg_id` lets JetStream drop duplicates."""
        self._call(self._js.publish(f"{self.prefix}.{event_type}", data, headers={"Nats-Msg-Id": msg_id}))

    def close(self) -> None:
        if self._nc is not None:
            self._call(self._nc.drain())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
