"""Staff use cases: sign in, manage users and integration clients, resolve the caller."""

from __future__ import annotations

import time
from collections.abc import Collection

from sqlalchemy.orm import Session

from zhongtai.kernel import clock, outbox, signing
from zhongtai.kernel.auth import (
    Principal,
    Role,
    api_key_matches,
    api_key_prefix,
    hash_api_key,
    hash_password,
    new_api_key,
    verify_password,
)
from zhongtai.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from zhongtai.staff import policies, repository
from zhongtai.staff.events import ApiClientCreated, UserCreated
from zhongtai.staff.models import ApiClient, User
from zhongtai.staff.schemas import ApiClientCreate, UserCreate, UserUpdate
from zhongtai.stores import service as stores_service


class InvalidCredentials(Unauthorized):
    code, message = "invalid_credentials", "Incorrect username or password"


class InvalidApiKey(Unauthorized):
    code, message = "invalid_api_key", "Unknown, revoked or malformed API key"


class UserNotFound(NotFound):
    code, message = "user_not_found", "User not found"


class UsernameTaken(Conflict):
    code, message = "username_taken", "This username is already in use"


class ClientCodeTaken(Conflict):
    code, message = "api_client_code_taken", "An API client with this code already exists"


class UnknownStoreCodes(InvalidInput):
    code, message = "unknown_store_codes", "Some store codes do not exist"


class StoresRequired(InvalidInput):
    code, message = "stores_required", "Store managers and guides must be assigned to at least one store"


class NotYourStaff(Forbidden):
    code, message = "cannot_manage_user", "You may not manage users of this role or store"


# Computed once so a failed login for an unknown user costs as much as a wrong password.
_DUMMY_HASH = hash_password("not-a-real-password")


def authenticate(session: Session, *, username: str, password: str) -> User:
    """The active user with these credentials, else InvalidCredentials."""
    user = repository.get_user_by_username(session, username)
    if user is None:
        verify_password(_DUMMY_HASH, password)
        raise InvalidCredentials()
    if not verify_password(user.password_hash, password) or not user.is_active:
        raise InvalidCredentials()
    user.last_login_at = clock.now()
    return user


def principal_for_user(session: Session, user: User) -> Principal:
    """The Principal a signed-in user acts as."""
    role = Role(user.role)
    return Principal(kind="user", id=user.id, name=user.username, role=role,
                     store_ids=frozenset(repository.store_ids_of_user(session, user.id)),
                     all_stores=role == Role.HQ_ADMIN)


def user_for_token(session: Session, *, user_id: int, token_version: int) -> User:
    """The user a token names, if still active and the token not revoked."""
    user = repository.get_user(session, user_id)
    if user is None or not user.is_active or user.token_version != token_version:
        raise Unauthorized("Token revoked or user inactive")
    return user


# Integration clients send their key with every request (a till or a shop platform, many per second):
# a worker remembers a resolved key briefly. Revoking clears this worker's memory at once; other workers
# forget within CLIENT_PRINCIPAL_TTL_SECONDS.
CLIENT_PRINCIPAL_TTL_SECONDS = 5.0
_client_principals: dict[str, tuple[float, Principal]] = {}


def remembered_client(api_key: str) -> Principal | None:
    """The principal of a key resolved in the last few seconds, without touching the database."""
    hit = _client_principals.get(hash_api_key(api_key))
    return hit[1] if hit is not None and hit[0] > time.monotonic() else None


def principal_for_api_key(session: Session, *, api_key: str) -> Principal:
    """The Principal an integration client acts as, from its API key."""
    prefix = api_key_prefix(api_key)
    client = repository.get_client_by_prefix(session, prefix) if prefix else None
    if client is None or not client.is_active or not api_key_matches(api_key, client.key_hash):
        raise InvalidApiKey()
    principal = Principal(kind="client", id=client.id, name=client.code, scopes=frozenset(client.scopes),
                          store_ids=frozenset(repository.store_ids_of_client(session, client.id)),
                          all_stores=client.all_stores)
    _client_principals[hash_api_key(api_key)] = (time.monotonic() + CLIENT_PRINCIPAL_TTL_SECONDS, principal)
    return principal


def _store_ids(session: Session, codes: Collection[str]) -> list[int]:
    found = stores_service.ids_for_codes(session, codes=codes)
    missing = sorted(set(codes) - set(found))
    if missing:
        raise UnknownStoreCodes(detail={"unknown": missing})
    return sorted(found.values())


def _check_may_manage(actor: Principal, role: Role, store_ids: Collection[int]) -> None:
    if not policies.may_manage(actor.role, role) or not all(actor.can_see_store(s) for s in store_ids):
        raise NotYourStaff()


def create_user(session: Session, *, actor: Principal, user_in: UserCreate) -> User:
    """Create a staff user with a role and stores."""
    store_ids = _store_ids(session, user_in.store_codes)
    if policies.needs_stores(user_in.role) and not store_ids:
        raise StoresRequired()
    _check_may_manage(actor, user_in.role, store_ids)
    if repository.get_user_by_username(session, user_in.username) is not None:
        raise UsernameTaken(detail={"username": user_in.username})
    user = User(username=user_in.username, display_name=user_in.display_name, role=user_in.role.value,
                password_hash=hash_password(user_in.password), locale=user_in.locale)
    session.add(user)
    session.flush()
    repository.set_user_stores(session, user.id, store_ids)
    outbox.record(session, UserCreated(user_id=user.id, username=user.username, role=user.role,
                                       store_ids=store_ids))
    return user


def get_user(session: Session, *, actor: Principal, user_id: int) -> User:
    """A user the actor may see (same stores, or head office)."""
    user = repository.get_user(session, user_id)
    if user is None:
        raise UserNotFound(detail={"user_id": user_id})
    if not actor.all_stores and user.id != actor.id:
        if not set(repository.store_ids_of_user(session, user.id)) & actor.store_ids:
            raise UserNotFound(detail={"user_id": user_id})
    return user


def update_user(session: Session, *, actor: Principal, user_id: int, user_in: UserUpdate) -> User:
    """Change a user's role, stores, password or status; revokes their tokens when access shrinks."""
    user = get_user(session, actor=actor, user_id=user_id)
    changes = user_in.model_dump(exclude_unset=True)
    role = Role(changes.get("role") or user.role)
    store_ids = _store_ids(session, user_in.store_codes) if user_in.store_codes is not None \
        else repository.store_ids_of_user(session, user.id)
    _check_may_manage(actor, role, store_ids)
    if policies.needs_stores(role) and not store_ids:
        raise StoresRequired()
    if user_in.store_codes is not None:
        repository.set_user_stores(session, user.id, store_ids)
    for field in ("display_name", "locale", "is_active"):
        if changes.get(field) is not None:
            setattr(user, field, changes[field])
    user.role = role.value
    if user_in.password:
        user.password_hash = hash_password(user_in.password)
    if {"password", "role", "store_codes"} & changes.keys() or changes.get("is_active") is False:
        user.token_version += 1
    session.flush()
    return user


def list_users(session: Session, *, actor: Principal, limit: int, offset: int):
    """Users the actor may see, with their store ids."""
    users, total = repository.list_users(session, stores_service.visible_store_ids(actor),
                                         limit=limit, offset=offset)
    return users, repository.store_ids_of_users(session, [u.id for u in users]), total


def store_ids_of_user(session: Session, *, user_id: int) -> list[int]:
    return repository.store_ids_of_user(session, user_id)


def revoke_tokens(session: Session, *, user: User) -> None:
    """Sign the user out everywhere."""
    user.token_version += 1
    session.flush()


def create_api_client(session: Session, *, client_in: ApiClientCreate) -> tuple[ApiClient, str]:
    """Register a connected system; returns the client and its API key (shown once)."""
    if repository.get_client_by_code(session, client_in.code) is not None:
        raise ClientCodeTaken(detail={"code": client_in.code})
    store_ids = _store_ids(session, client_in.store_codes)
    key, prefix, key_hash = new_api_key()
    client = ApiClient(code=client_in.code, name=client_in.name, kind=client_in.kind, key_prefix=prefix,
                       key_hash=key_hash, scopes=sorted(set(client_in.scopes)), all_stores=client_in.all_stores,
                       signing_secret=signing.new_secret())
    session.add(client)
    session.flush()
    repository.set_client_stores(session, client.id, store_ids)
    outbox.record(session, ApiClientCreated(client_id=client.id, code=client.code, kind=client.kind,
                                            scopes=client.scopes))
    return client, key


def revoke_api_client(session: Session, *, client_id: int) -> ApiClient:
    """Deactivate a client: its key stops working at once."""
    client = repository.get_client(session, client_id)
    if client is None:
        raise NotFound("API client not found", detail={"client_id": client_id})
    client.is_active = False
    session.flush()
    _client_principals.clear()
    return client


def list_api_clients(session: Session, *, limit: int, offset: int):
    clients, total = repository.list_clients(session, limit=limit, offset=offset)
    return clients, {c.id: repository.store_ids_of_client(session, c.id) for c in clients}, total


def store_ids_of_client(session: Session, *, client_id: int) -> list[int]:
    return repository.store_ids_of_client(session, client_id)


def signing_secret(session: Session, *, client_id: int) -> str:
    """The client's HMAC secret, for verifying its signed callbacks."""
    client = repository.get_client(session, client_id)
    if client is None or not client.is_active:
        raise InvalidApiKey()
    return client.signing_secret
