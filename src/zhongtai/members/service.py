"""Member use cases: join from any channel, identity resolution and merges (undoable), duplicates for review,
consents, personal-data rights (reveal with a log, export, erase) and tiers.

Invariant: identities and consents only ever belong to active members; a merge moves them to the survivor
and an erasure deletes them.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from zhongtai.db.session import Read
from zhongtai.kernel import clock, outbox
from zhongtai.kernel.auth import Principal
from zhongtai.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from zhongtai.members import policies, repository
from zhongtai.members.events import (
    ConsentChanged,
    IdentityLinked,
    MemberErased,
    MemberJoined,
    MemberMerged,
    MergeUndone,
    TierChanged,
)
from zhongtai.members.models import Member, MemberConsent, MemberIdentity, MemberMerge, PiiAccessLog
from zhongtai.members.pii import vault
from zhongtai.members.schemas import ConsentIn, IdentityIn, ProfileIn


class MemberNotFound(NotFound):
    code, message = "member_not_found", "Member not found"


class MemberNotActive(Conflict):
    code, message = "member_not_active", "The member has been merged or erased"


class PhoneInvalid(InvalidInput):
    code, message = "phone_invalid", "Not a mainland China mobile number"


class EmailInvalid(InvalidInput):
    code, message = "email_invalid", "Not a valid e-mail address"


class IdentityInvalid(InvalidInput):
    code, message = "identity_invalid", "Malformed identity"


class IdentityAppRequired(InvalidInput):
    code, message = "identity_app_required", "This identity needs the app or platform it belongs to"


class IdentityInUse(Conflict):
    code, message = "identity_in_use", "This identity belongs to another member and was not proven (verify it)"


class MergeSameMember(InvalidInput):
    code, message = "merge_same_member", "A member cannot be merged with itself"


class MergeNotFound(NotFound):
    code, message = "merge_not_found", "Merge not found"


class MergeAlreadyUndone(Conflict):
    code, message = "merge_already_undone", "This merge has already been undone"


class MergeUndoBlocked(Conflict):
    code, message = "merge_undo_blocked", "The survivor has since been merged or erased; undo that first"


class CandidateNotFound(NotFound):
    code, message = "duplicate_candidate_not_found", "Duplicate candidate not found"


class CandidateClosed(Conflict):
    code, message = "duplicate_candidate_closed", "This duplicate candidate was already resolved"


class ConsentPurposeInvalid(InvalidInput):
    code, message = "consent_purpose_invalid", "Unknown consent purpose"


class RevealForbidden(Forbidden):
    code, message = "pii_reveal_forbidden", "Your role may not see personal data unmasked"


_IDENTITY_ERRORS = {"phone_invalid": PhoneInvalid, "email_invalid": EmailInvalid,
                    "identity_app_required": IdentityAppRequired}


@dataclass(frozen=True)
class Presented:
    """An identity as presented, normalised and hashed."""

    key: policies.IdentityKey
    value_hash: str
    verified: bool


@dataclass
class JoinOutcome:
    member: Member
    outcome: str  # created | matched | merged | claimed | linked
    merged_member_ids: list[int] = field(default_factory=list)
    linked: list[str] = field(default_factory=list)
    duplicate_candidates: int = 0


def actor_of(principal: Principal) -> str:
    return f"{principal.kind}:{principal.name}"


# --- identities -----------------------------------------------------------------------------------------

def present(identities: Sequence[IdentityIn]) -> list[Presented]:
    """Normalise and hash identities (one per value; verified if any copy was); 422 with a stable code if bad."""
    out: dict[str, Presented] = {}
    for i, ident in enumerate(identities):
        try:
            key = policies.normalise_identity(ident.kind, ident.value, ident.app_id)
        except policies.IdentityValueError as exc:
            raise _IDENTITY_ERRORS.get(exc.code, IdentityInvalid)(
                str(exc), detail={"index": i, "kind": ident.kind}) from exc
        h = vault().lookup_hash(key)
        out[h] = Presented(key, h, ident.verified or (h in out and out[h].verified))
    return list(out.values())


def lookup_hash(*, kind: str, value: str, app_id: str = "") -> str:
    """The lookup hash of one identity (422 if malformed)."""
    return present([IdentityIn(kind=kind, value=value, app_id=app_id)])[0].value_hash


def _link(session: Session, member: Member, p: Presented, channel: str) -> MemberIdentity:
    ident = MemberIdentity(member_id=member.id, kind=p.key.kind, app_id=p.key.app_id, value_hash=p.value_hash,
                           value_encrypted=vault().encrypt(p.key.value), masked=policies.mask(p.key.kind, p.key.value),
                           verified=p.verified, channel=channel, created_at=clock.now())
    repository.add(session, ident)
    outbox.record(session, IdentityLinked(member_id=member.id, identity_id=ident.id, kind=ident.kind,
                                          app_id=ident.app_id, channel=channel), store_id=member.home_store_id)
    return ident


# --- join -----------------------------------------------------------------------------------------------

def join(session: Session, *, channel: str, identities: Sequence[IdentityIn], profile: ProfileIn | None = None,
         store_id: int | None = None, consents: Sequence[ConsentIn] = (), actor: str) -> JoinOutcome:
    """Find the member the identities prove, or create one; members they prove to be one shopper are merged.

    An existing phone or e-mail presented unverified is only a claim: it is never linked or merged, the pair
    is listed as a duplicate candidate, and a join made of claims alone returns that member unchanged.
    """
    presented = present(identities)
    repository.lock_identity_keys(session, [p.value_hash for p in presented])
    found = repository.identities_by_hash(session, [p.value_hash for p in presented])
    plan = policies.plan_join([policies.Match(p.key.kind, p.verified, found[p.value_hash].member_id
                                              if p.value_hash in found else None) for p in presented])
    if plan.lookup_only:
        return JoinOutcome(_single_claim(session, plan.claims), "claimed")
    result = _resolve_proven(session, plan.proven, actor, channel) if plan.proven else JoinOutcome(
        _create(session, channel=channel, store_id=store_id), "created")
    _settle(session, result, presented, found, [presented[i] for i in plan.new], channel=channel,
            profile=profile, store_id=store_id, consents=consents, actor=actor)
    for member_id, kind in plan.claims.items():
        if member_id != result.member.id:
            result.duplicate_candidates += repository.add_candidate(
                session, policies.ordered_pair(member_id, result.member.id), reason=f"unverified_{kind}", score=90)
    if result.outcome == "created":
        result.duplicate_candidates += find_duplicates(session, member_id=result.member.id)
    return result


def _single_claim(session: Session, claims: dict[int, str]) -> Member:
    if len(claims) > 1:
        raise IdentityInUse("These identities belong to different members", detail={"members": len(claims)})
    return repository.get(session, next(iter(claims)))  # type: ignore[return-value]


def _resolve_proven(session: Session, proven: dict[int, str], actor: str, channel: str) -> JoinOutcome:
    if len(proven) == 1:
        return JoinOutcome(_active(session, next(iter(proven))), "matched")
    rule = "proven:" + "+".join(sorted(set(proven.values())))
    return _merge_all(session, list(proven), rule=rule, actor=actor,
                      evidence={"channel": channel, "proofs": {str(k): v for k, v in proven.items()}})


def _merge_all(session: Session, member_ids: list[int], *, rule: str, actor: str, evidence: dict) -> JoinOutcome:
    survivor_id = _choose_survivor(session, member_ids)
    merged = sorted(m for m in member_ids if m != survivor_id)
    for merged_id in merged:
        merge(session, survivor_id=survivor_id, merged_id=merged_id, actor=actor, rule=rule, evidence=evidence)
    return JoinOutcome(_active(session, survivor_id), "merged", merged_member_ids=merged)


def _settle(session: Session, result: JoinOutcome, presented: list[Presented], found: dict, new: list[Presented],
            *, channel: str, profile: ProfileIn | None, store_id: int | None, consents: Sequence[ConsentIn],
            actor: str) -> None:
    """Link what is new, upgrade what is now verified, fill profile blanks, record consents."""
    member = result.member
    for p in new:
        result.linked.append(_link(session, member, p, channel).kind)
    for p in presented:
        ident = found.get(p.value_hash)
        if ident is not None and ident.member_id == member.id and p.verified and not ident.verified:
            ident.verified = True
    incoming = {**(profile.model_dump() if profile else {}), "home_store_id": store_id}
    for name, value in policies.fill_blanks(_profile(member), incoming).items():
        setattr(member, name, value)
    for consent in consents:
        set_consent(session, member_id=member.id, purpose=consent.purpose, granted=consent.granted,
                    channel=channel, actor=actor)
    session.flush()


def _create(session: Session, *, channel: str, store_id: int | None) -> Member:
    member = Member(member_no=_new_member_no(session), home_store_id=store_id, joined_channel=channel,
                    status="active", tier=policies.TIERS[0].code, spend_12m_fen=0)
    repository.add(session, member)
    outbox.record(session, MemberJoined(member_id=member.id, member_no=member.member_no, channel=channel,
                                        home_store_id=store_id), store_id=store_id)
    return member


def _new_member_no(session: Session) -> str:
    while True:
        candidate = policies.member_no(secrets.randbelow(10**11))
        if not repository.member_no_taken(session, candidate):
            return candidate


def _profile(member: Member) -> dict[str, Any]:
    return {f: getattr(member, f) for f in policies.PROFILE_FIELDS}


def link_identity(session: Session, *, member_id: int, identity: IdentityIn, channel: str,
                  actor: str) -> JoinOutcome:
    """Add an identity to a member; one proven to belong to another member merges the two (survivorship)."""
    member = _active(session, member_id)
    p = present([identity])[0]
    repository.lock_identity_keys(session, [p.value_hash])
    existing = repository.identities_by_hash(session, [p.value_hash]).get(p.value_hash)
    if existing is None:
        return JoinOutcome(member, "linked", linked=[_link(session, member, p, channel).kind])
    if existing.member_id == member.id:
        existing.verified = existing.verified or p.verified
        session.flush()
        return JoinOutcome(member, "matched")
    if not policies.is_proof(p.key.kind, p.verified):
        raise IdentityInUse(detail={"kind": p.key.kind})
    return _merge_all(session, [member.id, existing.member_id], rule=f"proven:{p.key.kind}", actor=actor,
                      evidence={"channel": channel, "linked_to": member.id})


# --- merges ---------------------------------------------------------------------------------------------

def _choose_survivor(session: Session, member_ids: list[int]) -> int:
    members = repository.members_by_ids(session, member_ids)
    phones = repository.verified_phone_holders(session, member_ids)
    return policies.survivor_of([policies.MemberFacts(m.id, m.created_at, m.id in phones) for m in members]).id


def merge_pair(session: Session, *, member_ids: Sequence[int], actor: str, rule: str = "manual") -> MemberMerge:
    """Merge two members, the survivor chosen by the survivorship rules."""
    if len(set(member_ids)) != 2:
        raise MergeSameMember(detail={"member_ids": list(member_ids)})
    for member_id in member_ids:
        _active(session, member_id)
    survivor_id = _choose_survivor(session, list(member_ids))
    merged_id = next(m for m in member_ids if m != survivor_id)
    return merge(session, survivor_id=survivor_id, merged_id=merged_id, actor=actor, rule=rule)


def merge(session: Session, *, survivor_id: int, merged_id: int, actor: str, rule: str,
          evidence: dict | None = None) -> MemberMerge:
    """Move the merged member's identities and consents to the survivor, fill its blanks, audit the move."""
    if survivor_id == merged_id:
        raise MergeSameMember(detail={"member_id": survivor_id})
    survivor, merged = _locked_active(session, survivor_id, merged_id)
    identity_ids = [i.id for i in repository.identities_of(session, [merged.id])]
    consent_ids = repository.consent_ids_of(session, merged.id)
    filled = policies.fill_blanks(_profile(survivor), _profile(merged))
    before = {"tier": survivor.tier, "spend_12m_fen": survivor.spend_12m_fen}
    repository.move_identities(session, identity_ids, from_ids=[merged.id], to_member_id=survivor.id)
    repository.move_consents(session, consent_ids, from_id=merged.id, to_member_id=survivor.id)
    for name, value in filled.items():
        setattr(survivor, name, value)
    _set_spend(session, survivor, survivor.spend_12m_fen + merged.spend_12m_fen)
    merged.status, merged.merged_into_id = "merged", survivor.id
    repository.resolve_candidates(session, policies.ordered_pair(survivor.id, merged.id), status="merged", actor=actor)
    record = MemberMerge(survivor_id=survivor.id, merged_id=merged.id, rule=rule,
                         merged_by=actor, merged_at=clock.now(), snapshot={
                             "identity_ids": identity_ids, "consent_ids": consent_ids, "filled": sorted(filled),
                             "survivor_before": before, "merged_spend_12m_fen": merged.spend_12m_fen,
                             "evidence": evidence or {}})
    repository.add(session, record)
    outbox.record(session, MemberMerged(merge_id=str(record.id), survivor_id=survivor.id, merged_id=merged.id,
                                        rule=rule), store_id=survivor.home_store_id)
    return record


def _locked_active(session: Session, *member_ids: int) -> list[Member]:
    rows = repository.lock_members(session, member_ids)
    for member_id in member_ids:
        member = rows.get(member_id)
        if member is None:
            raise MemberNotFound(detail={"member_id": member_id})
        _require_active(member)
    return [rows[m] for m in member_ids]


def undo_merge(session: Session, *, merge_id: uuid.UUID, actor: str) -> MemberMerge:
    """Put back exactly what a merge moved (head office); the pair is then dismissed as a duplicate."""
    record = repository.get_merge(session, merge_id, lock=True)
    if record is None:
        raise MergeNotFound(detail={"merge_id": str(merge_id)})
    if record.undone_at is not None:
        raise MergeAlreadyUndone(detail={"merge_id": str(merge_id), "undone_at": record.undone_at})
    rows = repository.lock_members(session, [record.survivor_id, record.merged_id])
    survivor, merged = rows[record.survivor_id], rows[record.merged_id]
    if survivor.status != "active" or merged.status != "merged" or merged.merged_into_id != survivor.id:
        raise MergeUndoBlocked(detail={"survivor_status": survivor.status, "merged_into_id": survivor.merged_into_id})
    snap = record.snapshot
    repository.move_identities(session, snap["identity_ids"], from_ids=[survivor.id], to_member_id=merged.id)
    repository.move_consents(session, snap["consent_ids"], from_id=survivor.id, to_member_id=merged.id)
    for name in snap["filled"]:
        if getattr(survivor, name) == getattr(merged, name):
            setattr(survivor, name, policies.BLANK[name])
    _set_spend(session, survivor, max(0, survivor.spend_12m_fen - snap["merged_spend_12m_fen"]))
    merged.status, merged.merged_into_id = "active", None
    record.undone_at, record.undone_by = clock.now(), actor
    repository.resolve_candidates(session, policies.ordered_pair(survivor.id, merged.id), status="dismissed",
                                  actor=actor, only_open=False)
    session.flush()
    outbox.record(session, MergeUndone(merge_id=str(record.id), survivor_id=survivor.id, merged_id=merged.id),
                  store_id=survivor.home_store_id)
    return record


def get_merge(session: Session, *, principal: Principal, merge_id: uuid.UUID) -> MemberMerge:
    """A merge whose survivor the caller may see."""
    record = repository.get_merge(session, merge_id)
    if record is None or not _visible(principal, repository.get(session, record.survivor_id)):
        raise MergeNotFound(detail={"merge_id": str(merge_id)})
    return record


def merges(session: Session, *, member_id: int) -> list[MemberMerge]:
    return repository.merges_of(session, member_id)


# --- duplicate candidates -------------------------------------------------------------------------------

def find_duplicates(session: Session, *, member_id: int) -> int:
    """List (never merge) members that look like this one: same name and birthday, or same name and phone
    number shape (138****5678). Returns how many new candidates were recorded."""
    member = repository.get(session, member_id)
    if member is None or member.status != "active" or not member.display_name:
        return 0
    hits: dict[int, tuple[str, int]] = {}
    if member.birthday is not None:
        hits.update({m: ("same_name_birthday", 80) for m in repository.same_name_and_birthday(session, member)})
    masks = [i.masked for i in repository.identities_of(session, [member.id]) if i.kind == policies.PHONE]
    if masks:
        for other in repository.same_name_and_masked_phone(session, member, masks):
            hits.setdefault(other, ("same_name_phone_shape", 60))
    return sum(repository.add_candidate(session, policies.ordered_pair(member.id, other), reason=reason, score=score)
               for other, (reason, score) in sorted(hits.items()))


def list_candidates(session: Session, *, principal: Principal, status: str, limit: int, offset: int):
    """Duplicate candidates between members the caller may both see, strongest first."""
    return repository.candidates_page(session, _visible_stores(principal), status=status, limit=limit, offset=offset)


def candidate(session: Session, *, principal: Principal, candidate_id: int, open_only: bool = True):
    """One candidate whose members the caller may both see."""
    cand = repository.get_candidate(session, candidate_id)
    if cand is None or not all(_visible(principal, repository.get(session, m))
                               for m in (cand.member_a_id, cand.member_b_id)):
        raise CandidateNotFound(detail={"candidate_id": candidate_id})
    if open_only and cand.status != "open":
        raise CandidateClosed(detail={"candidate_id": candidate_id, "status": cand.status})
    return cand


def dismiss_candidate(session: Session, *, principal: Principal, candidate_id: int):
    """Not the same shopper: the pair is not listed again."""
    cand = candidate(session, principal=principal, candidate_id=candidate_id)
    cand.status, cand.resolved_by, cand.resolved_at = "dismissed", actor_of(principal), clock.now()
    session.flush()
    return cand


# --- consents -------------------------------------------------------------------------------------------

def set_consent(session: Session, *, member_id: int, purpose: str, granted: bool, channel: str,
                actor: str) -> MemberConsent:
    """Record a consent decision for one purpose; the latest decision is the one in force."""
    member = _active(session, member_id)
    if purpose not in policies.PURPOSES:
        raise ConsentPurposeInvalid(detail={"purpose": purpose, "allowed": list(policies.PURPOSES)})
    row = MemberConsent(member_id=member.id, purpose=purpose, granted=granted, channel=channel, recorded_by=actor,
                        recorded_at=clock.now())
    repository.add(session, row)
    outbox.record(session, ConsentChanged(member_id=member.id, purpose=purpose, granted=granted, channel=channel),
                  store_id=member.home_store_id)
    return row


def consents_in_force(session: Session, *, member_id: int) -> dict[str, MemberConsent | None]:
    """Per purpose, the latest decision (None: never asked, which counts as no)."""
    latest: dict[str, MemberConsent | None] = dict.fromkeys(policies.PURPOSES)
    for row in repository.consent_history(session, member_id):  # ordered by time, then sequence
        latest[row.purpose] = row
    return latest


def consent_history(session: Session, *, member_id: int) -> list[MemberConsent]:
    return repository.consent_history(session, member_id)


def has_consent(session: Session, *, member_id: int, purpose: str) -> bool:
    """Whether a message for `purpose` may be sent; a merged member answers for its survivor, erased never."""
    member = survivor(session, member_id=member_id)
    if member is None or member.status != "active":
        return False
    rows = repository.consent_history(session, member.id, purpose)
    return policies.current_consent((r.recorded_at, r.id, r.granted) for r in rows)


def survivor(session: Session, *, member_id: int) -> Member | None:
    """The member now standing for `member_id`, following merges."""
    member = repository.get(session, member_id)
    seen: set[int] = set()
    while member is not None and member.merged_into_id is not None and member.id not in seen:
        seen.add(member.id)
        member = repository.get(session, member.merged_into_id)
    return member


def standing_read(*, member_id: int) -> Read:
    """A member's (id, tier, merged_into_id), to run with other reads; see `survivor_tier_from`."""
    return repository.standing_read(member_id)


def survivor_tier_from(session: Session, rows: Sequence[Any]) -> tuple[int, str] | None:
    """(id, tier) of the member now standing for the one `standing_read` read, following merges (a further
    read per merge, none for a member never merged), as plain rows (what pricing needs, without loading
    members); None for an unknown member."""
    row = rows[0] if rows else None
    seen: set[int] = set()
    while row is not None and row.merged_into_id is not None and row.id not in seen:
        seen.add(row.id)
        row = repository.standing(session, row.merged_into_id)
    return (row.id, row.tier) if row is not None else None


# --- reading, personal data -----------------------------------------------------------------------------

def _visible_stores(principal: Principal) -> frozenset[int] | None:
    return None if principal.all_stores else principal.store_ids


def _visible(principal: Principal, member: Member | None) -> bool:
    return member is not None and principal.can_see_store(member.home_store_id)


def get(session: Session, *, principal: Principal, member_id: int) -> Member:
    """A member whose home store the caller may see; any other answers 404 so ids cannot be probed."""
    member = repository.get(session, member_id)
    if not _visible(principal, member):
        raise MemberNotFound(detail={"member_id": member_id})
    return member  # type: ignore[return-value]


def _active(session: Session, member_id: int) -> Member:
    member = repository.get(session, member_id)
    if member is None:
        raise MemberNotFound(detail={"member_id": member_id})
    _require_active(member)
    return member


def _require_active(member: Member) -> None:
    if member.status != "active":
        raise MemberNotActive(detail={"member_id": member.id, "status": member.status,
                                      "merged_into_id": member.merged_into_id})


def identities(session: Session, *, member_id: int) -> list[MemberIdentity]:
    return repository.identities_of(session, [member_id])


def search(session: Session, *, principal: Principal, phone: str | None = None, member_no: str | None = None,
           q: str | None = None, status: str | None = None, limit: int, offset: int):
    """Members the caller may see, by phone (exact, through its hash), member number or name."""
    member_ids = None
    if phone is not None:
        found = repository.identities_by_hash(session, [lookup_hash(kind=policies.PHONE, value=phone)])
        member_ids = [i.member_id for i in found.values()]
    rows, total = repository.search_page(session, visible=_visible_stores(principal), member_ids=member_ids,
                                         member_no=member_no, q=q, status=status, limit=limit, offset=offset)
    return rows, total, repository.phone_masks(session, [m.id for m in rows])


def reveal(session: Session, *, principal: Principal, member_id: int, field: str, purpose: str):
    """Contact details in clear, for roles allowed to unmask; every read is logged with its purpose."""
    if not policies.may_unmask(principal.kind, principal.role):
        raise RevealForbidden(detail={"allowed_roles": sorted(r.value for r in policies.UNMASK_ROLES)})
    member = get(session, principal=principal, member_id=member_id)
    found = [i for i in identities(session, member_id=member.id) if i.kind == field]
    if found:
        _log_access(session, principal, member.id, field, purpose)
    return [(i, vault().decrypt(i.value_encrypted)) for i in found]


def _log_access(session: Session, principal: Principal, member_id: int, field: str, purpose: str) -> None:
    session.add(PiiAccessLog(member_id=member_id, field=field, purpose=purpose, actor_kind=principal.kind,
                             actor_id=principal.id, actor_name=principal.name, accessed_at=clock.now()))
    session.flush()


def access_log(session: Session, *, member_id: int) -> list[PiiAccessLog]:
    return repository.pii_log(session, member_id)


def export(session: Session, *, principal: Principal, member_id: int) -> dict[str, Any]:
    """Everything held about a member, in clear (a data-subject request); the export itself is logged."""
    member = get(session, principal=principal, member_id=member_id)
    _log_access(session, principal, member.id, "export", "personal data export (PIPL)")
    absorbed = repository.members_by_ids(session, _absorbed(session, member.id))
    return {
        "exported_at": clock.now().isoformat(),
        "member": _export_member(member),
        "identities": [{"kind": i.kind, "app_id": i.app_id, "value": vault().decrypt(i.value_encrypted),
                        "verified": i.verified, "channel": i.channel, "created_at": i.created_at.isoformat()}
                       for i in identities(session, member_id=member.id)],
        "consents": [{"purpose": c.purpose, "granted": c.granted, "channel": c.channel,
                      "recorded_at": c.recorded_at.isoformat()} for c in consent_history(session, member_id=member.id)],
        "merged_members": [_export_member(m) for m in absorbed],
        "merges": [{"id": str(r.id), "survivor_id": r.survivor_id, "merged_id": r.merged_id, "rule": r.rule,
                    "merged_at": r.merged_at.isoformat(), "undone_at": r.undone_at and r.undone_at.isoformat()}
                   for r in merges(session, member_id=member.id)],
        "personal_data_access": [{"field": a.field, "purpose": a.purpose, "by": f"{a.actor_kind}:{a.actor_name}",
                                  "at": a.accessed_at.isoformat()} for a in access_log(session, member_id=member.id)],
    }


def _export_member(member: Member) -> dict[str, Any]:
    tier = policies.TIERS_BY_CODE[member.tier]
    return {"id": member.id, "member_no": member.member_no, "display_name": member.display_name,
            "gender": member.gender, "birthday": member.birthday and member.birthday.isoformat(),
            "home_store_id": member.home_store_id, "joined_channel": member.joined_channel, "status": member.status,
            "tier": tier.code, "spend_12m_fen": member.spend_12m_fen, "created_at": member.created_at.isoformat()}


def _absorbed(session: Session, member_id: int) -> list[int]:
    """Every member merged (directly or through a chain) into `member_id`."""
    out, frontier = [], [member_id]
    while frontier:
        frontier = [m for m in repository.merged_into(session, frontier) if m not in out]
        out.extend(frontier)
    return out


def erase(session: Session, *, principal: Principal, member_id: int, reason: str) -> Member:
    """Remove a member's personal data (and of members merged into it); the rows stay, anonymised, so orders
    keep their member id for accounting. Identities are deleted, so they find nobody any more."""
    member = get(session, principal=principal, member_id=member_id)
    repository.lock_members(session, [member.id])  # a concurrent erase or merge finishes first
    if member.status == "erased":
        return member
    _require_active(member)
    ids = [member.id, *_absorbed(session, member.id)]
    _log_access(session, principal, member.id, "erase", reason)
    rows = repository.lock_members(session, ids)
    repository.delete_identities(session, ids)
    repository.delete_consents(session, ids)
    repository.delete_candidates_of(session, ids)
    now = clock.now()
    for row in rows.values():
        for name in ("display_name", "gender", "birthday"):
            setattr(row, name, policies.BLANK[name])
        row.status, row.erased_at = "erased", now
    session.flush()
    outbox.record(session, MemberErased(member_id=member.id, member_ids=ids), store_id=member.home_store_id)
    return member


# --- tiers ----------------------------------------------------------------------------------------------

def recompute_tier(session: Session, *, member_id: int, spend_fen: int) -> Member:
    """Set a member's rolling 12-month spend (fen) and the tier it earns; orders call this."""
    if spend_fen < 0:
        raise InvalidInput("Spend cannot be negative", detail={"spend_fen": spend_fen})
    (member,) = _locked_active(session, member_id)
    _set_spend(session, member, spend_fen)
    session.flush()
    return member


def _set_spend(session: Session, member: Member, spend_fen: int) -> None:
    previous = member.tier
    member.spend_12m_fen, member.tier = spend_fen, policies.tier_for(spend_fen).code
    if member.tier != previous:
        outbox.record(session, TierChanged(member_id=member.id, tier=member.tier, previous_tier=previous,
                                           spend_12m_fen=spend_fen), store_id=member.home_store_id)


def member_ids_by_identity(session: Session, *, kind: str, values: Sequence[str]) -> dict[str, int]:
    """The member known by each identity value (e.g. POS loyalty cards); unknown or malformed values are absent."""
    hashes: dict[str, str] = {}
    for value in set(values):
        try:
            hashes[lookup_hash(kind=kind, value=value)] = value
        except InvalidInput:
            continue
    found = repository.identities_by_hash(session, list(hashes)) if hashes else {}
    return {hashes[h]: ident.member_id for h, ident in found.items()}
