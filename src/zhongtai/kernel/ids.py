"""Identifiers: time-ordered UUIDv7 for events and documents (good index locality)."""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last = {"ms": 0, "seq": 0}


def uuid7() -> uuid.UUID:
    """A UUIDv7 (RFC 9562), monotonic within this process: a 12-bit counter orders ids of one millisecond."""
    with _lock:
        ms = max(time.time_ns() // 1_000_000, _last["ms"])
        seq = _last["seq"] + 1 if ms == _last["ms"] else int.from_bytes(os.urandom(2), "big") & 0x3FF
        if seq > 0xFFF:  # counter exhausted: borrow the next millisecond
            ms, seq = ms + 1, 0
        _last.update(ms=ms, seq=seq)
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | seq << 64 | 0x2 << 62 | rand_b
    return uuid.UUID(int=value)
