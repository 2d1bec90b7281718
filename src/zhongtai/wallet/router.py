"""Stored-value and gift-card endpoints.

Reading a member's wallet follows the members rule (staff see members of their stores; others 404). Paying in,
spending and refunding need `members:write`, at one of the caller's stores when a store is given. Head office
(or a client with the scope) runs bonus rules, gift-card batches, cash-outs and the audit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, status
from sqlalchemy.orm import Session

from zhongtai.deps import SessionDep, require_scope
from zhongtai.kernel.auth import Principal, Role
from zhongtai.kernel.pagination import Page, PageParams, page_params
from zhongtai.members import service as members
from zhongtai.stores import service as stores
from zhongtai.wallet import service
from zhongtai.wallet.schemas import (
    Activate,
    BatchCreate,
    BatchIssued,
    BatchSummary,
    BonusRuleCreate,
    BonusRuleRead,
    CardBalance,
    CardEntryRead,
    CardSpend,
    CashOut,
    EntryRead,
    GiftCardRead,
    Refund,
    Spend,
    TopUp,
    VerifyReport,
    WalletSummary,
)

router = APIRouter(prefix="/api/v1", tags=["wallet"])
Reader = Annotated[Principal, Depends(require_scope("members:read"))]
Writer = Annotated[Principal, Depends(require_scope("members:write"))]
HeadOffice = Annotated[Principal, Depends(require_scope("members:write", Role.HQ_ADMIN))]
Auditor = Annotated[Principal, Depends(require_scope("members:read", Role.HQ_ADMIN))]
PageDep = Annotated[PageParams, Depends(page_params)]


def _actor(p: Principal) -> str:
    return f"{p.kind}:{p.name}"


def _member(session: Session, principal: Principal, member_id: int) -> int:
    """A member the caller may see (following merges)."""
    return service.holder(session, member_id=members.get(session, principal=principal, member_id=member_id).id)


def _store(session: Session, principal: Principal, store_id: int | None) -> None:
    if store_id is not None:
        stores.get(session, principal=principal, store_id=store_id)


# --- stored value ---------------------------------------------------------------------------------------

@router.get("/members/{member_id}/wallet", response_model=WalletSummary)
def wallet(session: SessionDep, principal: Reader, member_id: int):
    """Stored value (principal and bonus) and the member's gift cards."""
    return service.summary(session, member_id=_member(session, principal, member_id))


@router.get("/members/{member_id}/wallet/entries", response_model=Page[EntryRead])
def wallet_history(session: SessionDep, principal: Reader, member_id: int, page: PageDep):
    """The stored-value ledger, newest first."""
    rows, total = service.history(session, member_id=_member(session, principal, member_id),
                                  limit=page.limit, offset=page.offset)
    return Page[EntryRead](items=[EntryRead.model_validate(r) for r in rows], total=total, **page.model_dump())


@router.post("/members/{member_id}/wallet/top-ups", response_model=EntryRead, status_code=status.HTTP_201_CREATED)
def top_up(session: SessionDep, principal: Writer, member_id: int, body: TopUp):
    """Pay in stored value; the bonus rule the amount reaches adds its bonus (充500送50)."""
    _store(session, principal, body.store_id)
    return service.top_up(session, member_id=_member(session, principal, member_id), amount_fen=body.amount_fen,
                          source=service.Source("topup", body.transaction_id, body.transaction_id, body.channel,
                                                body.store_id, _actor(principal)))


@router.post("/members/{member_id}/wallet/spends", response_model=EntryRead, status_code=status.HTTP_201_CREATED)
def spend(session: SessionDep, principal: Writer, member_id: int, body: Spend):
    """Pay with stored value at any channel; more than the balance is 409 wallet_insufficient, nothing kept."""
    _store(session, principal, body.store_id)
    return service.spend(session, member_id=_member(session, principal, member_id), amount_fen=body.amount_fen,
                         source=service.Source("payment", body.transaction_id, body.reference, body.channel,
                                               body.store_id, _actor(principal)))


@router.post("/members/{member_id}/wallet/refunds", response_model=EntryRead, status_code=status.HTTP_201_CREATED)
def refund(session: SessionDep, principal: Writer, member_id: int, body: Refund):
    """Give back (part of) what was spent for a reference, to the buckets it came from."""
    _store(session, principal, body.store_id)
    return service.refund(session, member_id=_member(session, principal, member_id), amount_fen=body.amount_fen,
                          source=service.Source("refund", body.refund_id, body.reference, "", body.store_id,
                                                _actor(principal)))


@router.post("/members/{member_id}/wallet/cash-out", response_model=EntryRead, status_code=status.HTTP_201_CREATED)
def cash_out(session: SessionDep, principal: HeadOffice, member_id: int, body: CashOut):
    """Close out the stored value (退卡): principal paid back, bonus forfeited (head office)."""
    return service.cash_out(session, member_id=_member(session, principal, member_id), source=service.Source(
        "cash_out", body.request_id, "", "", body.store_id, _actor(principal)))


@router.get("/wallet/bonus-rules", response_model=list[BonusRuleRead])
def bonus_rules(session: SessionDep, _: Reader, active: bool = True):
    """The top-up bonus rules (active ones by default)."""
    return service.list_bonus_rules(session, active_only=active)


@router.post("/wallet/bonus-rules", response_model=BonusRuleRead, status_code=status.HTTP_201_CREATED)
def create_bonus_rule(session: SessionDep, principal: HeadOffice, body: BonusRuleCreate):
    """Add a top-up bonus rule; the highest threshold a top-up reaches applies, once."""
    return service.create_bonus_rule(session, rule_in=body, actor=_actor(principal))


@router.post("/wallet/bonus-rules/{code}/deactivate", response_model=BonusRuleRead)
def deactivate_bonus_rule(session: SessionDep, _: HeadOffice, code: str):
    """Stop a bonus rule (kept for the record)."""
    return service.deactivate_bonus_rule(session, code=code)


@router.get("/wallet/verify", response_model=VerifyReport)
def verify(session: SessionDep, _: Auditor):
    """Every account's buckets and every card's balance against their ledgers."""
    return service.verify(session)


# --- gift cards -----------------------------------------------------------------------------------------

@router.post("/gift-cards/batches", response_model=BatchIssued, status_code=status.HTTP_201_CREATED)
def issue_batch(session: SessionDep, principal: HeadOffice, body: BatchCreate):
    """Print a batch of cards with codes and PINs (the PINs are in this answer only)."""
    batch, cards = service.issue_batch(session, batch_in=body, actor=_actor(principal))
    fields = {k: getattr(batch, k) for k in BatchIssued.model_fields if k != "cards"}
    return {**fields, "cards": [{"code": c, "pin": p} for c, p in cards]}


@router.get("/gift-cards/batches", response_model=list[BatchSummary])
def batches(session: SessionDep, _: Auditor):
    """Every batch with its cards by status and the balance they still hold."""
    return [{**{k: getattr(s["batch"], k) for k in BatchSummary.model_fields if k != "by_status"},
             "by_status": s["by_status"]} for s in service.batch_summary(session)]


@router.post("/gift-cards/{code}/activate", response_model=GiftCardRead)
def activate(session: SessionDep, principal: Writer, code: str, body: Activate):
    """Sell a card at a store: its face value becomes its balance until its batch's validity runs out."""
    _store(session, principal, body.store_id)
    return service.activate_card(session, code=code, member_id=body.member_id, source=service.Source(
        "sale", body.sale_id, body.sale_id, "pos", body.store_id, _actor(principal)))


@contextmanager
def _counting_wrong_pins(session: Session) -> Iterator[None]:
    """A wrong PIN fails the request, yet the attempt must count: commit the counter before answering."""
    try:
        yield
    except service.GiftCardPinWrong:
        session.commit()
        raise


@router.post("/gift-cards/{code}/balance", response_model=GiftCardRead)
def card_balance(session: SessionDep, _: Reader, code: str, body: CardBalance):
    """A card's balance and expiry, for whoever holds its code and PIN (wrong PIN answers 404; five in a
    row pause the card's PIN checks: 429 gift_card_pin_locked)."""
    with _counting_wrong_pins(session):
        return service.gift_card(session, code=code, pin=body.pin)


@router.post("/gift-cards/{code}/spends", response_model=CardEntryRead, status_code=status.HTTP_201_CREATED)
def spend_card(session: SessionDep, principal: Writer, code: str, body: CardSpend):
    """Pay with a gift card (code and PIN); more than its balance is 409 wallet_insufficient."""
    _store(session, principal, body.store_id)
    with _counting_wrong_pins(session):
        return service.spend_card(session, code=code, pin=body.pin, amount_fen=body.amount_fen,
                                  source=service.Source("payment", body.transaction_id, body.reference,
                                                        body.channel, body.store_id, _actor(principal)))


@router.post("/gift-cards/{code}/refunds", response_model=CardEntryRead, status_code=status.HTTP_201_CREATED)
def refund_card(session: SessionDep, principal: Writer, code: str, body: Refund):
    """Give back to a card what was spent from it for a reference."""
    _store(session, principal, body.store_id)
    return service.refund_card(session, code=code, amount_fen=body.amount_fen, source=service.Source(
        "refund", body.refund_id, body.reference, "", body.store_id, _actor(principal)))


@router.get("/gift-cards/{code}/entries", response_model=list[CardEntryRead])
def card_entries(session: SessionDep, _: Auditor, code: str):
    """A card's ledger, oldest first (head office)."""
    service.gift_card(session, code=code)
    return service.card_entries(session, code=code)
