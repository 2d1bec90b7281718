"""Loyalty endpoints: member points (balance, history, redeem, adjust), the programme, coupon templates,
issuance (campaign, trigger, guide, claim code), redemption, and the finance and audit views.

Reading a member's points or coupons follows the members rule (staff see members of their stores; others
404). Spending needs `members:write`; where a store is involved, it must be one of the caller's stores.
Head office (or a client with the scope) runs the programme, templates, campaigns and adjustments.
"""

from __future__ import annotations

import csv
import io
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from sqlalchemy.orm import Session

from zhongtai.deps import SessionDep, require_scope
from zhongtai.kernel.auth import Principal, Role
from zhongtai.kernel.pagination import Page, PageParams, page_params
from zhongtai.loyalty import service
from zhongtai.loyalty.coupons import service as coupons
from zhongtai.loyalty.coupons.models import Coupon, CouponTemplate
from zhongtai.loyalty.coupons.schemas import (
    ClaimRequest,
    CouponRead,
    GuideIssue,
    IssueRequest,
    IssueResult,
    RedeemRequest,
    ReleaseRequest,
    Skipped,
    TemplateCreate,
    TemplateRead,
    TemplateUpdate,
    TriggerIssue,
)
from zhongtai.loyalty.schemas import (
    EntryRead,
    PointsAdjust,
    PointsRedeem,
    PointsSummary,
    ProgrammeRead,
    ProgrammeUpdate,
    RuleSet,
    VerifyReport,
)
from zhongtai.members import service as members
from zhongtai.stores import service as stores

router = APIRouter(prefix="/api/v1", tags=["loyalty"])
Reader = Annotated[Principal, Depends(require_scope("members:read"))]
Writer = Annotated[Principal, Depends(require_scope("members:write"))]
HeadOffice = Annotated[Principal, Depends(require_scope("members:write", Role.HQ_ADMIN))]
Auditor = Annotated[Principal, Depends(require_scope("members:read", Role.HQ_ADMIN))]
Guide = Annotated[Principal, Depends(require_scope("members:write", Role.HQ_ADMIN, Role.STORE_MANAGER, Role.GUIDE))]
PageDep = Annotated[PageParams, Depends(page_params)]


def _actor(p: Principal) -> str:
    return f"{p.kind}:{p.name}"


def _visible_member(session: Session, principal: Principal, member_id: int) -> int:
    return members.get(session, principal=principal, member_id=member_id).id


def _existing_member(session: Session, member_id: int) -> int:
    """The member now standing for `member_id` (following merges), 404 if there is none."""
    member = members.survivor(session, member_id=member_id)
    if member is None:
        raise members.MemberNotFound(detail={"member_id": member_id})
    return member.id


def _store(session: Session, principal: Principal, store_id: int | None) -> None:
    if store_id is not None:
        stores.get(session, principal=principal, store_id=store_id)


# --- points ---------------------------------------------------------------------------------------------

@router.get("/loyalty/members/{member_id}/points", response_model=PointsSummary)
def points(session: SessionDep, principal: Reader, member_id: int,
           within_days: Annotated[int, Query(ge=1, le=366)] = 30):
    """A member's balance, its value, and the points expiring soon."""
    member_id = _visible_member(session, principal, member_id)
    return service.summary(session, member_id=member_id, within_days=within_days)


@router.get("/loyalty/members/{member_id}/points/entries", response_model=Page[EntryRead])
def points_history(session: SessionDep, principal: Reader, member_id: int, page: PageDep):
    """A member's points ledger, newest first."""
    rows, total = service.history(session, member_id=_visible_member(session, principal, member_id),
                                  limit=page.limit, offset=page.offset)
    return Page[EntryRead](items=[EntryRead.model_validate(r) for r in rows], total=total, **page.model_dump())


@router.post("/loyalty/members/{member_id}/points/redeem", response_model=EntryRead,
             status_code=status.HTTP_201_CREATED)
def redeem_points(session: SessionDep, principal: Writer, member_id: int, body: PointsRedeem):
    """Spend points as payment; more than the balance is 409 points_insufficient and changes nothing."""
    _store(session, principal, body.store_id)
    return service.redeem(session, member_id=_existing_member(session, member_id), points=body.points,
                          source=service.Source("order", body.reference, body.reference, body.channel,
                                                body.store_id, _actor(principal)))


@router.post("/loyalty/members/{member_id}/points/adjust", response_model=EntryRead,
             status_code=status.HTTP_201_CREATED)
def adjust_points(session: SessionDep, principal: HeadOffice, member_id: int, body: PointsAdjust):
    """A head-office correction with a reason (a debit never takes the balance below zero)."""
    return service.adjust(session, member_id=_existing_member(session, member_id), points=body.points,
                          reason=body.reason, source=service.Source(
                              "adjust", body.request_id or str(uuid.uuid4()), actor=_actor(principal)))


@router.get("/loyalty/programme", response_model=ProgrammeRead)
def get_programme(session: SessionDep, _: Reader):
    """How points are earned (base and multipliers), what they are worth, the cap and the expiry horizon."""
    return _programme(service.programme(session))


@router.put("/loyalty/programme", response_model=ProgrammeRead)
def put_programme(session: SessionDep, principal: HeadOffice, body: ProgrammeUpdate):
    """Change the earning base, redemption rate, cap or expiry horizon (head office)."""
    return _programme(service.set_programme(session, values=body.model_dump(exclude_none=True),
                                            actor=_actor(principal)))


@router.put("/loyalty/programme/rules", response_model=ProgrammeRead)
def put_rule(session: SessionDep, _: HeadOffice, body: RuleSet):
    """Set or remove an earning multiplier by channel, category or tier (head office)."""
    return _programme(service.set_rule(session, kind=body.kind, key=body.key, multiplier=body.multiplier))


def _programme(p) -> ProgrammeRead:
    return ProgrammeRead(earn_per_yuan=p.earn_per_yuan, redeem_points_per_yuan=p.redeem_points_per_yuan,
                         max_redeem_percent=p.max_redeem_percent, expiry_days=p.expiry_days,
                         channel_multipliers=dict(p.channel_multipliers),
                         category_multipliers=dict(p.category_multipliers),
                         tier_multipliers=dict(p.tier_multipliers))


@router.get("/loyalty/verify", response_model=VerifyReport)
def verify(session: SessionDep, _: Auditor):
    """Check every balance equals its ledger and its open lots, and every template's issued count."""
    return VerifyReport(**service.verify(session), coupon_count_drift=coupons.verify(session))


@router.get("/loyalty/liability")
def liability(session: SessionDep, _: Auditor) -> dict:
    """Outstanding points by month of expiry and their value (finance)."""
    return service.liability(session)


@router.get("/loyalty/liability.csv")
def liability_csv(session: SessionDep, _: Auditor) -> Response:
    """The same, as CSV for finance: expiry_month, points, value_fen."""
    report, out = service.liability(session), io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["expiry_month", "points", "value_fen"])
    for row in report["rows"]:
        writer.writerow([row["expiry_month"], row["points"], row["value_fen"]])
    writer.writerow(["total", report["total_points"], report["total_value_fen"]])
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="points-liability.csv"'})


# --- coupons --------------------------------------------------------------------------------------------

def _coupon(c: Coupon, t: CouponTemplate) -> CouponRead:
    return CouponRead(id=c.id, code=c.code, member_id=c.member_id, template_code=t.code, name=t.name,
                      label=coupons.label(t), kind=t.kind, status=c.status, issued_via=c.issued_via,
                      issued_at=c.issued_at, valid_from=c.valid_from, valid_to=c.valid_to, redeemed_at=c.redeemed_at,
                      redeemed_ref=c.redeemed_ref, redeemed_channel=c.redeemed_channel,
                      redeemed_store_id=c.redeemed_store_id)


def _template(t: CouponTemplate) -> TemplateRead:
    return TemplateRead.model_validate(t).model_copy(update={"label": coupons.label(t)})


def _issued(out: coupons.Issued) -> IssueResult:
    return IssueResult(issued=[_coupon(c, t) for c, t in out.coupons],
                       skipped=[Skipped(**s) for s in out.skipped])


@router.post("/coupons/templates", response_model=TemplateRead, status_code=status.HTTP_201_CREATED)
def create_template(session: SessionDep, principal: HeadOffice, body: TemplateCreate):
    """A coupon template: the offer, where and when it may be used, limits, stacking and restoration."""
    return _template(coupons.create_template(session, template_in=body, actor=_actor(principal)))


@router.get("/coupons/templates", response_model=Page[TemplateRead])
def list_templates(session: SessionDep, _: Reader, page: PageDep,
                   status_: Annotated[str | None, Query(alias="status", pattern="^(active|retired)$")] = None):
    """Coupon templates, newest first."""
    rows, total = coupons.list_templates(session, status=status_, limit=page.limit, offset=page.offset)
    return Page[TemplateRead](items=[_template(t) for t in rows], total=total, **page.model_dump())


@router.get("/coupons/templates/{template_id}", response_model=TemplateRead)
def get_template(session: SessionDep, _: Reader, template_id: int):
    """One coupon template with its terms and how many were issued."""
    return _template(coupons.get_template(session, template_id=template_id))


@router.patch("/coupons/templates/{template_id}", response_model=TemplateRead)
def update_template(session: SessionDep, _: HeadOffice, template_id: int, body: TemplateUpdate):
    """Change a template's limits, restrictions or status (retire it to stop issuing)."""
    return _template(coupons.update_template(session, template_id=template_id, template_in=body))


@router.post("/coupons/issue", response_model=IssueResult, status_code=status.HTTP_201_CREATED)
def issue(session: SessionDep, principal: HeadOffice, body: IssueRequest):
    """Issue a template to a segment (a list of members); members over their limit are listed as skipped."""
    return _issued(coupons.issue(session, template_code=body.template_code, member_ids=body.member_ids,
                                 via="campaign", issued_by=_actor(principal),
                                 issue_key=f"campaign:{body.campaign}" if body.campaign else None))


@router.post("/coupons/issue-on-trigger", response_model=IssueResult, status_code=status.HTTP_201_CREATED)
def issue_on_trigger(session: SessionDep, principal: HeadOffice, body: TriggerIssue):
    """Issue a trigger's templates (e.g. birthday) to members for one occasion, at most once per occasion."""
    return _issued(coupons.issue_on_trigger(session, trigger=body.trigger, member_ids=body.member_ids,
                                            occasion=body.occasion, issued_by=_actor(principal)))


@router.post("/coupons/guide-issue", response_model=CouponRead, status_code=status.HTTP_201_CREATED)
def guide_issue(session: SessionDep, principal: Guide, body: GuideIssue):
    """A shopping guide gives a customer a coupon, for one of the guide's stores."""
    stores.get(session, principal=principal, store_id=body.store_id)
    return _coupon(*coupons.issue_by_guide(session, template_code=body.template_code,
                                           member_id=_existing_member(session, body.member_id),
                                           store_id=body.store_id, guide=_actor(principal)))


@router.post("/coupons/claim", response_model=CouponRead, status_code=status.HTTP_201_CREATED)
def claim(session: SessionDep, _: Writer, body: ClaimRequest):
    """A member claims a coupon with a published claim code (409 once the member holds its limit)."""
    return _coupon(*coupons.claim(session, claim_code=body.claim_code,
                                  member_id=_existing_member(session, body.member_id)))


@router.get("/loyalty/members/{member_id}/coupons", response_model=Page[CouponRead])
def member_coupons(session: SessionDep, principal: Reader, member_id: int, page: PageDep,
                   status_: Annotated[str | None, Query(alias="status",
                                                        pattern="^(issued|redeemed|expired|void)$")] = None):
    """A member's coupons, soonest to expire first."""
    rows, total = coupons.member_coupons(session, member_id=_visible_member(session, principal, member_id),
                                         status=status_, limit=page.limit, offset=page.offset)
    return Page[CouponRead](items=[_coupon(c, t) for c, t in rows], total=total, **page.model_dump())


@router.post("/coupons/redeem", response_model=list[CouponRead])
def redeem(session: SessionDep, principal: Writer, body: RedeemRequest):
    """Use coupons on an order, all or none, each exactly once (4xx with the reason code otherwise)."""
    _store(session, principal, body.store_id)
    return [_coupon(c, t) for c, t in coupons.redeem(
        session, codes=body.codes, member_id=_existing_member(session, body.member_id), channel=body.channel,
        store_id=body.store_id, reference=body.reference)]


@router.post("/coupons/release", response_model=list[CouponRead])
def release(session: SessionDep, _: Writer, body: ReleaseRequest):
    """Give back the coupons an order used when the order never went through (payment failed, abandoned)."""
    restored = coupons.restore(session, reference=body.reference, why=body.reason, force=True)
    found = coupons.by_codes(session, codes=[c.code for c in restored])
    return [_coupon(*found[c.code]) for c in restored]
