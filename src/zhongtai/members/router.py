"""Member endpoints. Staff see members whose home store is theirs (others answer 404), contact details masked;
head office may unmask (logged), undo merges, export and erase."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status
from sqlalchemy.orm import Session

from zhongtai.deps import SessionDep, require_roles, require_scope
from zhongtai.kernel.auth import Principal, Role
from zhongtai.kernel.pagination import Page, PageParams, page_params
from zhongtai.members import policies, service
from zhongtai.members.models import Member
from zhongtai.members.schemas import (
    CandidateRead,
    ConsentCheck,
    ConsentHistoryRead,
    ConsentRead,
    ConsentSet,
    ConsentsRead,
    EraseRequest,
    IdentityLink,
    IdentityRead,
    JoinResult,
    MemberJoin,
    MemberListItem,
    MemberRead,
    MemberStatus,
    MemberSummary,
    MemberTierRead,
    MergeCreate,
    MergeRead,
    PiiAccessRead,
    Purpose,
    RevealedValue,
    RevealRequest,
    RevealResult,
    TierRead,
)
from zhongtai.stores import service as stores
from zhongtai.wallet import service as wallet

router = APIRouter(prefix="/api/v1/members", tags=["members"])
Reader = Annotated[Principal, Depends(require_scope("members:read"))]
Writer = Annotated[Principal, Depends(require_scope("members:write"))]
Manager = Annotated[Principal, Depends(require_roles(Role.HQ_ADMIN, Role.STORE_MANAGER))]
HeadOffice = Annotated[Principal, Depends(require_roles(Role.HQ_ADMIN))]
PageDep = Annotated[PageParams, Depends(page_params)]


def _tier(member: Member) -> MemberTierRead:
    tier, above = policies.TIERS_BY_CODE[member.tier], policies.next_tier(member.tier)
    return MemberTierRead(**tier.__dict__, spend_12m_fen=member.spend_12m_fen, next_tier=above and above.code,
                          to_next_tier_fen=above and max(0, above.min_spend_fen - member.spend_12m_fen))


def _summary(member: Member) -> MemberSummary:
    return MemberSummary(id=member.id, member_no=member.member_no, status=member.status, tier=_tier(member),
                         home_store_id=member.home_store_id)


def _consent(purpose: str, row) -> ConsentRead:
    if row is None:
        return ConsentRead(purpose=purpose, granted=False, channel=None, recorded_at=None)
    return ConsentRead(purpose=purpose, granted=row.granted, channel=row.channel, recorded_at=row.recorded_at,
                       recorded_by=row.recorded_by)


def _member_read(session: Session, member: Member) -> MemberRead:
    consents = service.consents_in_force(session, member_id=member.id)
    return MemberRead(
        **{k: getattr(member, k) for k in ("id", "member_no", "display_name", "gender", "birthday", "home_store_id",
                                           "joined_channel", "status", "merged_into_id", "created_at", "updated_at",
                                           "erased_at")},
        tier=_tier(member),
        identities=[IdentityRead.model_validate(i) for i in service.identities(session, member_id=member.id)],
        consents=[_consent(p, row) for p, row in consents.items()],
        merges=[MergeRead.model_validate(m) for m in service.merges(session, member_id=member.id)],
        wallet=wallet.summary(session, member_id=member.id))


def _join_result(result: service.JoinOutcome) -> JoinResult:
    return JoinResult(member=_summary(result.member), outcome=result.outcome,
                      merged_member_ids=result.merged_member_ids, linked_identities=result.linked,
                      duplicate_candidates=result.duplicate_candidates)


def _home_store(session: Session, principal: Principal, store_id: int | None) -> int | None:
    """The store a new member belongs to: the one given (if the caller may see it), else the caller's only one."""
    if store_id is not None:
        return stores.get(session, principal=principal, store_id=store_id).id
    if not principal.all_stores and len(principal.store_ids) == 1:
        return next(iter(principal.store_ids))
    return None


@router.get("/tiers", response_model=list[TierRead])
def list_tiers(_: Reader):
    """Tiers by rolling 12-month spend, with their benefits."""
    return [TierRead(**t.__dict__) for t in policies.TIERS]


@router.post("/join", response_model=JoinResult, responses={201: {"model": JoinResult}})
def join(session: SessionDep, principal: Writer, body: MemberJoin, response: Response):
    """Join from any channel: finds the member the identities prove (201 when a new member was created).

    Members proven to be one shopper are merged; unverified matches are listed as duplicate candidates.
    """
    result = service.join(session, channel=body.channel, identities=body.identities, profile=body.profile,
                          store_id=_home_store(session, principal, body.store_id), consents=body.consents,
                          actor=service.actor_of(principal))
    response.status_code = status.HTTP_201_CREATED if result.outcome == "created" else status.HTTP_200_OK
    return _join_result(result)


@router.get("", response_model=Page[MemberListItem])
def search_members(session: SessionDep, principal: Reader, page: PageDep,
                   phone: Annotated[str | None, Query(max_length=32, description="Exact mobile number")] = None,
                   member_no: Annotated[str | None, Query(max_length=20)] = None,
                   q: Annotated[str | None, Query(max_length=100, description="Part of the name")] = None,
                   status_: Annotated[MemberStatus | None, Query(alias="status")] = None):
    """Members the caller may see, by phone, member number or name; phones masked."""
    rows, total, masks = service.search(session, principal=principal, phone=phone, member_no=member_no, q=q,
                                        status=status_, limit=page.limit, offset=page.offset)
    items = [MemberListItem(id=m.id, member_no=m.member_no, display_name=m.display_name, status=m.status,
                            tier=m.tier, home_store_id=m.home_store_id,
                            merged_into_id=m.merged_into_id, phone_masked=masks.get(m.id),
                            created_at=m.created_at) for m in rows]
    return Page[MemberListItem](items=items, total=total, **page.model_dump())


@router.get("/duplicates", response_model=Page[CandidateRead])
def list_duplicates(session: SessionDep, principal: Manager, page: PageDep,
                    status_: Annotated[str, Query(alias="status", pattern="^(open|merged|dismissed)$")] = "open"):
    """Possible duplicates awaiting review (never merged automatically), strongest first."""
    rows, total = service.list_candidates(session, principal=principal, status=status_, limit=page.limit,
                                          offset=page.offset)
    return Page[CandidateRead](items=[CandidateRead.model_validate(c) for c in rows], total=total,
                               **page.model_dump())


@router.post("/duplicates/{candidate_id}/dismiss", response_model=CandidateRead)
def dismiss_duplicate(session: SessionDep, principal: Manager, candidate_id: int):
    """Not the same shopper: the pair is not listed again."""
    return service.dismiss_candidate(session, principal=principal, candidate_id=candidate_id)


@router.post("/merges", response_model=MergeRead, status_code=status.HTTP_201_CREATED)
def merge_members(session: SessionDep, principal: Manager, body: MergeCreate):
    """Merge two members (directly or from a duplicate candidate); survivorship picks the survivor."""
    if body.candidate_id is not None:
        cand = service.candidate(session, principal=principal, candidate_id=body.candidate_id)
        member_ids, rule = [cand.member_a_id, cand.member_b_id], f"reviewed:{cand.reason}"
    else:
        member_ids, rule = body.member_ids or [], "manual"
        for member_id in member_ids:
            service.get(session, principal=principal, member_id=member_id)
    return service.merge_pair(session, member_ids=member_ids, actor=service.actor_of(principal), rule=rule)


@router.get("/merges/{merge_id}", response_model=MergeRead)
def get_merge(session: SessionDep, principal: Manager, merge_id: UUID):
    """One merge from the audit trail."""
    return service.get_merge(session, principal=principal, merge_id=merge_id)


@router.post("/merges/{merge_id}/undo", response_model=MergeRead)
def undo_merge(session: SessionDep, principal: HeadOffice, merge_id: UUID):
    """Undo a merge (head office): identities, consents and filled fields go back to the merged member."""
    return service.undo_merge(session, merge_id=merge_id, actor=service.actor_of(principal))


@router.get("/{member_id}", response_model=MemberRead)
def get_member(session: SessionDep, principal: Reader, member_id: int):
    """Customer 360 core: profile, identities (masked), consents in force, tier and benefits, merges."""
    return _member_read(session, service.get(session, principal=principal, member_id=member_id))


@router.post("/{member_id}/identities", response_model=JoinResult)
def link_identity(session: SessionDep, principal: Writer, member_id: int, body: IdentityLink):
    """Add an identity; one proven to belong to another member merges the two (409 if merely claimed)."""
    service.get(session, principal=principal, member_id=member_id)
    result = service.link_identity(session, member_id=member_id, identity=body, channel=body.channel,
                                   actor=service.actor_of(principal))
    return _join_result(result)


@router.post("/{member_id}/reveal", response_model=RevealResult)
def reveal(session: SessionDep, principal: Reader, member_id: int, body: RevealRequest):
    """Phone numbers or e-mail in clear, for roles allowed to unmask (head office); each read is logged."""
    found = service.reveal(session, principal=principal, member_id=member_id, field=body.field,
                           purpose=body.purpose)
    return RevealResult(member_id=member_id, field=body.field, values=[
        RevealedValue(identity_id=i.id, value=value, verified=i.verified) for i, value in found])


@router.get("/{member_id}/consents", response_model=ConsentsRead)
def list_consents(session: SessionDep, principal: Reader, member_id: int):
    """Consents in force per purpose (latest decision wins; never asked counts as no) and their history."""
    member = service.get(session, principal=principal, member_id=member_id)
    current = service.consents_in_force(session, member_id=member.id)
    return ConsentsRead(current=[_consent(p, row) for p, row in current.items()],
                        history=[ConsentHistoryRead.model_validate(c)
                                 for c in service.consent_history(session, member_id=member.id)])


@router.post("/{member_id}/consents", response_model=ConsentRead, status_code=status.HTTP_201_CREATED)
def set_consent(session: SessionDep, principal: Writer, member_id: int, body: ConsentSet):
    """Record a consent decision for one purpose, with the channel it came through."""
    service.get(session, principal=principal, member_id=member_id)
    row = service.set_consent(session, member_id=member_id, purpose=body.purpose, granted=body.granted,
                              channel=body.channel, actor=service.actor_of(principal))
    return _consent(row.purpose, row)


@router.get("/{member_id}/consents/{purpose}", response_model=ConsentCheck)
def check_consent(session: SessionDep, principal: Reader, member_id: int, purpose: Purpose):
    """May a message for `purpose` be sent? (No consent on record means no.)"""
    member = service.get(session, principal=principal, member_id=member_id)
    return ConsentCheck(member_id=member.id, purpose=purpose,
                        granted=service.has_consent(session, member_id=member.id, purpose=purpose))


@router.post("/{member_id}/duplicates/scan", response_model=dict)
def scan_duplicates(session: SessionDep, principal: Manager, member_id: int) -> dict[str, int]:
    """Look for possible duplicates of one member and list them for review."""
    member = service.get(session, principal=principal, member_id=member_id)
    return {"new_candidates": service.find_duplicates(session, member_id=member.id)}


@router.get("/{member_id}/export")
def export_member(session: SessionDep, principal: HeadOffice, member_id: int) -> dict[str, Any]:
    """Everything held about a member, in clear (PIPL access request, head office; logged), with the stored-value
    ledger and gift cards of the member and of those merged into it."""
    data = service.export(session, principal=principal, member_id=member_id)
    ids = [data["member"]["id"], *(m["id"] for m in data["merged_members"])]
    return {**data, "wallet": wallet.export(session, member_ids=ids)}


@router.post("/{member_id}/erase", response_model=MemberRead)
def erase_member(session: SessionDep, principal: HeadOffice, member_id: int, body: EraseRequest):
    """Erase a member's personal data (head office); the anonymised row stays for accounting."""
    member = service.erase(session, principal=principal, member_id=member_id, reason=body.reason)
    return _member_read(session, member)


@router.get("/{member_id}/pii-access", response_model=list[PiiAccessRead])
def pii_access(session: SessionDep, principal: HeadOffice, member_id: int):
    """Who read this member's personal data in clear, when and why."""
    member = service.get(session, principal=principal, member_id=member_id)
    return service.access_log(session, member_id=member.id)
