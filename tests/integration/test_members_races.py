"""Concurrent joins on PostgreSQL: one identity, one member; one proof, one merge."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from tests import factories as f
from zhongtai.db.session import session_scope
from zhongtai.members import service
from zhongtai.members.models import Member, MemberIdentity, MemberMerge
from zhongtai.members.schemas import IdentityIn

THREADS = 8


def _race(engine, identities: list[IdentityIn], channel: str = "pos") -> list[tuple[int, str]]:
    """Run the same join in THREADS sessions released at once; (member id, outcome) of each, or the error."""
    barrier, results, errors = threading.Barrier(THREADS), [], []

    def run() -> None:
        try:
            with session_scope(engine) as session:
                barrier.wait(10)
                outcome = service.join(session, channel=channel, identities=identities, actor="race")
                results.append((outcome.member.id, outcome.outcome))
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    return results


def _count(db, model) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(model))


@pytest.mark.postgres_only
class TestConcurrentJoins:
    def test_same_phone_at_once_creates_one_member(self, engine, db):
        results = _race(engine, [IdentityIn(kind="phone", value=f.phone(), verified=True)])
        assert len({member_id for member_id, _ in results}) == 1
        assert sorted(outcome for _, outcome in results) == ["created"] + ["matched"] * (THREADS - 1)
        assert _count(db, Member) == 1 and _count(db, MemberIdentity) == 1

    def test_same_proof_at_once_merges_once(self, engine, db):
        phone = f.phone()
        owner = f.member(db, phone=phone)
        f.member(db, identities=[{"kind": "wechat_unionid", "value": "oUnionRace00001"}], channel="mini_program")
        results = _race(engine, [IdentityIn(kind="wechat_unionid", value="oUnionRace00001"),
                                 IdentityIn(kind="phone", value=phone, verified=True)], channel="mini_program")
        assert {member_id for member_id, _ in results} == {owner.id}
        assert sorted(outcome for _, outcome in results) == ["matched"] * (THREADS - 1) + ["merged"]
        assert _count(db, MemberMerge) == 1
