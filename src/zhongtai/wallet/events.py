"""Facts the wallet domain publishes."""

from __future__ import annotations

from zhongtai.kernel.outbox import Event


class WalletChanged(Event):
    """A member's stored value moved: the amounts (signed) by bucket, principal and bonus, and the balance after."""

    event_type = "wallet.balance_changed"
    member_id: int
    kind: str  # topup, spend, refund, cash_out, merge_in, merge_out
    principal_fen: int
    bonus_fen: int
    balance_fen: int
    source_type: str
    source_id: str
    reference: str = ""


class GiftCardChanged(Event):
    """A gift card was activated, spent, refunded or expired (breakage): the amount (signed) and its balance after."""

    event_type = "wallet.gift_card_changed"
    card_code: str
    kind: str  # activate, spend, refund, expire
    amount_fen: int
    balance_fen: int
    reference: str = ""
