"""Pure member rules: identity normalisation and masking, proof, survivorship, consent, tiers. No I/O."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from zhongtai.kernel.auth import Role

# --- identities ---------------------------------------------------------------------------------------

PHONE, EMAIL = "phone", "email"
UNIONID, OPENID = "wechat_unionid", "wechat_openid"
APP_USER, POS_CARD, ECOMMERCE_BUYER = "app_user", "pos_card", "ecommerce_buyer"
IDENTITY_KINDS = (PHONE, EMAIL, UNIONID, OPENID, APP_USER, POS_CARD, ECOMMERCE_BUYER)
CONTACT_KINDS = frozenset({PHONE, EMAIL})
# Identities whose value is only meaningful inside one app or platform: the WeChat appid, or the shop platform.
APP_SCOPED_KINDS = frozenset({OPENID, ECOMMERCE_BUYER})

_CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_PHONE_NOISE = re.compile(r"[\s\-().]")
_EMAIL = re.compile(r"^[a-z0-9._%+\-]+@[a-z0-9\-]+(\.[a-z0-9\-]+)+$")
_WECHAT_ID = re.compile(r"^[A-Za-z0-9_\-]{6,64}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_.:@\-]{1,64}$")
_APP_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


class IdentityValueError(ValueError):
    """An identity value that cannot be accepted; `code` is the stable error code shown to callers."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class IdentityKey:
    """A normalised identity: what is hashed for lookup and encrypted for recovery."""

    kind: str
    app_id: str
    value: str

    @property
    def lookup_text(self) -> str:
        return f"{self.kind}\x1f{self.app_id}\x1f{self.value}"


def normalise_phone(raw: str) -> str:
    """A mainland China mobile number as 11 digits: full-width digits, spaces, dashes and +86/0086 accepted."""
    text = _PHONE_NOISE.sub("", unicodedata.normalize("NFKC", raw or ""))
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    else:
        if len(text) == 13 and text.startswith("86"):
            text = text[2:]
    if not _CN_MOBILE.match(text):
        raise IdentityValueError("phone_invalid", "Not a mainland China mobile number (11 digits, 1[3-9]…)")
    return text


def normalise_email(raw: str) -> str:
    """An e-mail address, trimmed and lower-cased."""
    text = unicodedata.normalize("NFKC", raw or "").strip().lower()
    if len(text) > 254 or not _EMAIL.match(text):
        raise IdentityValueError("email_invalid", "Not a valid e-mail address")
    return text


def normalise_identity(kind: str, value: str, app_id: str = "") -> IdentityKey:
    """Validate and normalise one identity; openids and platform buyer ids need the app they belong to."""
    if kind not in IDENTITY_KINDS:
        raise IdentityValueError("identity_invalid", f"Unknown identity kind {kind!r}")
    app_id = (app_id or "").strip()
    if kind in APP_SCOPED_KINDS and not _APP_ID.match(app_id):
        raise IdentityValueError("identity_app_required", f"{kind} needs app_id (WeChat appid or platform)")
    if kind not in APP_SCOPED_KINDS and app_id:
        raise IdentityValueError("identity_invalid", f"{kind} takes no app_id")
    return IdentityKey(kind, app_id, _normalise_value(kind, value))


def _normalise_value(kind: str, value: str) -> str:
    if kind == PHONE:
        return normalise_phone(value)
    if kind == EMAIL:
        return normalise_email(value)
    text = unicodedata.normalize("NFKC", value or "").strip()
    pattern = _WECHAT_ID if kind in (UNIONID, OPENID) else _TOKEN
    if not pattern.match(text):
        raise IdentityValueError("identity_invalid", f"Malformed {kind} value")
    return text


def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678."""
    return f"{phone[:3]}****{phone[-4:]}"


def mask_email(email: str) -> str:
    """zhang.san@example.com -> z***@example.com."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def mask(kind: str, value: str) -> str:
    """What staff without the unmask permission see of an identity value."""
    if kind == PHONE:
        return mask_phone(value)
    if kind == EMAIL:
        return mask_email(value)
    return f"{value[:3]}****{value[-3:]}" if len(value) > 8 else "****"


def is_proof(kind: str, incoming_verified: bool) -> bool:
    """Whether presenting an identity that already exists proves the caller is that member.

    Platform-issued ids (WeChat unionid/openid, app user, POS card, e-commerce buyer id) arrive from a
    logged-in channel and are proof. A phone or e-mail proves ownership only when the channel verified
    it now (SMS or mail code); an unverified one is a claim, listed for review but never linked or merged.
    """
    return kind not in CONTACT_KINDS or incoming_verified


@dataclass(frozen=True)
class Match:
    """One presented identity and who holds it now (None: nobody)."""

    kind: str
    verified: bool
    holder_id: int | None


@dataclass(frozen=True)
class JoinPlan:
    """What a join does: `proven` members (id -> the kind that proved it) become one; `claims` (id -> kind)
    are only listed as duplicate candidates; `new` are the positions of identities nobody holds yet."""

    proven: dict[int, str]
    claims: dict[int, str]
    new: tuple[int, ...]

    @property
    def lookup_only(self) -> bool:
        """Nothing proven and nothing new: the caller only named an existing member, who is returned unchanged."""
        return not self.proven and bool(self.claims) and not self.new


def plan_join(matches: Sequence[Match]) -> JoinPlan:
    """Sort presented identities into proofs, mere claims and new ones (see `is_proof`)."""
    proven = {m.holder_id: m.kind for m in matches if m.holder_id is not None and is_proof(m.kind, m.verified)}
    claims = {m.holder_id: m.kind for m in matches if m.holder_id is not None and m.holder_id not in proven}
    new = tuple(i for i, m in enumerate(matches) if m.holder_id is None)
    return JoinPlan(proven, claims, new)


# --- survivorship ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MemberFacts:
    """What survivorship looks at."""

    id: int
    created_at: datetime
    has_verified_phone: bool


def survivor_of(members: Sequence[MemberFacts]) -> MemberFacts:
    """Which of several members proven to be one shopper survives a merge.

    Rules, in order: (1) a member holding a verified phone beats one without, because the phone is how
    the shopper is reached and recognised at every till; (2) the older member beats the newer, so the
    member number printed on cards and receipts stays the same; (3) the lower id breaks ties.
    """
    if not members:
        raise ValueError("no members to choose from")
    return min(members, key=lambda m: (not m.has_verified_phone, m.created_at, m.id))


PROFILE_FIELDS = ("display_name", "gender", "birthday", "home_store_id")
BLANK = {"display_name": "", "gender": "unknown", "birthday": None, "home_store_id": None}


def fill_blanks(survivor: dict, merged: dict) -> dict:
    """Profile fields the survivor takes from the merged member: only those it lacks (its own data wins)."""
    return {f: merged.get(f) for f in PROFILE_FIELDS
            if survivor.get(f) == BLANK[f] and merged.get(f) not in (None, BLANK[f])}


def ordered_pair(a: int, b: int) -> tuple[int, int]:
    """A duplicate-candidate pair, smaller id first, so each pair is stored once."""
    return (a, b) if a < b else (b, a)


# --- consents -------------------------------------------------------------------------------------------

PURPOSES = ("marketing_messages", "wecom_contact", "personalised_recommendations")


def current_consent(history: Iterable[tuple[datetime, int, bool]]) -> bool:
    """The consent in force from (recorded_at, sequence, granted) records: the latest wins; none means no."""
    latest = max(history, default=None)
    return bool(latest and latest[2])


# --- access -----------------------------------------------------------------------------------------------

# Who may see phone numbers and e-mail addresses unmasked (each read is logged). Integration clients never.
UNMASK_ROLES = frozenset({Role.HQ_ADMIN})


def may_unmask(kind: str, role: Role | None) -> bool:
    """Whether a caller of `kind` ('user' | 'client') with `role` may see contact details unmasked."""
    return kind == "user" and role in UNMASK_ROLES


# --- member numbers -------------------------------------------------------------------------------------

def luhn_digit(digits: str) -> str:
    """The Luhn check digit for `digits`, so a member number mistyped at the till is caught."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def member_no(serial: int) -> str:
    """'M' + 11 digits + a Luhn check digit."""
    body = f"{serial % 10**11:011d}"
    return f"M{body}{luhn_digit(body)}"


def is_valid_member_no(value: str) -> bool:
    return len(value) == 13 and value[0] == "M" and value[1:].isdigit() and luhn_digit(value[1:12]) == value[12]


# --- tiers ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Tier:
    code: str
    name_zh: str
    min_spend_fen: int
    points_multiplier: Decimal
    free_delivery: bool


TIERS = (
    Tier("regular", "普通会员", 0, Decimal("1.0"), False),
    Tier("silver", "银卡会员", 200_000, Decimal("1.2"), False),
    Tier("gold", "金卡会员", 800_000, Decimal("1.5"), True),
    Tier("diamond", "钻石会员", 2_000_000, Decimal("2.0"), True),
)
TIERS_BY_CODE = {t.code: t for t in TIERS}


def tier_for(spend_fen: int) -> Tier:
    """The tier earned by rolling 12-month spend in fen (2,000 元 silver, 8,000 元 gold, 20,000 元 diamond)."""
    return max((t for t in TIERS if spend_fen >= t.min_spend_fen), key=lambda t: t.min_spend_fen, default=TIERS[0])


def next_tier(tier_code: str) -> Tier | None:
    """The tier above `tier_code`, if any."""
    codes = [t.code for t in TIERS]
    i = codes.index(tier_code)
    return TIERS[i + 1] if i + 1 < len(TIERS) else None

