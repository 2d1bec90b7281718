"""Staff and API client queries."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from zhongtai.staff.models import ApiClient, ApiClientStore, User, UserStore


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def get_user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def store_ids_of_user(session: Session, user_id: int) -> list[int]:
    return list(session.scalars(select(UserStore.store_id).where(UserStore.user_id == user_id)
                                .order_by(UserStore.store_id)))


def store_ids_of_users(session: Session, user_ids: Collection[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {uid: [] for uid in user_ids}
    rows = session.execute(select(UserStore.user_id, UserStore.store_id)
                           .where(UserStore.user_id.in_(list(user_ids))).order_by(UserStore.store_id))
    for uid, sid in rows:
        out[uid].append(sid)
    return out


def set_user_stores(session: Session, user_id: int, store_ids: Collection[int]) -> None:
    session.execute(delete(UserStore).where(UserStore.user_id == user_id))
    if store_ids:
        session.execute(insert(UserStore), [{"user_id": user_id, "store_id": s} for s in sorted(set(store_ids))])


def list_users(session: Session, visible_stores: Collection[int] | None, *, limit: int, offset: int):
    stmt = select(User)
    if visible_stores is not None:
        stmt = stmt.where(User.id.in_(select(UserStore.user_id).where(UserStore.store_id.in_(list(visible_stores)))))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return list(session.scalars(stmt.order_by(User.username).limit(limit).offset(offset))), total


def get_client_by_prefix(session: Session, prefix: str) -> ApiClient | None:
    return session.scalar(select(ApiClient).where(ApiClient.key_prefix == prefix))


def get_client(session: Session, client_id: int) -> ApiClient | None:
    return session.get(ApiClient, client_id)


def get_client_by_code(session: Session, code: str) -> ApiClient | None:
    return session.scalar(select(ApiClient).where(ApiClient.code == code))


def store_ids_of_client(session: Session, client_id: int) -> list[int]:
    return list(session.scalars(select(ApiClientStore.store_id).where(ApiClientStore.client_id == client_id)
                                .order_by(ApiClientStore.store_id)))


def set_client_stores(session: Session, client_id: int, store_ids: Collection[int]) -> None:
    session.execute(delete(ApiClientStore).where(ApiClientStore.client_id == client_id))
    if store_ids:
        session.execute(insert(ApiClientStore),
                        [{"client_id": client_id, "store_id": s} for s in sorted(set(store_ids))])


def list_clients(session: Session, *, limit: int, offset: int) -> tuple[list[ApiClient], int]:
    total = session.scalar(select(func.count(ApiClient.id))) or 0
    return list(session.scalars(select(ApiClient).order_by(ApiClient.code).limit(limit).offset(offset))), total
