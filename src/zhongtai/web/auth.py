"""Who is using the console: the staff user in the session cookie, else a trip to the login form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import Depends
from sqlalchemy.orm import Session
from starlette.requests import Request

from zhongtai.deps import SessionDep
from zhongtai.kernel import ratelimit
from zhongtai.kernel.auth import Principal
from zhongtai.kernel.errors import Unauthorized, ZhongtaiError
from zhongtai.staff import service as staff_service
from zhongtai.staff.models import User
from zhongtai.web import csrf

HOME = "/console/"
_USER_KEYS = ("user_id", "ver")


class LoginRequired(ZhongtaiError):
    status, code, message = 303, "login_required", "Sign in to use the console"


class HtmxLoginRequired(LoginRequired):
    # htmx follows a 303 inside its XHR and would swap the login page into the table; HX-Redirect
    # makes it load the login page as a whole page instead.
    status = 401


@dataclass(frozen=True)
class Viewer:
    """The signed-in staff user, as the console shows and scopes them."""

    principal: Principal
    display_name: str


def safe_next(value: str | None) -> str:
    """`value` if it is a path on this site, else the console home (no open redirects)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return HOME
    parts = urlsplit(value)
    return HOME if parts.scheme or parts.netloc else value


def login_url(next_path: str) -> str:
    return "/console/login?" + urlencode({"next": safe_next(next_path)})


def _login_required(request: Request) -> LoginRequired:
    if request.headers.get("HX-Request"):
        return HtmxLoginRequired(headers={"HX-Redirect": login_url(HOME)})
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return LoginRequired(headers={"Location": login_url(here)})


def current_viewer(request: Request, session: SessionDep) -> Viewer:
    """The signed-in console user; otherwise LoginRequired (a redirect to the login form)."""
    data = request.session
    try:
        user = staff_service.user_for_token(session, user_id=int(data["user_id"]), token_version=int(data["ver"]))
    except (KeyError, TypeError, ValueError, Unauthorized):
        for key in _USER_KEYS:
            data.pop(key, None)
        raise _login_required(request) from None
    principal = staff_service.principal_for_user(session, user)
    return Viewer(principal=principal, display_name=user.display_name or user.username)


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


def check_credentials(request: Request, session: Session, *, username: str, password: str) -> User:
    """The user with these credentials; attempts share the API's per-address-and-username rate limit."""
    settings = request.app.state.settings
    ratelimit.hit(storage_uri=settings.rate_limit_storage, rule=settings.login_rate_limit,
                  key=ratelimit.login_rate_key(request, username))
    return staff_service.authenticate(session, username=username, password=password)


def sign_in(request: Request, user: User) -> None:
    """Start a fresh console session for `user`, keeping the language already chosen."""
    locale = request.session.get("locale") or user.locale
    request.session.clear()
    request.session.update(user_id=user.id, ver=user.token_version, locale=locale)
    csrf.rotate(request)


def sign_out(request: Request) -> None:
    """End the console session (the language choice stays)."""
    locale = request.session.get("locale")
    request.session.clear()
    if locale:
        request.session["locale"] = locale
