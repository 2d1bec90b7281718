"""CSRF protection for console forms: a random token per session, sent back as a form field or header."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Form, Header
from starlette.requests import Request

from zhongtai.kernel.errors import Forbidden


class CsrfFailed(Forbidden):
    code, message = "csrf_failed", "Missing or wrong CSRF token; reload the page and submit again"


def token(request: Request) -> str:
    """This session's CSRF token, created on first use."""
    if not request.session.get("csrf"):
        rotate(request)
    return request.session["csrf"]


def rotate(request: Request) -> None:
    """Issue a fresh token (at sign-in, so a token seen before it is worthless)."""
    request.session["csrf"] = secrets.token_urlsafe(32)


def check(request: Request, given: str | None) -> None:
    """Raise CsrfFailed unless `given` is this session's token."""
    expected = request.session.get("csrf")
    if not expected or not given or not hmac.compare_digest(expected.encode(), given.encode()):
        raise CsrfFailed()


def _require(
    request: Request,
    csrf_token: Annotated[str | None, Form()] = None,
    x_csrf_token: Annotated[str | None, Header()] = None,
) -> None:
    check(request, csrf_token or x_csrf_token)


# For state-changing console routes: the form field `csrf_token` or the header X-CSRF-Token (htmx).
CsrfProtected = Depends(_require)
