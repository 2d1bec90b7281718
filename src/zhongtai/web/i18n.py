"""Console labels: one flat message catalogue per locale, chosen per session (Chinese by default)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from importlib import resources

from starlette.requests import Request

LOCALES = ("zh", "en")
Translator = Callable[..., str]


@lru_cache
def catalogue(locale: str) -> dict[str, str]:
    """The messages of `locale`, key → text."""
    path = resources.files("zhongtai.web") / "locales" / f"{locale}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def locale_of(request: Request) -> str:
    """The locale chosen in this session, else the configured default."""
    chosen = request.session.get("locale") if "session" in request.scope else None
    return chosen if chosen in LOCALES else request.app.state.settings.default_locale


def translator(locale: str) -> Translator:
    """t(key, default=None, **params) for `locale`; a missing key shows itself so gaps are visible."""
    messages = catalogue(locale)

    def t(key: str, default: str | None = None, **params: object) -> str:
        text = messages.get(key, key if default is None else default)
        return text.format(**params) if params else text

    return t
