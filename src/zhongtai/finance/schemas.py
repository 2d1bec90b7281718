"""Finance shapes: money in integer fen, points in whole points."""

from __future__ import annotations

from pydantic import BaseModel


class MonthRow(BaseModel):
    month: str
    points_issued: int
    points_redeemed: int
    points_expired: int
    points_other: int
    points_outstanding: int
    points_liability_fen: int
    points_breakage_fen: int
    sv_topup_principal_fen: int
    sv_topup_bonus_fen: int
    sv_spent_principal_fen: int
    sv_spent_bonus_fen: int
    sv_cash_out_fen: int
    sv_bonus_forfeited_fen: int
    sv_other_fen: int
    sv_principal_outstanding_fen: int
    sv_bonus_outstanding_fen: int
    gc_activated_fen: int
    gc_redeemed_fen: int
    gc_breakage_fen: int
    gc_outstanding_fen: int


class Held(BaseModel):
    points: int
    principal_fen: int
    bonus_fen: int
    gift_card_fen: int


class Reconciled(BaseModel):
    points: bool
    stored_value: bool
    gift_cards: bool


class Liabilities(BaseModel):
    rows: list[MonthRow]
    held: Held
    reconciled: Reconciled
    points_value_fen_per_100: int
