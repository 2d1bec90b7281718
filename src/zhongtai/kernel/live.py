"""In-process fan-out of committed events to live subscribers (Server-Sent Events to the console).

The outbox relay calls `publish` from its thread after an event is committed; each subscriber is an
asyncio queue on the server's event loop. Slow subscribers lose their oldest messages, never block.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

_lock = threading.Lock()
_subscribers: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]]] = defaultdict(set)
QUEUE_SIZE = 256


def publish(topic: str, message: dict[str, Any]) -> int:
    """Send `message` to every subscriber of `topic`; returns how many were sent to."""
    with _lock:
        targets = list(_subscribers.get(topic, ()))
    for loop, queue in targets:
        loop.call_soon_threadsafe(_offer, queue, message)
    return len(targets)


def _offer(queue: asyncio.Queue, message: dict[str, Any]) -> None:
    if queue.full():
        queue.get_nowait()
    queue.put_nowait(message)


async def subscribe(topic: str, *, heartbeat_seconds: float = 15.0) -> AsyncIterator[str]:
    """Yield Server-Sent Event frames for `topic` (with heartbeats) until the client goes away."""
    entry = (asyncio.get_running_loop(), asyncio.Queue(QUEUE_SIZE))
    with _lock:
        _subscribers[topic].add(entry)
    try:
        yield "retry: 3000\n\n"
        while True:
            try:
                message = await asyncio.wait_for(entry[1].get(), timeout=heartbeat_seconds)
            except TimeoutError:
                yield ": heartbeat\n\n"
                continue
            yield f"event: {message.get('type', 'message')}\ndata: {json.dumps(message, ensure_ascii=False)}\n\n"
    finally:
        with _lock:
            _subscribers[topic].discard(entry)


def subscriber_count(topic: str) -> int:
    with _lock:
        return len(_subscribers.get(topic, ()))
