"""Reactions of the wallet to members: merges move stored value and gift cards to the survivor, erasure keeps
the ledger anonymised. Each runs once per event and is idempotent by itself (entries unique per source)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from zhongtai.kernel import outbox
from zhongtai.kernel.outbox import OutboxEvent
from zhongtai.wallet import service


@outbox.handles("members.member_merged")
def move_to_survivor(session: Session, evt: OutboxEvent) -> None:
    """The merged member's principal, bonus and gift cards go to the survivor."""
    p = evt.payload
    service.merge(session, merge_id=p["merge_id"], survivor_id=p["survivor_id"], merged_id=p["merged_id"])


@outbox.handles("members.merge_undone")
def move_back(session: Session, evt: OutboxEvent) -> None:
    """An undone merge takes back the stored value it brought (what is left of it) and its gift cards."""
    p = evt.payload
    service.undo_merge(session, merge_id=p["merge_id"], survivor_id=p["survivor_id"], merged_id=p["merged_id"])


@outbox.handles("members.member_erased")
def anonymise(session: Session, evt: OutboxEvent) -> None:
    """Erased members' ledger rows stay for accounting, without detail or actors; their cards become bearer
    cards."""
    service.erase(session, member_ids=list(evt.payload["member_ids"]))
