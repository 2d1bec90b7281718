"""What the customer pages show: member search and the Customer 360 (identities masked, tier, consents,
merges, orders across channels), through the members and orders services, scoped to the viewer's stores."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy.orm import Session

from zhongtai.kernel.auth import Principal
from zhongtai.kernel.errors import InvalidInput
from zhongtai.members import service as members
from zhongtai.members.models import Member, MemberConsent, MemberIdentity, MemberMerge
from zhongtai.orders.models import Order
from zhongtai.stores.models import Store
from zhongtai.wallet import service as wallet
from zhongtai.web import orders_view

PAGE_SIZE = 50
RECENT_ORDERS = 20
REVEAL_PURPOSE = (2, 200)
# What a clerk types: a mobile number (spaces, dashes and +86 allowed), a member number, or part of a name.
_PHONE = re.compile(r"(?:\+?86|0086)?1\d{10}")
_PHONE_NOISE = re.compile(r"[\s\-().]")
_MEMBER_NO = re.compile(r"M\d{12}")
_DIGITS = re.compile(r"\+?\d+")


class RevealPurposeInvalid(InvalidInput):
    code, message = "reveal_purpose_invalid", "Say why the number is needed (2–200 characters); it is logged"


@dataclass(frozen=True)
class Query:
    """A search box's text, read as what it most likely is."""

    text: str
    by: str  # phone | member_no | name | all | partial_phone (not searched: phones match whole numbers only)

    @classmethod
    def read(cls, text: str | None) -> Query:
        text = unicodedata.normalize("NFKC", text or "").strip()
        if not text:
            return cls("", "all")
        if _PHONE.fullmatch(_PHONE_NOISE.sub("", text)):
            return cls(text, "phone")
        if _MEMBER_NO.fullmatch(text.upper()):
            return cls(text.upper(), "member_no")
        if _DIGITS.fullmatch(_PHONE_NOISE.sub("", text)):
            return cls(text, "partial_phone")
        return cls(text, "name")


@dataclass(frozen=True)
class MemberSearch:
    query: Query
    rows: list[Member]
    masks: dict[int, str]  # member id -> masked phone
    paging: orders_view.Paging
    stores: dict[int, Store]


def search(session: Session, *, principal: Principal, text: str | None, page: int) -> MemberSearch:
    """Members of the viewer's stores: by phone (exact, through its hash), member number or name."""
    query = Query.read(text)
    if query.by == "partial_phone":
        return MemberSearch(query, [], {}, orders_view.Paging(page, 0, PAGE_SIZE), {})
    by = {query.by: query.text} if query.by != "all" else {}
    rows, total, masks = members.search(session, principal=principal, phone=by.get("phone"),
                                        member_no=by.get("member_no"), q=by.get("name"), limit=PAGE_SIZE,
                                        offset=(page - 1) * PAGE_SIZE)
    return MemberSearch(query, rows, masks, orders_view.Paging(page, total, PAGE_SIZE),
                        orders_view.visible_stores(session, principal=principal))


@dataclass(frozen=True)
class Customer360:
    member: Member
    identities: list[MemberIdentity]
    consents: dict[str, MemberConsent | None]  # purpose -> decision in force (None: never asked)
    merges: list[MemberMerge]
    orders: list[Order]
    order_total: int
    channels: dict[str, int]  # orders per channel
    stores: dict[int, Store]
    wallet: dict | None = None  # stored value (principal, bonus) and gift cards

    def tz(self, order: Order) -> str:
        store = self.stores.get(order.store_id)
        return store.timezone if store else orders_view.DEFAULT_TZ

    @property
    def home_tz(self) -> str:
        store = self.stores.get(self.member.home_store_id or 0)
        return store.timezone if store else orders_view.DEFAULT_TZ


def customer(session: Session, *, principal: Principal, member_id: int) -> Customer360:
    """One member of the viewer's stores (404 otherwise) with everything the console shows about them."""
    member = members.get(session, principal=principal, member_id=member_id)
    listing = orders_view.order_listing(session, principal=principal, status=None, channel=None,
                                        member_id=member.id, page=1, size=RECENT_ORDERS)
    channels = orders_view.channel_totals(session, principal=principal, member_id=member.id)
    return Customer360(member, members.identities(session, member_id=member.id),
                       members.consents_in_force(session, member_id=member.id),
                       members.merges(session, member_id=member.id), listing.rows, listing.paging.total,
                       channels, listing.stores, wallet.summary(session, member_id=member.id))


def reveal_phone(session: Session, *, principal: Principal, member_id: int,
                 purpose: str) -> list[tuple[MemberIdentity, str]]:
    """The member's phone numbers in clear, for head office; the service logs the read with its purpose."""
    purpose = purpose.strip()
    low, high = REVEAL_PURPOSE
    if not low <= len(purpose) <= high:
        raise RevealPurposeInvalid(detail={"min_length": low, "max_length": high})
    return members.reveal(session, principal=principal, member_id=member_id, field="phone", purpose=purpose)
