"""The console's Jinja2 environment: every template gets t(), the locale and the CSRF token."""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import HTMLResponse

from zhongtai.web import csrf, i18n


def _console_context(request: Request) -> dict[str, Any]:
    locale = i18n.locale_of(request)
    return {"t": i18n.translator(locale), "locale": locale, "csrf_token": csrf.token(request)}


templates = Jinja2Templates(directory=str(resources.files("zhongtai") / "web" / "templates"),
                            context_processors=[_console_context])


def render(request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200) -> HTMLResponse:
    """Render template `name` for this request."""
    return templates.TemplateResponse(request, name, context or {}, status_code=status)
