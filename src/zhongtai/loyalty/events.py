"""Facts the loyalty domain publishes."""

from __future__ import annotations

from zhongtai.kernel.outbox import Event


class PointsChanged(Event):
    """A member's points balance moved (accrual, redemption, expiry, reversal, restore, merge); carries the balance after."""

    event_type = "loyalty.points_changed"
    member_id: int
    kind: str  # accrue, redeem, expire, reverse, adjust, restore, merge_in, merge_out
    points: int
    balance: int
    source_type: str
    source_id: str
    reference: str = ""


class CouponIssued(Event):
    """A coupon was issued to a member (campaign, trigger, guide or claim code)."""

    event_type = "loyalty.coupon_issued"
    member_id: int
    coupon_id: str
    template_code: str
    issued_via: str
    valid_to: str


class CouponRedeemed(Event):
    """A coupon was used, exactly once, for an order or till sale (`reference`)."""

    event_type = "loyalty.coupon_redeemed"
    member_id: int
    coupon_id: str
    template_code: str
    reference: str
    channel: str
    store_id: int | None


class CouponRestored(Event):
    """A used coupon was given back (order cancelled or fully refunded, as its template allows)."""

    event_type = "loyalty.coupon_restored"
    member_id: int
    coupon_id: str
    template_code: str
    reference: str
    why: str
