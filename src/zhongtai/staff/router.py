"""Sign-in, staff users and integration clients."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from zhongtai.deps import CurrentPrincipal, HQPrincipal, ManagerPrincipal, SessionDep, SettingsDep
from zhongtai.kernel import ratelimit
from zhongtai.kernel.auth import issue_token
from zhongtai.kernel.errors import Forbidden
from zhongtai.kernel.pagination import Page, PageParams, page_params
from zhongtai.staff import service
from zhongtai.staff.models import ApiClient, User
from zhongtai.staff.schemas import (
    ApiClientCreate,
    ApiClientCreated,
    ApiClientRead,
    Token,
    UserCreate,
    UserRead,
    UserUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["auth & staff"])
PageDep = Annotated[PageParams, Depends(page_params)]


@router.post("/auth/token", response_model=Token)
def token(request: Request, session: SessionDep, settings: SettingsDep,
          form: Annotated[OAuth2PasswordRequestForm, Depends()]):
    """Exchange username and password for a bearer token (OAuth2 password flow); rate limited."""
    ratelimit.hit(storage_uri=settings.rate_limit_storage, rule=settings.login_rate_limit,
                  key=ratelimit.login_rate_key(request, form.username))
    user = service.authenticate(session, username=form.username, password=form.password)
    access = issue_token(user_id=user.id, secret=settings.secret_key, ttl_minutes=settings.token_ttl_minutes,
                         token_version=user.token_version)
    return Token(access_token=access, expires_in=settings.token_ttl_minutes * 60)


def _user_read(user: User, store_ids: list[int]) -> UserRead:
    return UserRead.model_validate({**{c: getattr(user, c) for c in UserRead.model_fields if c != "store_ids"},
                                    "store_ids": store_ids})


@router.get("/auth/me", response_model=UserRead)
def me(session: SessionDep, principal: CurrentPrincipal):
    """The signed-in staff user."""
    if principal.kind != "user":
        raise Forbidden("Only staff users have a profile")
    user = service.get_user(session, actor=principal, user_id=principal.id)
    return _user_read(user, sorted(principal.store_ids))


@router.post("/auth/revoke", status_code=status.HTTP_204_NO_CONTENT)
def revoke(session: SessionDep, principal: CurrentPrincipal):
    """Sign out everywhere: every token issued so far stops working."""
    if principal.kind != "user":
        raise Forbidden("Only staff users have tokens")
    service.revoke_tokens(session, user=service.get_user(session, actor=principal, user_id=principal.id))


@router.get("/users", response_model=Page[UserRead])
def list_users(session: SessionDep, actor: ManagerPrincipal, page: PageDep):
    """Staff of the caller's stores (head office: everyone)."""
    users, stores, total = service.list_users(session, actor=actor, limit=page.limit, offset=page.offset)
    return Page[UserRead](items=[_user_read(u, stores[u.id]) for u in users], total=total, **page.model_dump())


@router.post("/users", response_model=UserRead, status_code=status.HTTP_201_CREATED)
def create_user(session: SessionDep, actor: ManagerPrincipal, user_in: UserCreate):
    """Create a staff user (head office: any role; store manager: guides of their stores)."""
    user = service.create_user(session, actor=actor, user_in=user_in)
    return _user_read(user, service.store_ids_of_user(session, user_id=user.id))


@router.get("/users/{user_id}", response_model=UserRead)
def get_user(session: SessionDep, actor: ManagerPrincipal, user_id: int):
    """One staff user within the caller's stores."""
    user = service.get_user(session, actor=actor, user_id=user_id)
    return _user_read(user, service.store_ids_of_user(session, user_id=user.id))


@router.patch("/users/{user_id}", response_model=UserRead)
def update_user(session: SessionDep, actor: ManagerPrincipal, user_id: int, user_in: UserUpdate):
    """Change role, stores, password or status; tokens are revoked when access changes."""
    user = service.update_user(session, actor=actor, user_id=user_id, user_in=user_in)
    return _user_read(user, service.store_ids_of_user(session, user_id=user.id))


def _client_read(client: ApiClient, store_ids: list[int]) -> dict:
    return {**{c: getattr(client, c) for c in ApiClientRead.model_fields if c != "store_ids"},
            "store_ids": store_ids}


@router.get("/api-clients", response_model=Page[ApiClientRead])
def list_api_clients(session: SessionDep, _: HQPrincipal, page: PageDep):
    """Connected systems and their scopes (head office)."""
    clients, stores, total = service.list_api_clients(session, limit=page.limit, offset=page.offset)
    return Page[ApiClientRead](items=[ApiClientRead.model_validate(_client_read(c, stores[c.id])) for c in clients],
                               total=total, **page.model_dump())


@router.post("/api-clients", response_model=ApiClientCreated, status_code=status.HTTP_201_CREATED)
def create_api_client(session: SessionDep, _: HQPrincipal, client_in: ApiClientCreate):
    """Register a connected system; the API key is in this response only."""
    client, key = service.create_api_client(session, client_in=client_in)
    store_ids = service.store_ids_of_client(session, client_id=client.id)
    return ApiClientCreated.model_validate({**_client_read(client, store_ids), "api_key": key,
                                            "signing_secret": client.signing_secret})


@router.delete("/api-clients/{client_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_api_client(session: SessionDep, _: HQPrincipal, client_id: int):
    """Revoke a client's key at once."""
    service.revoke_api_client(session, client_id=client_id)
