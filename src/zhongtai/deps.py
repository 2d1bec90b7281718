"""Request dependencies: the session (one commit per request), the caller, role and scope checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from zhongtai.config import Settings
from zhongtai.kernel.auth import Principal, Role, read_token
from zhongtai.kernel.errors import Forbidden, Unauthorized
from zhongtai.staff import service as staff_service

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request, committed once after the endpoint returns (before the response).

    Made here on the event loop (a session does no I/O until first used); only its end, which does, goes to a
    worker thread. As a sync dependency both its start and its end would cost a thread hop. A sync endpoint
    may commit as its last step (`session.commit()`, in the worker thread it already runs in): then nothing is
    left to do here but close, which needs no thread."""
    session: Session = request.app.state.sessionmaker()
    try:
        yield session
    except BaseException:
        await run_in_threadpool(_end, session, commit=False)
        raise
    if session.in_transaction() or session.new or session.dirty or session.deleted:
        await run_in_threadpool(_end, session, commit=True)
    else:  # nothing begun, or the endpoint committed in its own worker thread: closing does no I/O
        session.close()


def _end(session: Session, *, commit: bool) -> None:
    """Commit (or roll back) and close; a failed commit is rolled back."""
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def app_settings(request: Request) -> Settings:
    """The settings the running app was built with (async: a plain read, not worth a worker thread)."""
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(app_settings)]


def get_principal(
    request: Request,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    api_key: Annotated[str | None, Depends(api_key_scheme)],
) -> Principal:
    """The caller: a bearer token (staff), an X-API-Key (integration client), or the console session.

    Resolved in its own short read-only session, so authenticating never holds the request's write lock.
    """
    key = _key(token, api_key)
    principal = staff_service.remembered_client(key) if key else None
    if principal is None:
        with request.app.state.read_sessionmaker() as session:
            principal = _resolve(request, session, settings, token, key)
    request.state.principal = principal
    return principal


async def current_principal(
    request: Request,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    api_key: Annotated[str | None, Depends(api_key_scheme)],
) -> Principal:
    """`get_principal` as the request dependency. A till sends its key with every request: a key resolved
    moments ago is answered right here on the event loop; only a database read goes to a worker thread (a
    sync dependency would cost a thread hop on every request)."""
    key = _key(token, api_key)
    principal = staff_service.remembered_client(key) if key else None
    if principal is None:
        return await run_in_threadpool(get_principal, request, settings, token, api_key)
    request.state.principal = principal
    return principal


def _key(token: str | None, api_key: str | None) -> str | None:
    """The API key: the X-API-Key header, or a bearer token that is an API key."""
    return api_key or (token if token and token.startswith("zt_") else None)


def _resolve(request: Request, session: Session, settings: Settings, token: str | None,
             api_key: str | None) -> Principal:
    """`api_key`: the X-API-Key header, or a bearer token that is an API key."""
    if api_key:
        return staff_service.principal_for_api_key(session, api_key=api_key)
    if token:
        user_id, version = read_token(token, secret=settings.secret_key)
        user = staff_service.user_for_token(session, user_id=user_id, token_version=version)
        return staff_service.principal_for_user(session, user)
    data = request.scope.get("session") or {}
    if data.get("user_id"):
        user = staff_service.user_for_token(session, user_id=int(data["user_id"]), token_version=int(data.get("ver", 0)))
        return staff_service.principal_for_user(session, user)
    raise Unauthorized()


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role):
    """Only staff users with one of `roles` may call. (Async: the check reads nothing, and a sync dependency
    would cost a worker-thread hop on every request.)"""

    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.kind != "user" or principal.role not in roles:
            raise Forbidden(f"Requires role {' or '.join(r.value for r in roles)}", detail={
                "required_roles": [r.value for r in roles]})
        return principal

    return check


def require_scope(scope: str, *staff_roles: Role):
    """Integration clients need `scope`; staff users need one of `staff_roles` (any role if none given).
    A plain function, which code holding a principal may also call; `scope_dependency` is the same check as
    an async dependency."""

    def check(principal: CurrentPrincipal) -> Principal:
        return _check_scope(principal, scope, staff_roles)

    return check


def scope_dependency(scope: str, *staff_roles: Role):
    """`require_scope` for `Depends`, run on the event loop: the check reads nothing, and a sync dependency
    would cost a worker-thread hop on every request."""

    async def check(principal: CurrentPrincipal) -> Principal:
        return _check_scope(principal, scope, staff_roles)

    return check


def _check_scope(principal: Principal, scope: str, staff_roles: tuple[Role, ...]) -> Principal:
    if principal.kind == "client" and scope not in principal.scopes:
        raise Forbidden(f"API key lacks scope {scope}", detail={"required_scope": scope})
    if principal.kind == "user" and staff_roles and principal.role not in staff_roles:
        raise Forbidden("Role not allowed", detail={"required_roles": [r.value for r in staff_roles]})
    return principal


HQPrincipal = Annotated[Principal, Depends(require_roles(Role.HQ_ADMIN))]
ManagerPrincipal = Annotated[Principal, Depends(require_roles(Role.HQ_ADMIN, Role.STORE_MANAGER))]
StaffPrincipal = Annotated[Principal, Depends(require_roles(Role.HQ_ADMIN, Role.STORE_MANAGER, Role.GUIDE))]
