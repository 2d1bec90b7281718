"""Coupon use cases: templates, issuance (campaign, event, guide, claim code), exactly-once redemption,
restoration on cancellation or refund, expiry and merges.

Issuance locks the template row, so per-member and total limits hold under concurrent claims; redemption
is one conditional UPDATE per coupon (issued → redeemed), in code order, so of two channels redeeming one
coupon at the same instant exactly one succeeds.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from zhongtai.catalog import service as catalog
from zhongtai.db.session import Read, read_all
from zhongtai.kernel import clock, outbox
from zhongtai.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound, ZhongtaiError
from zhongtai.kernel.ids import uuid7
from zhongtai.loyalty.coupons import policies, repository
from zhongtai.loyalty.coupons.models import Coupon, CouponTemplate
from zhongtai.loyalty.coupons.schemas import TemplateCreate, TemplateUpdate
from zhongtai.loyalty.events import CouponIssued, CouponRedeemed, CouponRestored


class TemplateNotFound(NotFound):
    code, message = "coupon_template_not_found", "Coupon template not found"


class TemplateCodeTaken(Conflict):
    code, message = "coupon_template_code_taken", "A template with this code or claim code already exists"


class TemplateNotIssuable(Conflict):
    code, message = "coupon_template_not_issuable", "This template is retired or its validity has ended"


class QuotaExhausted(Conflict):
    code, message = "coupon_quota_exhausted", "The template's total issue limit would be exceeded"


class NotGuideIssuable(Forbidden):
    code, message = "coupon_not_guide_issuable", "Guides may not issue this template"


class ClaimLimitReached(Conflict):
    code, message = "coupon_claim_limit_reached", "The member already holds as many of these as allowed"


class CouponNotFound(NotFound):
    code, message = "coupon_not_found", "Coupon not found"


class CouponAlreadyRedeemed(Conflict):
    code, message = "coupon_already_redeemed", "The coupon has already been used"


class CouponExpired(Conflict):
    code, message = "coupon_expired", "The coupon has expired"


class CouponNotYetValid(Conflict):
    code, message = "coupon_not_yet_valid", "The coupon is not valid yet"


class CouponVoid(Conflict):
    code, message = "coupon_void", "The coupon was voided"


class CouponWrongChannel(InvalidInput):
    code, message = "coupon_wrong_channel", "The coupon is not valid on this channel"


class CouponWrongStore(InvalidInput):
    code, message = "coupon_wrong_store", "The coupon is not valid at this store"


REFUSED: dict[str, type[ZhongtaiError]] = {
    "not_found": CouponNotFound, "not_owner": CouponNotFound, "member_required": CouponNotFound,
    "already_redeemed": CouponAlreadyRedeemed, "expired": CouponExpired, "not_yet_valid": CouponNotYetValid, "void": CouponVoid,
    "wrong_channel": CouponWrongChannel, "wrong_store": CouponWrongStore,
}


def label(t: CouponTemplate) -> str:
    return policies.label(kind=t.kind, threshold_fen=t.threshold_fen, amount_fen=t.amount_fen,
                          percent_off=t.percent_off, cap_fen=t.cap_fen)


# --- templates ------------------------------------------------------------------------------------------

def create_template(session: Session, *, template_in: TemplateCreate, actor: str) -> CouponTemplate:
    """Add a coupon template (head office); SKU and category codes must exist."""
    if repository.template_by(session, code=template_in.code) or (
            template_in.claim_code and repository.template_by(session, claim_code=template_in.claim_code)):
        raise TemplateCodeTaken(detail={"code": template_in.code, "claim_code": template_in.claim_code})
    if template_in.sku_codes:
        catalog.skus_by_codes(session, codes=template_in.sku_codes)
    for code in template_in.category_codes:
        catalog.category(session, code=code)
    tpl = CouponTemplate(**template_in.model_dump(), issued_count=0, status="active", created_by=actor)
    session.add(tpl)
    session.flush()
    return tpl


def update_template(session: Session, *, template_id: int, template_in: TemplateUpdate) -> CouponTemplate:
    """Change a template's name, limits, restrictions or status; coupons already issued keep their window."""
    tpl = get_template(session, template_id=template_id, lock=True)
    changes = template_in.model_dump(exclude_unset=True)
    if changes.get("claim_code") and changes["claim_code"] != tpl.claim_code and repository.template_by(
            session, claim_code=changes["claim_code"]):
        raise TemplateCodeTaken(detail={"claim_code": changes["claim_code"]})
    if changes.get("total_limit") is not None and changes["total_limit"] < tpl.issued_count:
        raise InvalidInput("total_limit is below what was already issued", detail={"issued": tpl.issued_count})
    for name, value in changes.items():
        if value is not None or name == "claim_code":
            setattr(tpl, name, value)
    session.flush()
    return tpl


def get_template(session: Session, *, template_id: int | None = None, code: str | None = None,
                 lock: bool = False) -> CouponTemplate:
    tpl = (repository.template(session, template_id, lock=lock) if template_id is not None
           else repository.template_by(session, code=code, lock=lock))
    if tpl is None:
        raise TemplateNotFound(detail={"template_id": template_id, "code": code})
    return tpl


def list_templates(session: Session, *, status: str | None, limit: int, offset: int):
    return repository.templates_page(session, status=status, limit=limit, offset=offset)


# --- issuing --------------------------------------------------------------------------------------------

@dataclass
class Issued:
    coupons: list[tuple[Coupon, CouponTemplate]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)


def issue(session: Session, *, template_code: str, member_ids: Sequence[int], via: str, issued_by: str,
          issue_key: str | None = None, store_id: int | None = None) -> Issued:
    """Issue a template to members. With `issue_key` (a campaign or occasion), a member who already holds
    that key is skipped; otherwise each member gets the next of its per-member allowance."""
    tpl = get_template(session, code=template_code, lock=True)
    return _issue(session, tpl, member_ids, via=via, issued_by=issued_by, issue_key=issue_key, store_id=store_id)


def _issue(session: Session, tpl: CouponTemplate, member_ids: Sequence[int], *, via: str, issued_by: str,
           issue_key: str | None, store_id: int | None) -> Issued:
    now = clock.now()
    if tpl.status != "active" or (tpl.valid_to is not None and tpl.valid_to <= now):
        raise TemplateNotIssuable(detail={"template_code": tpl.code, "status": tpl.status, "valid_to": tpl.valid_to})
    held, result, rows = repository.issue_keys(session, tpl.id, member_ids), Issued(), []
    for member_id in dict.fromkeys(member_ids):  # each member once, in the order given
        keys = held.get(member_id, set())
        key, why = _next_key(tpl, keys, issue_key)
        if key is None:
            result.skipped.append({"member_id": member_id, "reason": why})
            continue
        start, end = policies.window(issued_at=now, valid_from=tpl.valid_from, valid_to=tpl.valid_to,
                                     valid_days=tpl.valid_days)
        rows.append({"member_id": member_id, "id": uuid7(), "template_id": tpl.id, "code": policies.new_code(),
                     "status": "issued", "issued_via": via, "issue_key": key, "issued_by": issued_by,
                     "issued_store_id": store_id, "issued_at": now, "valid_from": start, "valid_to": end,
                     "redeemed_ref": "", "redeemed_channel": "", "restored_count": 0})
    if tpl.total_limit is not None and tpl.issued_count + len(rows) > tpl.total_limit:
        raise QuotaExhausted(detail={"template_code": tpl.code, "remaining": tpl.total_limit - tpl.issued_count,
                                     "requested": len(rows)})
    repository.add_coupons(session, rows)
    tpl.issued_count += len(rows)
    session.flush()
    for row in rows:
        outbox.record(session, CouponIssued(member_id=row["member_id"], coupon_id=str(row["id"]),
                                            template_code=tpl.code, issued_via=via,
                                            valid_to=row["valid_to"].isoformat()), store_id=store_id)
    result.coupons = [(Coupon(**row), tpl) for row in rows]
    return result


def _next_key(tpl: CouponTemplate, keys: set[str], issue_key: str | None) -> tuple[str | None, str]:
    """The issue key for a member's next coupon, or None and why not."""
    if tpl.per_member_limit is not None and len(keys) >= tpl.per_member_limit:
        return None, "per_member_limit_reached"
    if issue_key is not None:
        return (None, "already_issued_for_this_occasion") if issue_key in keys else (issue_key, "")
    n = len(keys) + 1
    while str(n) in keys:
        n += 1
    return str(n), ""


def claim(session: Session, *, claim_code: str, member_id: int) -> tuple[Coupon, CouponTemplate]:
    """A member claims a coupon with a published code (app, mini program, poster at the till)."""
    tpl = repository.template_by(session, claim_code=claim_code, lock=True)
    if tpl is None:
        raise TemplateNotFound("No coupon has this claim code", detail={"claim_code": claim_code})
    out = _issue(session, tpl, [member_id], via="claim_code", issued_by=f"member:{member_id}", issue_key=None,
                 store_id=None)
    if not out.coupons:
        raise ClaimLimitReached(detail={"template_code": tpl.code, "per_member_limit": tpl.per_member_limit})
    return out.coupons[0]


def issue_by_guide(session: Session, *, template_code: str, member_id: int, store_id: int,
                   guide: str) -> tuple[Coupon, CouponTemplate]:
    """A shopping guide gives a customer a coupon the template allows guides to give, for a store it covers."""
    tpl = get_template(session, code=template_code, lock=True)
    if not tpl.guide_issuable:
        raise NotGuideIssuable(detail={"template_code": tpl.code})
    if tpl.store_ids and store_id not in tpl.store_ids:
        raise CouponWrongStore("The template is not for this store", detail={"store_id": store_id})
    out = _issue(session, tpl, [member_id], via="guide", issued_by=guide, issue_key=None, store_id=store_id)
    if not out.coupons:
        raise ClaimLimitReached(detail={"template_code": tpl.code, "per_member_limit": tpl.per_member_limit})
    return out.coupons[0]


def issue_on_trigger(session: Session, *, trigger: str, member_ids: Sequence[int], occasion: str,
                     issued_by: str = "system") -> Issued:
    """Issue every active template of a trigger (first order, birthday, joined) for one occasion; templates
    that can no longer issue (quota, validity) are skipped, so an event handler never fails on them."""
    out = Issued()
    for tpl in repository.templates_with_trigger(session, trigger):
        repository.template(session, tpl.id, lock=True)
        try:
            got = _issue(session, tpl, member_ids, via="event", issued_by=issued_by, issue_key=occasion,
                         store_id=None)
        except (QuotaExhausted, TemplateNotIssuable) as exc:
            out.skipped += [{"member_id": m, "reason": exc.code} for m in member_ids]
            continue
        out.coupons += got.coupons
        out.skipped += got.skipped
    return out


# --- using ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Offer:
    """A coupon presented at checkout: its template, or why it cannot be used here and now."""

    code: str
    coupon: Coupon | None
    template: CouponTemplate | None
    refusal: policies.Refusal | None


@dataclass(frozen=True)
class Terms:
    """A coupon presented for a price, read as a plain row: what it gives (`template`: the template's
    template_code, kind, threshold_fen, amount_fen, percent_off, cap_fen, sku_codes, category_codes, stackable;
    None when no coupon has the code), or why it cannot be used here and now."""

    code: str
    template: Row | None
    refusal: policies.Refusal | None

    @property
    def label(self) -> str:
        t = self.template
        return "" if t is None else policies.label(kind=t.kind, threshold_fen=t.threshold_fen,
                                                   amount_fen=t.amount_fen, percent_off=t.percent_off,
                                                   cap_fen=t.cap_fen)


def offers(session: Session, *, codes: Sequence[str], member_id: int | None, channel: str,
           store_id: int | None) -> list[Offer]:
    """The coupons behind `codes` (one query), each checked for owner, status, window, channel and store."""
    if not codes:
        return []
    return [Offer(*checked) for checked in _checked(
        codes, repository.with_templates(session, codes), member_id=member_id, channel=channel, store_id=store_id)]


def terms(session: Session, *, codes: Sequence[str], member_id: int | None, channel: str,
          store_id: int | None) -> list[Terms]:
    """`offers` as pricing needs them: the same checks, on plain rows (one query, no ORM objects)."""
    if not codes:
        return []
    return terms_from(read_all(session, [terms_read(codes=codes)])[0], codes=codes, member_id=member_id,
                      channel=channel, store_id=store_id)


def terms_read(*, codes: Sequence[str]) -> Read:
    """The read behind `terms`, to run with others; see `terms_from`."""
    return repository.terms_read(codes)


def terms_from(rows: Sequence[Any], *, codes: Sequence[str], member_id: int | None, channel: str,
               store_id: int | None) -> list[Terms]:
    """`terms` from the rows of `terms_read`."""
    found = {row.code: (row, row) for row in rows}
    return [Terms(code, t, refusal) for code, _, t, refusal in _checked(
        codes, found, member_id=member_id, channel=channel, store_id=store_id)]


def _checked(codes: Sequence[str], found: dict[str, tuple[Any, Any]], *, member_id: int | None, channel: str,
             store_id: int | None) -> Iterator[tuple[str, Any, Any, policies.Refusal | None]]:
    """(code, coupon, template, refusal) for each distinct code, in the order given; `found` maps a code to
    its (coupon, template), as objects or as one row holding both."""
    now = clock.now()
    for code in dict.fromkeys(codes):
        if code not in found:
            yield code, None, None, policies.Refusal("not_found", "no coupon has this code")
            continue
        c, t = found[code]
        yield code, c, t, policies.usable(
            member_id=member_id, owner_id=c.member_id, status=c.status, valid_from=c.valid_from,
            valid_to=c.valid_to, channels=t.channels, store_ids=t.store_ids, channel=channel, store_id=store_id,
            now=now)


def redeem(session: Session, *, codes: Sequence[str], member_id: int, channel: str, store_id: int | None,
           reference: str) -> list[tuple[Coupon, CouponTemplate]]:
    """Use coupons for an order (`reference`): all or none, each exactly once. Coupons already redeemed for
    the same reference count as done (a retry)."""
    out = []
    for offer in sorted(offers(session, codes=codes, member_id=member_id, channel=channel, store_id=store_id),
                        key=lambda o: o.code):  # code order: concurrent multi-coupon redemptions never deadlock
        if offer.coupon is not None and offer.coupon.status == "redeemed" and \
                offer.coupon.redeemed_ref == reference and offer.coupon.member_id == member_id:
            out.append((offer.coupon, offer.template))
            continue
        if offer.refusal is not None:
            raise REFUSED[offer.refusal.reason](offer.refusal.message, detail={
                "code": offer.code, "reason": offer.refusal.reason, "message": offer.refusal.message})
        if not repository.mark_redeemed(session, offer.coupon, now=clock.now(), reference=reference,
                                        channel=channel, store_id=store_id):
            raise CouponAlreadyRedeemed(detail={"code": offer.code, "reason": "already_redeemed"})
        outbox.record(session, CouponRedeemed(member_id=member_id, coupon_id=str(offer.coupon.id),
                                              template_code=offer.template.code, reference=reference,
                                              channel=channel, store_id=store_id), store_id=store_id)
        out.append((offer.coupon, offer.template))
    return out


def restore(session: Session, *, reference: str, why: str, force: bool = False) -> list[Coupon]:
    """Put back the coupons an order used, when its template says so (or always, with `force`: the order
    never went through)."""
    restored = []
    for coupon, tpl in repository.redeemed_for(session, reference):
        if (force or tpl.restore_on_refund) and repository.put_back(session, coupon):
            outbox.record(session, CouponRestored(member_id=coupon.member_id, coupon_id=str(coupon.id),
                                                  template_code=tpl.code, reference=reference, why=why))
            restored.append(coupon)
    return restored


def member_coupons(session: Session, *, member_id: int, status: str | None, limit: int, offset: int):
    """A member's coupons with their templates, soonest to expire first."""
    return repository.member_coupons(session, member_id, status=status, limit=limit, offset=offset)


def expire_due(session: Session) -> int:
    """Mark issued coupons past their window expired (redemption already refuses them; this tidies lists)."""
    return repository.expire_due(session, clock.now())


def merge(session: Session, *, survivor_id: int, merged_id: int) -> int:
    """The survivor of a member merge takes over the merged member's unused coupons."""
    return repository.move(session, from_id=merged_id, to_id=survivor_id, prefix=f"m{merged_id}:")


def undo_merge(session: Session, *, survivor_id: int, merged_id: int) -> int:
    """A merge undone: the coupons it moved that are still unused go back."""
    return repository.move_back(session, from_id=survivor_id, to_id=merged_id, prefix=f"m{merged_id}:")


def verify(session: Session) -> list[dict[str, Any]]:
    """Templates whose issued count differs from the coupons that exist."""
    return [{"template_code": c, "issued_count": n, "coupons": m}
            for c, n, m in repository.issued_count_drift(session)]


def by_codes(session: Session, *, codes: Collection[str]) -> dict[str, tuple[Coupon, CouponTemplate]]:
    return repository.with_templates(session, codes)
