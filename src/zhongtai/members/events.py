"""Facts the members domain publishes. Payloads carry ids, never personal data in clear."""

from __future__ import annotations

from zhongtai.kernel.outbox import Event


class MemberJoined(Event):
    """A member joined from a channel (found or created from the identities given)."""

    event_type = "members.member_joined"
    member_id: int
    member_no: str
    channel: str
    home_store_id: int | None


class IdentityLinked(Event):
    """An identity (phone, WeChat unionid/openid, card, platform buyer id…) was linked to a member."""

    event_type = "members.identity_linked"
    member_id: int
    identity_id: int
    kind: str
    app_id: str
    channel: str


class MemberMerged(Event):
    """Other domains (orders, loyalty, coupons, clienteling) move their rows from `merged_id` to `survivor_id`
    and remember what they moved under `merge_id`, so a later `members.merge_undone` can move it back."""

    event_type = "members.member_merged"
    merge_id: str
    survivor_id: int
    merged_id: int
    rule: str


class MergeUndone(Event):
    """Head office undid a merge: what moved and is unused goes back to the merged member."""

    event_type = "members.merge_undone"
    merge_id: str
    survivor_id: int
    merged_id: int


class MemberErased(Event):
    """Other domains remove the member's personal data (addresses, notes) and keep anonymised records."""

    event_type = "members.member_erased"
    member_id: int
    member_ids: list[int]


class ConsentChanged(Event):
    """A member gave or withdrew consent for a purpose on a channel."""

    event_type = "members.consent_changed"
    member_id: int
    purpose: str
    granted: bool
    channel: str


class TierChanged(Event):
    """A member's tier changed with their rolling 12-month spend."""

    event_type = "members.tier_changed"
    member_id: int
    tier: str
    previous_tier: str
    spend_12m_fen: int
