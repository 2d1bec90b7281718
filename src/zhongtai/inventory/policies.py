"""Pure inventory rules: what may be promised, FEFO picking, available-to-promise ranking. No I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

ONLINE_CHANNELS = frozenset({"app", "mini_program", "ecommerce", "guide"})
CHANNELS = ("pos", "app", "mini_program", "ecommerce", "guide")


@dataclass(frozen=True)
class Allocation:
    """Share of stock online channels may promise: a percentage, after a buffer kept for walk-ins."""

    online_percent: int = 100
    walk_in_buffer: int = 0


FULL = Allocation()


def allocation_for(channel: str, category_path: str, rules: Mapping[str | None, Allocation]) -> Allocation:
    """The most specific rule for a SKU's category path (rules keyed by path; None = store default)."""
    if channel not in ONLINE_CHANNELS:
        return FULL
    best = max((p for p in rules if p is not None and category_path.startswith(p)), key=len, default=None)
    return rules.get(best) or rules.get(None) or FULL


def available(on_hand: int, reserved: int, safety_stock: int) -> int:
    """Stock that can still be sold: on hand less reservations and safety stock (never negative)."""
    return max(0, on_hand - reserved - safety_stock)


def promisable(on_hand: int, reserved: int, safety_stock: int, alloc: Allocation) -> int:
    """What a channel may still promise under `alloc`; matches the reservation UPDATE's condition:
    (on_hand - safety - buffer) * percent >= (reserved + q) * 100."""
    cap = (on_hand - safety_stock - alloc.walk_in_buffer) * alloc.online_percent // 100
    return max(0, min(cap - reserved, available(on_hand, reserved, safety_stock)))


def fefo_take(batches: Sequence[tuple[Any, date | None, int]], quantity: int) -> tuple[list[tuple[Any, int]], int]:
    """Take `quantity` from batches, earliest best-before first (undated last).

    Returns [(batch id, taken)] and the part no batch covered.
    """
    ordered = sorted(batches, key=lambda b: (b[1] is None, b[1] or date.max))
    takes, left = [], quantity
    for batch_id, _best_before, qty in ordered:
        if left == 0:
            break
        take = min(qty, left)
        if take > 0:
            takes.append((batch_id, take))
            left -= take
    return takes, left


@dataclass
class SourceOption:
    """One location's answer for a cart: what it can supply now, and how far it is."""

    location_id: int
    code: str
    name: str
    kind: str
    distance_km: float | None
    lines: list[dict[str, int]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return all(line["promisable"] >= line["requested"] for line in self.lines)

    @property
    def coverage(self) -> int:
        return sum(min(line["promisable"], line["requested"]) for line in self.lines)


def rank_sources(options: Iterable[SourceOption]) -> list[SourceOption]:
    """Locations that can supply the whole cart first, then by how much they cover, then nearest first."""
    far = float("inf")
    return sorted(options, key=lambda o: (not o.complete, -o.coverage,
                                          o.distance_km if o.distance_km is not None else far, o.code))
