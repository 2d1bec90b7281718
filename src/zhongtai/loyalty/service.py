"""Points use cases. Every change locks the member's account row first (a redemption by its one conditional
UPDATE), consumes lots first-in-first-out, appends entries and moves the balance by exactly their sum, so the
balance always equals the ledger. The rules (earning, FIFO, reversal policy) are in `policies`."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from zhongtai.catalog import service as catalog
from zhongtai.db.session import Read, read_all
from zhongtai.kernel import clock, outbox
from zhongtai.kernel.errors import Conflict, InvalidInput
from zhongtai.kernel.ids import uuid7
from zhongtai.loyalty import policies, repository
from zhongtai.loyalty.events import PointsChanged
from zhongtai.loyalty.models import PointsEntry, PointsProgramme
from zhongtai.members import policies as member_policies
from zhongtai.members import service as members
from zhongtai.orders.policies import prorate


class InsufficientPoints(Conflict):
    code, message = "points_insufficient", "Not enough points"


class RedemptionKeyReused(Conflict):
    code, message = "points_source_reused", "These points were already moved for this source with another amount"


class RuleInvalid(InvalidInput):
    code, message = "points_rule_invalid", "Unknown rule kind or key"


@dataclass(frozen=True)
class Source:
    """Why points move: the document (type, id), the order it belongs to, where, and who."""

    type: str
    id: str
    reference: str = ""
    channel: str = ""
    store_id: int | None = None
    actor: str = ""


# --- reading ------------------------------------------------------------------------------------------

def programme(session: Session) -> policies.Programme:
    """The earning and redemption parameters in force (one read); tiers default to the members' table."""
    return _programme(repository.programme_and_rules(session))


def programme_and_balance_read(*, member_id: int) -> Read:
    """The read behind `programme_and_balance`, to run with others; see `programme_and_balance_from`."""
    return repository.programme_rules_and_balance_read(member_id)


def programme_and_balance(session: Session, *, member_id: int) -> tuple[policies.Programme, int]:
    """The programme in force and a member's points balance (0 without an account), in one read."""
    return programme_and_balance_from(read_all(session, [programme_and_balance_read(member_id=member_id)])[0])


def programme_and_balance_from(rows: Sequence[Any]) -> tuple[policies.Programme, int]:
    """`programme_and_balance` from the rows of `programme_and_balance_read`."""
    balance = next((int(value) for kind, _, value in rows if kind == "balance"), 0)
    return _programme(row for row in rows if row[0] != "balance"), balance


def _programme(rows: Iterable[tuple[str, str, Any]]) -> policies.Programme:
    by_kind: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for kind, key, value in rows:
        by_kind[kind][key] = Decimal(value)
    row = by_kind.pop("programme", {})  # none stored yet: the defaults below
    tiers = {t.code: t.points_multiplier for t in member_policies.TIERS} | by_kind["tier"]
    return policies.Programme(earn_per_yuan=row.get("earn_per_yuan", Decimal(1)),
                              redeem_points_per_yuan=int(row.get("redeem_points_per_yuan", 100)),
                              max_redeem_percent=int(row.get("max_redeem_percent", 50)),
                              expiry_days=int(row.get("expiry_days", 365)), channel_multipliers=by_kind["channel"],
                              category_multipliers=by_kind["category"], tier_multipliers=tiers)


def balance(session: Session, *, member_id: int) -> int:
    """A member's points balance (0 without an account)."""
    return repository.balance_of(session, member_id)


def summary(session: Session, *, member_id: int, within_days: int = 30) -> dict[str, Any]:
    """Balance, what expires soon, and the account's last change."""
    acc = repository.account(session, member_id)
    until = clock.now() + timedelta(days=within_days)
    soon = repository.expiring(session, member_id, until)
    prog = programme(session)
    bal = acc.balance if acc else 0
    return {"member_id": member_id, "balance": bal, "value_fen": prog.value_fen(max(bal, 0)),
            "expiring_within_days": within_days, "expiring_points": sum(p for _, p in soon),
            "next_expiry_at": soon[0][0] if soon else None, "updated_at": acc.updated_at if acc else None}


def history(session: Session, *, member_id: int, limit: int, offset: int) -> tuple[list[PointsEntry], int]:
    """A member's ledger, newest first."""
    return repository.entries_page(session, member_id, limit=limit, offset=offset)


def tier_of(session: Session, *, member_id: int) -> tuple[int, str]:
    """(the member now standing for `member_id`, following merges, and its tier)."""
    member = members.survivor(session, member_id=member_id)
    return (member.id, member.tier) if member else (member_id, member_policies.TIERS[0].code)


# --- the ledger primitives ------------------------------------------------------------------------------

def _row(member_id: int, kind: str, points: int, src: Source, **extra: Any) -> dict[str, Any]:
    return {"member_id": member_id, "id": uuid7(), "kind": kind, "points": points, "remaining": 0,
            "expires_at": None, "source_type": src.type, "source_id": src.id, "reference": src.reference,
            "channel": src.channel, "store_id": src.store_id, "detail": {}, "actor": src.actor,
            "occurred_at": clock.now(), **extra}


def _changed(session: Session, member_id: int, kind: str, points: int, new_balance: int, src: Source) -> None:
    outbox.record(session, PointsChanged(member_id=member_id, kind=kind, points=points, balance=new_balance,
                                         source_type=src.type, source_id=src.id, reference=src.reference),
                  store_id=src.store_id)


def _take(session: Session, member_id: int, points: int, prefer: Any = None) -> tuple[list[tuple[Any, int]], int]:
    """Consume `points` from the member's lots (locked in key order) FIFO; (takes, uncovered part)."""
    takes, uncovered = policies.take(repository.open_lots(session, member_id), points, prefer=prefer)
    repository.take_from_lots(session, member_id, takes)
    return takes, uncovered


def _credit_lots(member_id: int, balance_before: int, lots: Sequence[tuple[int, Any]],
                 kind: str, src: Source, *, suffix: bool = False) -> list[dict[str, Any]]:
    """Entries for credits [(points, expires_at)]: each a lot, spendable once any debt is paid off."""
    rows, running = [], balance_before
    for i, (points, expires_at) in enumerate(lots):
        source = Source(**{**src.__dict__, "id": f"{src.id}#{i}"}) if suffix else src
        rows.append(_row(member_id, kind, points, source, expires_at=expires_at,
                         remaining=policies.spendable_part(running, points)))
        running += points
    return rows


# --- earning --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Accrual:
    member_id: int
    points: int
    first_order: bool


def accrue_order(session: Session, *, order: Mapping[str, Any]) -> Accrual | None:
    """Points for a completed order (an `orders.order_completed` payload), once per order whatever the
    redeliveries: to the member now standing for the buyer, at the buyer's tier."""
    if order.get("member_id") is None:
        return None
    member_id, tier = tier_of(session, member_id=order["member_id"])
    prog = programme(session)
    per_line = policies.line_points(_paid_lines(session, order), prog, channel=order["channel"], tier=tier)
    points = sum(p for p, _ in per_line.values())
    balance_before, completed = repository.lock_account(session, member_id)
    src = Source("order", order["order_id"], order["order_id"], order["channel"], order["store_id"], "system")
    now = clock.now()
    row = _row(member_id, "accrue", points, src, remaining=policies.spendable_part(balance_before, points),
               expires_at=prog.expires_at(now), detail={"number": order.get("number", ""), "tier": tier,
                                                         "lines": {str(k): list(v) for k, v in per_line.items()}})
    if not repository.insert_entry_if_new(session, row):
        return Accrual(member_id, 0, False)
    new_balance = repository.add_balance(session, member_id, points, orders_delta=1)
    if points:
        _changed(session, member_id, "accrue", points, new_balance, src)
    return Accrual(member_id, points, completed == 0)


def _paid_lines(session: Session, order: Mapping[str, Any]) -> list[tuple[int, int, str]]:
    """(line_no, paid fen, category path) per line. Lines are scaled down pro rata when the order was paid
    less than its lines (refunds before completion, e.g. short picks)."""
    lines = order["lines"]
    skus = catalog.skus_by_ids(session, ids={ln["sku_id"] for ln in lines})
    paths = catalog.category_paths(session, category_ids={s.category_id for s in skus.values()})
    bases = [max(0, ln["amount_fen"] - ln.get("discount_fen", 0)) for ln in lines]
    paid = order.get("paid_fen")
    if paid is not None and sum(bases) > paid:
        bases = prorate(max(0, paid), bases)
    return [(ln["line_no"], base, paths.get(skus[ln["sku_id"]].category_id, "") if ln["sku_id"] in skus else "")
            for ln, base in zip(lines, bases, strict=True)]


# --- spending -------------------------------------------------------------------------------------------

def redeem(session: Session, *, member_id: int, points: int, source: Source) -> PointsEntry:
    """Spend points (e.g. as payment for an order). Exactly one of racing redemptions that together exceed
    the balance wins; the same source again returns the first redemption."""
    existing = repository.entry(session, member_id, source.type, source.id, "redeem")
    if existing is not None:
        return _same(existing, -points)
    new_balance = repository.try_debit(session, member_id, points)
    if new_balance is None:
        raise InsufficientPoints(detail={"member_id": member_id, "requested": points,
                                         "balance": repository.balance_of(session, member_id)})
    takes, _ = _take(session, member_id, points)
    row = _row(member_id, "redeem", -points, source, detail={"lots": [[str(lot), n] for lot, n in takes]})
    if not repository.insert_entry_if_new(session, row):  # a concurrent twin committed first: undo ours
        raise RedemptionKeyReused("A redemption for this source was just recorded; retry to read it",
                                  detail={"source_type": source.type, "source_id": source.id})
    _changed(session, member_id, "redeem", -points, new_balance, source)
    session.flush()
    return repository.entry(session, member_id, source.type, source.id, "redeem")  # type: ignore[return-value]


def _same(existing: PointsEntry, points: int) -> PointsEntry:
    if existing.points != points:
        raise RedemptionKeyReused(detail={"source_type": existing.source_type, "source_id": existing.source_id,
                                          "points": existing.points})
    return existing


def adjust(session: Session, *, member_id: int, points: int, reason: str, source: Source) -> PointsEntry:
    """A head-office correction: a credit becomes a new lot; a debit never takes the balance below zero."""
    existing = repository.entry(session, member_id, source.type, source.id, "adjust")
    if existing is not None:
        return _same(existing, points)
    if points < 0:
        new_balance = repository.try_debit(session, member_id, -points)
        if new_balance is None:
            raise InsufficientPoints(detail={"member_id": member_id, "requested": -points,
                                             "balance": repository.balance_of(session, member_id)})
        takes, _ = _take(session, member_id, -points)
        rows = [_row(member_id, "adjust", points, source, detail={"reason": reason, "lots": [
            [str(lot), n] for lot, n in takes]})]
    else:
        before, _ = repository.lock_account(session, member_id)
        rows = _credit_lots(member_id, before, [(points, programme(session).expires_at(clock.now()))],
                            "adjust", source)
        rows[0]["detail"] = {"reason": reason}
        new_balance = repository.add_balance(session, member_id, points)
    repository.add_entries(session, rows)
    _changed(session, member_id, "adjust", points, new_balance, source)
    session.flush()
    return repository.entry(session, member_id, source.type, source.id, "adjust")  # type: ignore[return-value]


# --- refunds, cancellations, expiry ---------------------------------------------------------------------

def reverse_refund(session: Session, *, order_id: str, return_id: str, refunds: Mapping[int, int],
                   store_id: int | None = None) -> int:
    """Take back what refunded lines earned (pro rata, cumulative per line); points already spent follow
    the policy in `policies` (own lot first, then FIFO, then a negative balance). Returns points taken."""
    accrual = next(iter(repository.entries_for_reference(session, order_id, ("accrue",))), None)
    if accrual is None:
        return 0
    accrued = {int(k): (v[0], v[1]) for k, v in accrual.detail.get("lines", {}).items()}
    refunds = {n: fen for n, fen in refunds.items() if n in accrued}
    if not refunds:
        return 0
    member_id, _ = tier_of(session, member_id=accrual.member_id)
    repository.lock_account(session, member_id)  # before reading earlier refunds: concurrent returns queue here
    back = policies.reversal(accrued, _refunded(session, order_id), refunds)
    total = sum(back.values())
    src = Source("return", return_id, order_id, accrual.channel, store_id, "system")
    row = _row(member_id, "reverse", -total, src, detail={"refunds": {str(k): v for k, v in refunds.items()},
                                                          "lines": {str(k): v for k, v in back.items()}})
    if not repository.insert_entry_if_new(session, row):
        return 0
    prefer = accrual.id if accrual.member_id == member_id else None
    _take(session, member_id, total, prefer=prefer)  # what no lot covers leaves the balance negative
    new_balance = repository.add_balance(session, member_id, -total)
    if total:
        _changed(session, member_id, "reverse", -total, new_balance, src)
    return total


def _refunded(session: Session, order_id: str) -> dict[int, int]:
    """Fen refunded so far per line of an order, from its earlier reversals."""
    refunded: dict[int, int] = defaultdict(int)
    for e in repository.entries_for_reference(session, order_id, ("reverse",)):
        for k, fen in e.detail.get("refunds", {}).items():
            refunded[int(k)] += fen
    return refunded


def restore_order(session: Session, *, order_id: str) -> int:
    """Give back points redeemed for an order that was cancelled, each part with the expiry it had."""
    restored = 0
    for spent in repository.entries_for_reference(session, order_id, ("redeem",)):
        restored += _restore(session, spent, order_id)
    return restored


def _restore(session: Session, spent: PointsEntry, order_id: str) -> int:
    member_id, _ = tier_of(session, member_id=spent.member_id)
    before, _ = repository.lock_account(session, member_id)
    src = Source("restore", str(spent.id), order_id, spent.channel, spent.store_id, "system")
    if repository.entry(session, member_id, src.type, f"{src.id}#0", "restore") is not None:
        return 0
    parts = [(uuid.UUID(lot), n) for lot, n in spent.detail.get("lots", [])]
    expiry = repository.lots_by_ids(session, spent.member_id, [lot for lot, _ in parts])
    rows = _credit_lots(member_id, before, [(n, expiry.get(lot)) for lot, n in parts], "restore", src,
                        suffix=True)
    repository.add_entries(session, rows)
    points = sum(n for _, n in parts)
    new_balance = repository.add_balance(session, member_id, points)
    _changed(session, member_id, "restore", points, new_balance, src)
    return points


def expire_due(session: Session, *, limit: int = 500) -> int:
    """Expire lots whose time has come, for up to `limit` members; returns the lots expired."""
    now, expired = clock.now(), 0
    for member_id in repository.members_with_due_lots(session, now, limit):
        repository.lock_account(session, member_id)
        lots = repository.open_lots(session, member_id, due_by=now)
        if not lots:
            continue
        rows = [_row(member_id, "expire", -lot.remaining, Source("lot", str(lot.id), actor="system"),
                     detail={"expired_at": lot.expires_at.isoformat() if lot.expires_at else None})
                for lot in lots]
        repository.add_entries(session, rows)
        repository.take_from_lots(session, member_id, [(lot.id, lot.remaining) for lot in lots])
        points = sum(lot.remaining for lot in lots)
        new_balance = repository.add_balance(session, member_id, -points)
        _changed(session, member_id, "expire", -points, new_balance, Source("expiry", now.isoformat()))
        expired += len(lots)
    return expired


# --- merges ---------------------------------------------------------------------------------------------

def merge(session: Session, *, merge_id: str, survivor_id: int, merged_id: int) -> int:
    """Move a merged member's balance to the survivor: each open lot with its expiry, or the debt.
    Returns the points moved (negative for a debt)."""
    for member_id in sorted((survivor_id, merged_id)):  # key order: concurrent merges never deadlock
        repository.lock_account(session, member_id)
    acc = repository.account(session, merged_id)
    moved, orders = acc.balance, acc.orders_completed  # type: ignore[union-attr]
    if moved == 0 and orders == 0:
        return 0
    out = Source("merge", merge_id, actor="system")
    if not repository.insert_entry_if_new(session, _row(merged_id, "merge_out", -moved, out, detail={
            "survivor_id": survivor_id})):
        return 0
    lots = policies.fifo(repository.open_lots(session, merged_id))
    repository.take_from_lots(session, merged_id, [(lot.id, lot.remaining) for lot in lots])
    repository.add_balance(session, merged_id, -moved, orders_delta=-orders)
    survivor_before = repository.balance_of(session, survivor_id)
    into = Source("merge", merge_id, actor="system")
    if moved >= 0:
        rows = _credit_lots(survivor_id, survivor_before, [(lot.remaining, lot.expires_at) for lot in lots],
                            "merge_in", into, suffix=True)
    else:
        _take(session, survivor_id, -moved)
        rows = [_row(survivor_id, "merge_in", moved, into, detail={"merged_id": merged_id})]
    repository.add_entries(session, rows)
    new_balance = repository.add_balance(session, survivor_id, moved, orders_delta=orders)
    if moved:
        _changed(session, survivor_id, "merge_in", moved, new_balance, into)
    return moved


def undo_merge(session: Session, *, merge_id: str, survivor_id: int, merged_id: int) -> int:
    """A merge undone: the points it brought that the survivor has not spent go back, each with its expiry.
    Points already spent, a debt that moved and the order count stay with the survivor. Returns points moved."""
    for member_id in sorted((survivor_id, merged_id)):
        repository.lock_account(session, member_id)
    lots = policies.fifo(repository.merged_lots(session, survivor_id, merge_id))
    back = sum(lot.remaining for lot in lots)
    src = Source("unmerge", merge_id, actor="system")
    if not back or not repository.insert_entry_if_new(session, _row(survivor_id, "merge_out", -back, src, detail={
            "merged_id": merged_id, "lots": [[str(lot.id), lot.remaining] for lot in lots]})):
        return 0
    repository.take_from_lots(session, survivor_id, [(lot.id, lot.remaining) for lot in lots])
    _changed(session, survivor_id, "merge_out", -back, repository.add_balance(session, survivor_id, -back), src)
    before = repository.balance_of(session, merged_id)
    credits = [(lot.remaining, lot.expires_at) for lot in lots]
    repository.add_entries(session, _credit_lots(merged_id, before, credits, "merge_in", src, suffix=True))
    _changed(session, merged_id, "merge_in", back, repository.add_balance(session, merged_id, back), src)
    return back


# --- programme ------------------------------------------------------------------------------------------

RULE_KINDS = ("channel", "category", "tier")


def set_programme(session: Session, *, values: Mapping[str, Any], actor: str) -> policies.Programme:
    """Change the programme's scalars (head office); unchanged fields keep their values."""
    row = repository.programme(session)
    if row is None:
        row = PointsProgramme(id=1, earn_per_yuan=Decimal(1), redeem_points_per_yuan=100, max_redeem_percent=50,
                              expiry_days=365)
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_by, row.updated_at = actor, clock.now()
    session.flush()
    return programme(session)


def set_rule(session: Session, *, kind: str, key: str, multiplier: Decimal | None) -> policies.Programme:
    """Set (or with None, remove) an earning multiplier for a channel, category code or tier."""
    if kind not in RULE_KINDS:
        raise RuleInvalid(detail={"kind": kind, "allowed": list(RULE_KINDS)})
    if kind == "tier" and key not in member_policies.TIERS_BY_CODE:
        raise RuleInvalid(detail={"key": key, "allowed": list(member_policies.TIERS_BY_CODE)})
    if kind == "category":
        catalog.category(session, code=key)
    if multiplier is None:
        repository.delete_rule(session, kind, key)
    else:
        repository.upsert_rule(session, kind, key, multiplier)
    session.flush()
    return programme(session)


# --- audit ----------------------------------------------------------------------------------------------

def verify(session: Session) -> dict[str, Any]:
    """Check balance = ledger sum and open lots = max(balance, 0) for every member."""
    return {
        "accounts_checked": repository.count_accounts(session),
        "balance_drift": [{"member_id": m, "balance": b, "ledger_sum": s}
                          for m, b, s in repository.balance_drift(session)],
        "lot_drift": [{"member_id": m, "balance": b, "open_lots": s} for m, b, s in repository.lot_drift(session)],
    }


def liability(session: Session) -> dict[str, Any]:
    """Outstanding points by month of expiry, with their value in fen, and what members owe after reversals."""
    prog = programme(session)
    by_month: dict[str, int] = defaultdict(int)
    for expires_at, points in repository.open_lots_by_expiry(session):
        by_month[f"{expires_at:%Y-%m}" if expires_at else "never"] += int(points)
    owing, owed = repository.negative_total(session)
    rows = [{"expiry_month": m, "points": p, "value_fen": prog.value_fen(p)} for m, p in sorted(by_month.items())]
    return {"rows": rows, "total_points": sum(by_month.values()),
            "total_value_fen": sum(r["value_fen"] for r in rows), "members_owing": owing, "points_owed": owed}


# --- tiers ----------------------------------------------------------------------------------------------

TIER_WINDOW = timedelta(days=365)


def record_completed(session: Session, *, order: Mapping[str, Any], completed_at: Any) -> int | None:
    """A completed order counts toward its member's rolling 12-month spend; the member's tier is recomputed.
    Returns the member whose tier was recomputed (None for a guest order)."""
    if order.get("member_id") is None:
        return None
    member_id, _ = tier_of(session, member_id=order["member_id"])
    repository.record_spend(session, {"member_id": member_id, "order_id": order["order_id"],
                                      "buyer_id": order["member_id"], "store_id": order.get("store_id"),
                                      "completed_at": completed_at, "paid_fen": max(0, order["paid_fen"]),
                                      "refunded_fen": 0})
    return recompute_tier(session, member_id=member_id)


def record_refund(session: Session, *, order_id: str, refund_fen: int) -> int | None:
    """A refund lowers the order's spend (never below zero); the member's tier is recomputed."""
    member_id = repository.add_refund(session, order_id, refund_fen)
    return recompute_tier(session, member_id=member_id) if member_id is not None else None


def recompute_tier(session: Session, *, member_id: int) -> int | None:
    """Set the member's rolling 12-month spend of completed orders (paid less refunded) and the tier it
    earns. Merged-away or erased members are left alone. Returns the member, or None if skipped."""
    member = members.survivor(session, member_id=member_id)
    if member is None or member.status != "active":
        return None
    spend = repository.spend_since(session, member.id, clock.now() - TIER_WINDOW)
    if spend != member.spend_12m_fen:
        members.recompute_tier(session, member_id=member.id, spend_fen=spend)
    return member.id


def recompute_all_tiers(session: Session, *, after_id: int = 0, limit: int = 500) -> tuple[int, int]:
    """The periodic full pass (spend leaves the 12-month window as time goes by): recompute up to `limit`
    members after `after_id`; (members done, the last id, 0 when finished)."""
    ids = repository.spenders(session, after_id=after_id, limit=limit)
    for member_id in ids:
        recompute_tier(session, member_id=member_id)
    return len(ids), (ids[-1] if len(ids) == limit else 0)


def move_spend(session: Session, *, survivor_id: int, merged_id: int, undo: bool = False) -> None:
    """Spend follows a merge (and goes back when it is undone); both tiers are recomputed."""
    if undo:
        repository.unmove_spend(session, survivor_id, merged_id)
    else:
        repository.move_spend(session, merged_id, survivor_id)
    for member_id in (survivor_id, merged_id):
        recompute_tier(session, member_id=member_id)


# --- finance --------------------------------------------------------------------------------------------

def monthly_movements(session: Session) -> list[tuple[str, str, int]]:
    """(month 'YYYY-MM' in UTC, entry kind, points) for the whole ledger."""
    return repository.monthly_movements(session)


def outstanding(session: Session) -> int:
    """The sum of every member's balance (what the ledger must add up to)."""
    return repository.total_balance(session)


def recompute_every_tier(session: Session, *, batch: int = 500) -> int:
    """Every spender's tier in one pass (the daily job); returns the members recomputed."""
    total, after = 0, 0
    while True:
        done, after = recompute_all_tiers(session, after_id=after, limit=batch)
        total += done
        if not after:
            return total
