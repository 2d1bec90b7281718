"""Stored value and gift cards. Every change locks the account (or card) row first, reads its buckets under the
lock, appends one entry and moves the row by exactly that entry, so balances always equal their ledgers and
concurrent spends can never overdraw. The rules (bonus, pro-rata spend order, refunds) are in `policies`."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from zhongtai.kernel import clock, outbox
from zhongtai.kernel.errors import Conflict, InvalidInput, NotFound, RateLimited
from zhongtai.kernel.ids import uuid7
from zhongtai.members import service as members
from zhongtai.wallet import policies, repository
from zhongtai.wallet.events import GiftCardChanged, WalletChanged
from zhongtai.wallet.models import BonusRule, GiftCard, GiftCardBatch, GiftCardEntry, WalletEntry
from zhongtai.wallet.policies import Split


class WalletInsufficient(Conflict):
    code, message = "wallet_insufficient", "Not enough stored value"


class WalletSourceReused(Conflict):
    code, message = "wallet_source_reused", "This source already moved stored value with another amount"


class WalletMemberRequired(InvalidInput):
    code, message = "wallet_member_required", "Stored value needs a member"


class RefundExceedsSpent(InvalidInput):
    code, message = "wallet_refund_exceeds_spent", "More refunded than was paid with stored value"


class BonusRuleExists(Conflict):
    code, message = "wallet_bonus_rule_exists", "A bonus rule with this code already exists"


class BonusRuleNotFound(NotFound):
    code, message = "wallet_bonus_rule_not_found", "Bonus rule not found"


class GiftCardNotFound(NotFound):
    code, message = "gift_card_not_found", "Gift card not found (or wrong PIN)"


class GiftCardPinWrong(GiftCardNotFound):
    """Answered like an unknown card; the router keeps the counted attempt although the request fails."""


class GiftCardPinLocked(RateLimited):
    code, message = "gift_card_pin_locked", "Too many wrong PINs; this card's PIN checks are paused"


class GiftCardUnusable(Conflict):
    code, message = "gift_card_unusable", "This gift card cannot be used now"


class GiftCardBatchExists(Conflict):
    code, message = "gift_card_batch_exists", "A gift-card batch with this code already exists"


@dataclass(frozen=True)
class Source:
    """Why stored value moves: the document (type, id), the order or ticket it belongs to, where, and who."""

    type: str
    id: str
    reference: str = ""
    channel: str = ""
    store_id: int | None = None
    actor: str = ""


# --- reading --------------------------------------------------------------------------------------------

def holder(session: Session, *, member_id: int, active: bool = False) -> int:
    """The member now standing for `member_id` (following merges); 404 if there is none, 409 if `active` is
    asked and the member was erased."""
    member = members.survivor(session, member_id=member_id)
    if member is None:
        raise members.MemberNotFound(detail={"member_id": member_id})
    if active and member.status != "active":
        raise members.MemberNotActive(detail={"member_id": member.id, "status": member.status})
    return member.id


def balance(session: Session, *, member_id: int) -> Split:
    """A member's stored value (principal, bonus); zero without an account."""
    acc = repository.account(session, member_id)
    return Split(acc.principal_fen, acc.bonus_fen) if acc else Split(0, 0)


def summary(session: Session, *, member_id: int) -> dict[str, Any]:
    """Stored value in both buckets and the gift cards the member holds (Customer 360)."""
    acc = repository.account(session, member_id)
    cards = repository.cards_of(session, [member_id])
    return {"member_id": member_id, "principal_fen": acc.principal_fen if acc else 0,
            "bonus_fen": acc.bonus_fen if acc else 0,
            "balance_fen": (acc.principal_fen + acc.bonus_fen) if acc else 0,
            "updated_at": acc.updated_at if acc else None, "gift_cards": cards,
            "gift_card_balance_fen": sum(c.balance_fen for c in cards if c.status == "active")}


def history(session: Session, *, member_id: int, limit: int, offset: int) -> tuple[list[WalletEntry], int]:
    """A member's stored-value ledger, newest first."""
    return repository.entries_page(session, member_id, limit=limit, offset=offset)


# --- the ledger primitive -------------------------------------------------------------------------------

def _row(member_id: int, kind: str, delta: Split, src: Source, detail: dict | None = None) -> dict[str, Any]:
    return {"member_id": member_id, "id": uuid7(), "kind": kind, "principal_fen": delta.principal_fen,
            "bonus_fen": delta.bonus_fen, "source_type": src.type, "source_id": src.id, "reference": src.reference,
            "channel": src.channel, "store_id": src.store_id, "detail": detail or {}, "actor": src.actor,
            "occurred_at": clock.now()}


def _apply(session: Session, member_id: int, kind: str, delta: Split, src: Source,
           detail: dict | None = None) -> WalletEntry:
    """Append one entry and move the (locked) account by exactly it; publish the change."""
    repository.add_entry(session, _row(member_id, kind, delta, src, detail))
    after = repository.move(session, member_id, delta)
    outbox.record(session, WalletChanged(member_id=member_id, kind=kind, principal_fen=delta.principal_fen,
                                         bonus_fen=delta.bonus_fen, balance_fen=after.total_fen,
                                         source_type=src.type, source_id=src.id, reference=src.reference),
                  store_id=src.store_id)
    session.flush()
    return repository.entry(session, member_id, src.type, src.id, kind)  # type: ignore[return-value]


def _replay(session: Session, member_id: int, kind: str, src: Source, total_fen: int) -> WalletEntry | None:
    """The entry this source already wrote (a retry), or None; the same source with another amount is 409."""
    existing = repository.entry(session, member_id, src.type, src.id, kind)
    if existing is not None and abs(existing.principal_fen + existing.bonus_fen) != total_fen:
        raise WalletSourceReused(detail={"source_type": src.type, "source_id": src.id,
                                         "recorded_fen": abs(existing.principal_fen + existing.bonus_fen)})
    return existing


# --- top up, spend, refund, cash out --------------------------------------------------------------------

def bonus_rules(session: Session) -> list[policies.BonusRule]:
    """The active top-up bonus rules as policy values."""
    return [policies.BonusRule(r.code, r.min_topup_fen, r.bonus_fen, r.bonus_percent, r.cap_fen, r.starts_at,
                               r.ends_at) for r in repository.bonus_rules(session, active_only=True)]


def top_up(session: Session, *, member_id: int, amount_fen: int, source: Source) -> WalletEntry:
    """Pay in `amount_fen` of principal; the bonus rule it reaches adds bonus. Once per source."""
    member_id = holder(session, member_id=member_id, active=True)
    repository.lock_account(session, member_id)
    existing = repository.entry(session, member_id, source.type, source.id, "topup")
    if existing is not None:
        if existing.principal_fen != amount_fen:
            raise WalletSourceReused(detail={"source_type": source.type, "source_id": source.id,
                                             "recorded_fen": existing.principal_fen})
        return existing
    gift, rule = policies.bonus(bonus_rules(session), amount_fen, clock.now())
    return _apply(session, member_id, "topup", Split(amount_fen, gift), source,
                  {"bonus_rule": rule.code if rule else None})


def spend(session: Session, *, member_id: int, amount_fen: int, source: Source) -> WalletEntry:
    """Pay `amount_fen` with stored value, pro rata from principal and bonus. Exactly one of racing spends
    that together exceed the balance wins; the same source again returns the first spend."""
    member_id = holder(session, member_id=member_id)
    buckets = repository.lock_account(session, member_id)
    if (done := _replay(session, member_id, "spend", source, amount_fen)) is not None:
        return done
    split = policies.spend_split(buckets.principal_fen, buckets.bonus_fen, amount_fen)
    if split is None:
        raise WalletInsufficient(detail={"member_id": member_id, "requested_fen": amount_fen,
                                         "balance_fen": buckets.total_fen})
    return _apply(session, member_id, "spend", Split(-split.principal_fen, -split.bonus_fen), source)


def refund(session: Session, *, member_id: int, amount_fen: int, source: Source,
           any_payer: bool = False) -> WalletEntry:
    """Give back `amount_fen` of what was spent for `source.reference`, to the buckets it came from. The
    spends counted are the member's own, or with `any_payer` every spend for the reference (an order id,
    unique on its own, whose payer may since have been merged into this member)."""
    member_id = holder(session, member_id=member_id)
    repository.lock_account(session, member_id)
    if (done := _replay(session, member_id, "refund", source, amount_fen)) is not None:
        return done
    sums = repository.reference_sums(session, source.reference, None if any_payer else member_id)
    spent = Split(-sums.get("spend", Split(0, 0)).principal_fen, -sums.get("spend", Split(0, 0)).bonus_fen)
    before = sums.get("refund", Split(0, 0)).total_fen
    if amount_fen > spent.total_fen - before:
        raise RefundExceedsSpent(detail={"reference": source.reference, "spent_fen": spent.total_fen,
                                         "refunded_fen": before, "requested_fen": amount_fen})
    return _apply(session, member_id, "refund", policies.refund_split(spent, before, amount_fen), source)


def cash_out(session: Session, *, member_id: int, source: Source) -> WalletEntry:
    """Close out the stored value (退卡): the principal is paid back, the bonus is forfeited."""
    member_id = holder(session, member_id=member_id)
    buckets = repository.lock_account(session, member_id)
    if (done := repository.entry(session, member_id, source.type, source.id, "cash_out")) is not None:
        return done
    if buckets.total_fen == 0:
        raise WalletInsufficient("Nothing to cash out", detail={"member_id": member_id, "balance_fen": 0})
    return _apply(session, member_id, "cash_out", Split(-buckets.principal_fen, -buckets.bonus_fen), source,
                  {"paid_back_fen": buckets.principal_fen, "forfeited_bonus_fen": buckets.bonus_fen})


# --- orders ---------------------------------------------------------------------------------------------

class StoredValueSettlesAtOnce(InvalidInput):
    code, message = "wallet_payment_not_pending", "A stored-value payment succeeds or fails at once; it is never pending"


def pay_order(session: Session, *, member_id: int | None, order_id: str, status: str, transaction_id: str,
              amount_fen: int, channel: str, store_id: int | None, actor: str) -> WalletEntry | None:
    """An order's `stored_value` payment: a succeeded one debits the member's wallet (insufficient → 409 and
    the whole request rolls back); a failed one moves nothing; pending is refused."""
    if status == "failed":
        return None
    if status != "succeeded":
        raise StoredValueSettlesAtOnce(detail={"order_id": order_id, "status": status})
    if member_id is None:
        raise WalletMemberRequired(detail={"order_id": order_id, "provider": "stored_value"})
    return spend(session, member_id=member_id, amount_fen=amount_fen,
                 source=Source("order_payment", transaction_id, order_id, channel, store_id, actor))


def refund_order(session: Session, *, member_id: int | None, order_id: str, refund_id: str, paid_fen: int,
                 refunded_after_fen: int, actor: str) -> WalletEntry | None:
    """An order refund: stored value gets back its share of the refunds so far (pro rata by tender,
    cumulatively), to the buckets it came from. None when the order used no stored value."""
    if member_id is None or "spend" not in repository.reference_sums(session, order_id):
        return None  # no stored value on this order: no account is created or locked
    member_id = holder(session, member_id=member_id)
    repository.lock_account(session, member_id)
    sums = repository.reference_sums(session, order_id)
    used = -sums["spend"].total_fen
    back = policies.tender_share(used, paid_fen, refunded_after_fen) - sums.get("refund", Split(0, 0)).total_fen
    if back <= 0:
        return None
    return refund(session, member_id=member_id, amount_fen=back,
                  source=Source("order_refund", refund_id, order_id, "", None, actor), any_payer=True)


# --- merges and erasure ---------------------------------------------------------------------------------

def merge(session: Session, *, merge_id: str, survivor_id: int, merged_id: int) -> Split:
    """A merged member's stored value (bucket by bucket) and gift cards go to the survivor; the entries
    remember which cards moved, so an undone merge can give them back."""
    cards = [c.code for c in repository.cards_of(session, [merged_id])]
    if repository.account(session, merged_id) is None and not cards:
        return Split(0, 0)  # nothing to move: no account is created for either member
    for member_id in sorted((survivor_id, merged_id)):  # key order: concurrent merges never deadlock
        repository.lock_account(session, member_id)
    src = Source("merge", merge_id, actor="system")
    if repository.entry(session, merged_id, src.type, src.id, "merge_out") is not None:
        return Split(0, 0)
    moved = balance(session, member_id=merged_id)
    repository.rebind_cards(session, merged_id, survivor_id)
    _apply(session, merged_id, "merge_out", Split(-moved.principal_fen, -moved.bonus_fen), src,
           {"survivor_id": survivor_id, "cards": cards})
    _apply(session, survivor_id, "merge_in", moved, src, {"merged_id": merged_id, "cards": cards})
    return moved


def undo_merge(session: Session, *, merge_id: str, survivor_id: int, merged_id: int) -> Split:
    """An undone merge gives back what it brought, as far as the survivor has not spent it (bucket by
    bucket), and the gift cards it brought that the survivor still holds."""
    brought = repository.entry(session, survivor_id, "merge", merge_id, "merge_in")
    if brought is None:
        return Split(0, 0)
    for member_id in sorted((survivor_id, merged_id)):
        repository.lock_account(session, member_id)
    src = Source("unmerge", merge_id, actor="system")
    if repository.entry(session, survivor_id, src.type, src.id, "merge_out") is not None:
        return Split(0, 0)
    now = balance(session, member_id=survivor_id)
    back = Split(min(brought.principal_fen, now.principal_fen), min(brought.bonus_fen, now.bonus_fen))
    repository.rebind_codes(session, brought.detail.get("cards", []), survivor_id, merged_id)
    _apply(session, survivor_id, "merge_out", Split(-back.principal_fen, -back.bonus_fen), src,
           {"merged_id": merged_id})
    _apply(session, merged_id, "merge_in", back, src, {"survivor_id": survivor_id})
    return back


def erase(session: Session, *, member_ids: list[int]) -> None:
    """Erasure keeps the ledger (accounting) without detail or actors; gift cards become bearer cards."""
    repository.scrub_entries(session, member_ids)
    repository.unbind_cards(session, member_ids)
    session.flush()


def export(session: Session, *, member_ids: list[int]) -> dict[str, Any]:
    """Everything the wallet holds about these members (a PIPL export)."""
    accounts = repository.accounts(session, member_ids)
    return {
        "accounts": [{"member_id": a.member_id, "principal_fen": a.principal_fen, "bonus_fen": a.bonus_fen}
                     for a in accounts],
        "ledger": [{"member_id": e.member_id, "kind": e.kind, "principal_fen": e.principal_fen,
                    "bonus_fen": e.bonus_fen, "source": f"{e.source_type}:{e.source_id}", "reference": e.reference,
                    "channel": e.channel, "store_id": e.store_id, "at": e.occurred_at.isoformat()}
                   for e in repository.all_entries(session, member_ids)],
        "gift_cards": [{"code": c.code, "status": c.status, "balance_fen": c.balance_fen,
                        "expires_at": c.expires_at and c.expires_at.isoformat()}
                       for c in repository.cards_of(session, member_ids)],
    }


# --- bonus rules ----------------------------------------------------------------------------------------

def create_bonus_rule(session: Session, *, rule_in: Any, actor: str) -> BonusRule:
    """Add a top-up bonus rule (head office)."""
    if repository.bonus_rule(session, rule_in.code) is not None:
        raise BonusRuleExists(detail={"code": rule_in.code})
    row = BonusRule(**rule_in.model_dump(), active=True, created_by=actor, created_at=clock.now())
    session.add(row)
    session.flush()
    return row


def list_bonus_rules(session: Session, *, active_only: bool) -> list[BonusRule]:
    return repository.bonus_rules(session, active_only=active_only)


def deactivate_bonus_rule(session: Session, *, code: str) -> BonusRule:
    """Stop a bonus rule (it stays for the record)."""
    row = repository.bonus_rule(session, code)
    if row is None:
        raise BonusRuleNotFound(detail={"code": code})
    row.active = False
    session.flush()
    return row


# --- gift cards -----------------------------------------------------------------------------------------

def _pin_hash(code: str, pin: str) -> str:
    return hashlib.sha256(f"{code}:{pin}".encode()).hexdigest()


def issue_batch(session: Session, *, batch_in: Any, actor: str) -> tuple[GiftCardBatch, list[tuple[str, str]]]:
    """Print a batch of cards (not yet sold, worth nothing until activated); (batch, [(code, PIN)]) — the
    PINs are shown this once."""
    if repository.batch_by_code(session, batch_in.code) is not None:
        raise GiftCardBatchExists(detail={"code": batch_in.code})
    batch = GiftCardBatch(**batch_in.model_dump(), created_by=actor, created_at=clock.now())
    session.add(batch)
    session.flush()
    cards = [(f"GC{secrets.randbelow(10**16):016d}", f"{secrets.randbelow(10**6):06d}")
             for _ in range(batch.quantity)]
    repository.add_cards(session, [
        {"code": code, "batch_id": batch.id, "pin_hash": _pin_hash(code, pin), "status": "issued",
         "face_value_fen": batch.face_value_fen, "balance_fen": 0, "updated_at": clock.now()} for code, pin in cards])
    return batch, cards


def gift_card(session: Session, *, code: str, pin: str | None = None) -> GiftCard:
    """A card by code (and PIN, for a customer's balance check)."""
    if pin is not None:
        return _locked_card(session, code, pin)
    card = repository.card(session, code)
    if card is None:
        raise GiftCardNotFound(detail={"code": code})
    return card


def _locked_card(session: Session, code: str, pin: str | None) -> GiftCard:
    card = repository.lock_card(session, code)
    if card is None:
        raise GiftCardNotFound(detail={"code": code})
    if pin is not None:
        _check_pin(session, card, pin)
    return card


def _check_pin(session: Session, card: GiftCard, pin: str) -> None:
    """Refuse while locked; count a wrong PIN (the lock follows the fifth); a right one clears the count."""
    now = clock.now()
    if card.pin_locked_until is not None and card.pin_locked_until > now:
        wait = max(1, math.ceil((card.pin_locked_until - now).total_seconds()))
        raise GiftCardPinLocked(detail={"code": card.code, "retry_after_seconds": wait},
                                headers={"Retry-After": str(wait)})
    if hmac.compare_digest(card.pin_hash, _pin_hash(card.code, pin)):
        if card.pin_failures:
            card.pin_failures = 0
        return
    card.pin_failures, card.pin_locked_until = policies.after_wrong_pin(card.pin_failures, card.pin_locked_until, now)
    session.flush()
    raise GiftCardPinWrong(detail={"code": card.code})


def _card_move(session: Session, card: GiftCard, kind: str, amount: int, src: Source) -> GiftCardEntry:
    repository.add_card_entry(session, {
        "card_code": card.code, "id": uuid7(), "kind": kind, "amount_fen": amount, "source_type": src.type,
        "source_id": src.id, "reference": src.reference, "channel": src.channel, "store_id": src.store_id,
        "actor": src.actor, "occurred_at": clock.now()})
    card.balance_fen += amount
    card.updated_at = clock.now()
    outbox.record(session, GiftCardChanged(card_code=card.code, kind=kind, amount_fen=amount,
                                           balance_fen=card.balance_fen, reference=src.reference),
                  store_id=src.store_id)
    session.flush()
    return repository.card_entry(session, card.code, src.type, src.id, kind)  # type: ignore[return-value]


def activate_card(session: Session, *, code: str, member_id: int | None, source: Source) -> GiftCard:
    """Sell a card: its face value becomes its balance, valid for its batch's days from now."""
    card = _locked_card(session, code, None)
    if card.status != "issued":
        raise GiftCardUnusable("The card was already activated", detail={"code": code, "status": card.status})
    batch = session.get(GiftCardBatch, card.batch_id)
    card.status, card.activated_at, card.store_id = "active", clock.now(), source.store_id
    card.expires_at = card.activated_at + timedelta(days=batch.valid_days)  # type: ignore[union-attr]
    card.member_id = holder(session, member_id=member_id) if member_id is not None else None
    _card_move(session, card, "activate", card.face_value_fen, source)
    return card


def spend_card(session: Session, *, code: str, pin: str, amount_fen: int, source: Source) -> GiftCardEntry:
    """Pay with a gift card (code and PIN); once per source."""
    card = _locked_card(session, code, pin)
    existing = repository.card_entry(session, code, source.type, source.id, "spend")
    if existing is not None:
        if -existing.amount_fen != amount_fen:
            raise WalletSourceReused(detail={"source_id": source.id, "recorded_fen": -existing.amount_fen})
        return existing
    reason = policies.gift_card_spendable(card.status, card.expires_at, clock.now())
    if reason is not None:
        raise GiftCardUnusable(detail={"code": code, "reason": reason})
    if amount_fen > card.balance_fen:
        raise WalletInsufficient("Not enough on the gift card", detail={"code": code, "balance_fen": card.balance_fen,
                                                                          "requested_fen": amount_fen})
    return _card_move(session, card, "spend", -amount_fen, source)


def refund_card(session: Session, *, code: str, amount_fen: int, source: Source) -> GiftCardEntry:
    """Give back to a card what was spent from it for `source.reference` (an expired card stays expired:
    the refund becomes breakage at once)."""
    card = _locked_card(session, code, None)
    existing = repository.card_entry(session, code, source.type, source.id, "refund")
    if existing is not None:
        return existing
    sums = repository.card_reference_sums(session, code, source.reference)
    left = -sums.get("spend", 0) - sums.get("refund", 0)
    if amount_fen > left:
        raise RefundExceedsSpent(detail={"reference": source.reference, "refundable_fen": left})
    entry = _card_move(session, card, "refund", amount_fen, source)
    if card.status == "expired":
        _card_move(session, card, "expire", -amount_fen, Source("expiry", f"refund:{entry.id}", actor="system"))
    return entry


def expire_cards(session: Session, *, limit: int = 500) -> int:
    """Expire active cards past their date; what is left on them is breakage. Returns the cards expired."""
    now, done = clock.now(), 0
    for code in repository.due_cards(session, now, limit):
        card = _locked_card(session, code, None)
        if card.status != "active" or card.expires_at is None or card.expires_at > now:
            continue
        card.status = "expired"
        if card.balance_fen:
            _card_move(session, card, "expire", -card.balance_fen, Source("expiry", now.isoformat(), actor="system"))
        done += 1
    session.flush()
    return done


def batch_summary(session: Session) -> list[dict[str, Any]]:
    """Every batch with its cards by status and what they still hold."""
    rows = repository.batches(session)
    counts = repository.card_counts(session, [b.id for b in rows])
    return [{"batch": b, "by_status": {s: {"cards": n, "balance_fen": v} for (bid, s), (n, v) in counts.items()
                                       if bid == b.id}} for b in rows]


# --- audit ----------------------------------------------------------------------------------------------

def verify(session: Session) -> dict[str, Any]:
    """Check principal and bonus = their ledger sums for every account, balance = ledger for every card."""
    accounts, _, _ = repository.totals(session)
    return {
        "accounts_checked": accounts,
        "account_drift": [{"member_id": m, "principal_fen": p, "bonus_fen": b, "ledger_principal_fen": lp,
                           "ledger_bonus_fen": lb} for m, p, b, lp, lb in repository.account_drift(session)],
        "card_drift": [{"code": c, "balance_fen": b, "ledger_fen": s} for c, b, s in repository.card_drift(session)],
    }


def card_entries(session: Session, *, code: str) -> list[GiftCardEntry]:
    """A card's ledger, oldest first."""
    return repository.card_entries(session, code)


# --- finance --------------------------------------------------------------------------------------------

def monthly_movements(session: Session) -> list[tuple[str, str, int, int]]:
    """(month 'YYYY-MM' in UTC, entry kind, principal fen, bonus fen) for the stored-value ledger."""
    return repository.monthly_movements(session)


def card_monthly_movements(session: Session) -> list[tuple[str, str, int]]:
    """(month, entry kind, fen) for the gift-card ledger."""
    return repository.card_monthly_movements(session)


def outstanding(session: Session) -> dict[str, int]:
    """What the accounts and cards hold now (what the ledgers must add up to)."""
    _, principal, bonus = repository.totals(session)
    _, cards = repository.card_totals(session)
    return {"principal_fen": principal, "bonus_fen": bonus, "gift_card_fen": cards}
