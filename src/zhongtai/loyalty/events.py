"""Facts the loyalty domain publishes."""

from __future__ import annotations

from zhongtai.kernel.outbox import Event


class PointsChanged(Event):
    event_type = "loyalty.points_changed"
    member_id: int
    kind: str  # accrue, redeem, expire, reverse, adjust, restore, merge_in, merge_out
    points: int
    balance: int
    source_type: str
    source_id: str
    reference: str = ""


class CouponIssued(Event):
    event_type = "loyalty.coupon_issued"
    member_id: int
    coupon_id: str
    template_code: str
    issued_via: str
    valid_to: str


class CouponRedeemed(Event):
    event_type = "loyalty.coupon_redeemed"
    member_id: int
    coupon_id: str
    template_code: str
    reference: str
    channel: str
    store_id: int | None


class CouponRestored(Event):
    event_type = "loyalty.coupon_restored"
    member_id: int
    coupon_id: str
    template_code: str
    reference: str
    why: str
