"""The console's Jinja2 environment: every template gets t(), the locale, the CSRF token and formatters."""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import HTMLResponse

from zhongtai.web import csrf, formatting, i18n


def _console_context(request: Request) -> dict[str, Any]:
    locale = i18n.locale_of(request)
    # An error page for an unexpected error renders outside the session middleware: no session, no form.
    token = csrf.token(request) if "session" in request.scope else ""
    return {"t": i18n.translator(locale), "locale": locale, "csrf_token": token}


templates = Jinja2Templates(directory=str(resources.files("zhongtai") / "web" / "templates"),
                            context_processors=[_console_context])
templates.env.filters.update(qty=formatting.quantity, signed_qty=formatting.signed_quantity,
                             money=formatting.money, local_time=formatting.local_time,
                             clock_time=formatting.clock_time)
templates.env.globals.update(url=formatting.url)


def render(request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200,
           headers: dict[str, str] | None = None) -> HTMLResponse:
    """Render template `name` for this request."""
    return templates.TemplateResponse(request, name, context or {}, status_code=status, headers=headers)
