"""Member SQL. Lists are narrowed to the home stores the caller may see; joins on one identity are
serialised by an advisory lock on its hash (PostgreSQL; SQLite's write transaction already serialises)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Row, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from zhongtai.db import dialect
from zhongtai.db.session import Read, plain_rows
from zhongtai.kernel import clock
from zhongtai.members.models import (
    Member,
    MemberConsent,
    MemberDuplicateCandidate,
    MemberIdentity,
    MemberMerge,
    PiiAccessLog,
)


def get(session: Session, member_id: int) -> Member | None:
    return session.get(Member, member_id)


_M = Member.__table__.c
# Built once: every quote and order placement resolves its member, and building and keying a statement costs
# more than running it.
_STANDING = select(_M.id, _M.tier, _M.merged_into_id).where(_M.id == bindparam("member_id"))


def standing(session: Session, member_id: int) -> Row | None:
    """(id, tier, merged_into_id) of one member as a plain row, without loading the whole member."""
    return plain_rows(session, _STANDING, {"member_id": member_id}).first()


def standing_read(member_id: int) -> Read:
    return Read(_STANDING, {"member_id": member_id})


def lock_members(session: Session, member_ids: Collection[int]) -> dict[int, Member]:
    """Member rows locked in primary-key order (so two merges of the same pair never deadlock)."""
    stmt = (select(Member).where(Member.id.in_(sorted(set(member_ids)))).order_by(Member.id).with_for_update()
            .execution_options(populate_existing=True))  # a lock that waited must see what the other committed
    return {m.id: m for m in session.scalars(stmt)}


def lock_identity_keys(session: Session, value_hashes: Collection[str]) -> None:
    """Serialise concurrent joins/links presenting the same identity until this transaction ends."""
    if not dialect.is_postgres(session):
        return
    for key in sorted({int(h[:15], 16) for h in value_hashes}):
        session.execute(select(func.pg_advisory_xact_lock(key)))


def member_no_taken(session: Session, member_no: str) -> bool:
    return session.scalar(select(Member.id).where(Member.member_no == member_no)) is not None


def by_member_no(session: Session, member_no: str) -> Member | None:
    return session.scalar(select(Member).where(Member.member_no == member_no))


def add(session: Session, obj: Any) -> None:
    session.add(obj)
    session.flush()


# --- identities -----------------------------------------------------------------------------------------

def identities_by_hash(session: Session, value_hashes: Collection[str]) -> dict[str, MemberIdentity]:
    rows = session.scalars(select(MemberIdentity).where(MemberIdentity.value_hash.in_(list(value_hashes))))
    return {r.value_hash: r for r in rows}


def identities_of(session: Session, member_ids: Collection[int]) -> list[MemberIdentity]:
    stmt = (select(MemberIdentity).where(MemberIdentity.member_id.in_(list(member_ids)))
            .order_by(MemberIdentity.member_id, MemberIdentity.id))
    return list(session.scalars(stmt))


def verified_phone_holders(session: Session, member_ids: Collection[int]) -> set[int]:
    stmt = select(MemberIdentity.member_id).where(MemberIdentity.member_id.in_(list(member_ids)),
                                                  MemberIdentity.kind == "phone", MemberIdentity.verified.is_(True))
    return set(session.scalars(stmt))


def move_identities(session: Session, identity_ids: Collection[int], *, from_ids: Collection[int],
                    to_member_id: int) -> None:
    if identity_ids:
        session.execute(update(MemberIdentity).where(MemberIdentity.id.in_(list(identity_ids)),
                                                     MemberIdentity.member_id.in_(list(from_ids)))
                        .values(member_id=to_member_id))


def delete_identities(session: Session, member_ids: Collection[int]) -> int:
    return session.execute(delete(MemberIdentity).where(MemberIdentity.member_id.in_(list(member_ids)))).rowcount


def phone_masks(session: Session, member_ids: Collection[int]) -> dict[int, str]:
    """The first phone (masked) of each member, for lists."""
    stmt = (select(MemberIdentity.member_id, MemberIdentity.masked)
            .where(MemberIdentity.member_id.in_(list(member_ids)), MemberIdentity.kind == "phone")
            .order_by(MemberIdentity.member_id, MemberIdentity.id.desc()))
    return dict(session.execute(stmt).all())


# --- consents -------------------------------------------------------------------------------------------

def consent_history(session: Session, member_id: int, purpose: str | None = None) -> list[MemberConsent]:
    stmt = select(MemberConsent).where(MemberConsent.member_id == member_id)
    if purpose:
        stmt = stmt.where(MemberConsent.purpose == purpose)
    return list(session.scalars(stmt.order_by(MemberConsent.recorded_at, MemberConsent.id)))


def consent_ids_of(session: Session, member_id: int) -> list[int]:
    return list(session.scalars(select(MemberConsent.id).where(MemberConsent.member_id == member_id)))


def move_consents(session: Session, consent_ids: Collection[int], *, from_id: int, to_member_id: int) -> None:
    if consent_ids:
        session.execute(update(MemberConsent).where(MemberConsent.id.in_(list(consent_ids)),
                                                    MemberConsent.member_id == from_id)
                        .values(member_id=to_member_id))


def delete_consents(session: Session, member_ids: Collection[int]) -> None:
    session.execute(delete(MemberConsent).where(MemberConsent.member_id.in_(list(member_ids))))


# --- merges and duplicate candidates --------------------------------------------------------------------

def merges_of(session: Session, member_id: int) -> list[MemberMerge]:
    stmt = (select(MemberMerge).where(or_(MemberMerge.survivor_id == member_id, MemberMerge.merged_id == member_id))
            .order_by(MemberMerge.merged_at, MemberMerge.id))
    return list(session.scalars(stmt))


def get_merge(session: Session, merge_id: Any, *, lock: bool = False) -> MemberMerge | None:
    stmt = select(MemberMerge).where(MemberMerge.id == merge_id)
    return session.scalar(stmt.with_for_update() if lock else stmt)


def merged_into(session: Session, member_ids: Collection[int]) -> list[int]:
    return list(session.scalars(select(Member.id).where(Member.merged_into_id.in_(list(member_ids)))
                                .order_by(Member.id)))


def add_candidate(session: Session, pair: tuple[int, int], *, reason: str, score: int) -> bool:
    """Record a possible duplicate once per pair (a dismissed pair stays dismissed); True if new."""
    stmt = dialect.insert(session, MemberDuplicateCandidate).values(
        member_a_id=pair[0], member_b_id=pair[1], reason=reason, score=score, status="open",
        created_at=clock.now()).on_conflict_do_nothing(index_elements=["member_a_id", "member_b_id"])
    return bool(session.execute(stmt.returning(MemberDuplicateCandidate.id)).first())


def get_candidate(session: Session, candidate_id: int) -> MemberDuplicateCandidate | None:
    return session.get(MemberDuplicateCandidate, candidate_id)


def resolve_candidates(session: Session, pair: tuple[int, int], *, status: str, actor: str,
                       only_open: bool = True) -> None:
    cand = MemberDuplicateCandidate
    stmt = update(cand).where(cand.member_a_id == pair[0], cand.member_b_id == pair[1])
    if only_open:
        stmt = stmt.where(cand.status == "open")
    session.execute(stmt.values(status=status, resolved_by=actor, resolved_at=clock.now()))


def delete_candidates_of(session: Session, member_ids: Collection[int]) -> None:
    ids, cand = list(member_ids), MemberDuplicateCandidate
    session.execute(delete(cand).where(or_(cand.member_a_id.in_(ids), cand.member_b_id.in_(ids))))


def candidates_page(session: Session, visible: Collection[int] | None, *, status: str, limit: int, offset: int):
    """Candidates whose two members are active and both visible to the caller, strongest first."""
    a, b, cand = aliased(Member), aliased(Member), MemberDuplicateCandidate
    stmt = (select(cand).join(a, a.id == cand.member_a_id).join(b, b.id == cand.member_b_id)
            .where(cand.status == status))
    if status == "open":
        stmt = stmt.where(a.status == "active", b.status == "active")
    if visible is not None:
        stmt = stmt.where(a.home_store_id.in_(list(visible)), b.home_store_id.in_(list(visible)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(cand.score.desc(), cand.id).limit(limit).offset(offset))
    return list(rows), total


def same_name_and_birthday(session: Session, member: Member) -> list[int]:
    stmt = select(Member.id).where(Member.status == "active", Member.id != member.id,
                                   Member.display_name == member.display_name, Member.birthday == member.birthday)
    return list(session.scalars(stmt))


def same_name_and_masked_phone(session: Session, member: Member, masks: Sequence[str]) -> list[int]:
    stmt = (select(Member.id).join(MemberIdentity, MemberIdentity.member_id == Member.id)
            .where(Member.status == "active", Member.id != member.id, Member.display_name == member.display_name,
                   MemberIdentity.kind == "phone", MemberIdentity.masked.in_(list(masks))).distinct())
    return list(session.scalars(stmt))


# --- search and logs ------------------------------------------------------------------------------------

def search_page(session: Session, *, visible: Collection[int] | None, member_ids: Collection[int] | None,
                member_no: str | None, q: str | None, status: str | None, limit: int, offset: int):
    stmt = select(Member)
    if visible is not None:
        stmt = stmt.where(Member.home_store_id.in_(list(visible)))
    if member_ids is not None:
        stmt = stmt.where(Member.id.in_(list(member_ids)))
    if member_no:
        stmt = stmt.where(Member.member_no == member_no)
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Member.display_name.ilike(f"%{escaped}%", escape="\\"))
    if status:
        stmt = stmt.where(Member.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Member.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def pii_log(session: Session, member_id: int) -> list[PiiAccessLog]:
    stmt = select(PiiAccessLog).where(PiiAccessLog.member_id == member_id)
    return list(session.scalars(stmt.order_by(PiiAccessLog.accessed_at, PiiAccessLog.id)))


def members_by_ids(session: Session, member_ids: Collection[int]) -> list[Member]:
    return list(session.scalars(select(Member).where(Member.id.in_(list(member_ids))).order_by(Member.id)))


def active_with(session: Session, ids: Collection[int]) -> list[int]:
    return list(session.scalars(select(Member.id).where(and_(Member.id.in_(list(ids)), Member.status == "active"))))
