"""Inbound formats. Every module in this package registers its kinds/formats in `base.KINDS` on import;
`kinds()` imports them all once, so a new format is a new module here and nothing else."""

from __future__ import annotations

import importlib
import pkgutil

from zhongtai.integration.formats.base import KINDS, Kind, Parsed, register

__all__ = ["KINDS", "Kind", "Parsed", "kinds", "register"]

_loaded = False


def kinds() -> dict[str, Kind]:
    """Every registered kind, after importing every format module in this package."""
    global _loaded
    if not _loaded:
        for info in pkgutil.iter_modules(__path__):
            if info.name != "base":
                importlib.import_module(f"{__name__}.{info.name}")
        _loaded = True
    return KINDS
