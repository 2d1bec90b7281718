"""The console's error page: the status and a translated message where the API would answer JSON."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse

from zhongtai.kernel.logging import request_id_var
from zhongtai.web import i18n
from zhongtai.web.templating import render


def error_page(request: Request, status: int, code: str, headers: dict[str, str] | None) -> HTMLResponse:
    """An HTML page for an error on a console route, keeping its status and headers."""
    context = {"status": status, "code": code, "message": message(i18n.locale_of(request), status, code),
               "request_id": request_id_var.get()}
    return render(request, "error.html", context, status=status, headers=headers)


def message(locale: str, status: int, code: str) -> str:
    """The error's own message, else one for its HTTP status, else a general one."""
    t = i18n.translator(locale)
    return t(f"error.{code}", default=t(f"error.http_{status}", default=t("error.generic")))
