"""Shared CLI plumbing: one unit of work per command, errors as one clean line."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from sqlalchemy.orm import Session

from zhongtai.db.session import session_scope
from zhongtai.kernel.errors import ZhongtaiError

console = Console()
err_console = Console(stderr=True)


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A session committed once when the command succeeds; a domain error exits 2 with its code."""
    from zhongtai.registry import load_models

    load_models()  # every mapper configured, whichever domain the command touches
    try:
        with session_scope() as session:
            yield session
    except ZhongtaiError as exc:
        err_console.print(f"[red]error[/red] {exc.code}: {exc.message}" + (
            f" {exc.detail}" if exc.detail not in (None, exc.message) else ""))
        sys.exit(2)
