"""Routing as a pure policy: choose the location(s) that fulfil an order, and say why. No I/O.

Every candidate gets a verdict: eligible with a score (lower is better: minutes until the customer has
the goods), or the reasons it lost — no stock of which line, outside the delivery radius, closed, over
capacity, lacks the processing service, fresh food too far for the 30-minute promise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

MODES = ("in_store", "pickup", "pickup_with_processing", "delivery", "ship")
FRESH_PROMISE_MINUTES = 30
RIDER_KMH = 15.0  # an e-bike rider in city traffic
BASE_PICK_MINUTES = 5
PICK_MINUTES_PER_LINE = 1
QUEUE_MINUTES_PER_ORDER = 2
SHIP_KMH_PER_DAY = 600.0  # linehaul distance a parcel covers per day


@dataclass(frozen=True)
class Line:
    sku_id: int
    sku_code: str
    quantity: int
    fresh: bool = False


@dataclass(frozen=True)
class Candidate:
    location_id: int
    code: str
    name: str
    kind: str  # store | warehouse
    distance_km: float | None
    is_open: bool
    pickup_enabled: bool
    delivery_radius_km: float
    services: frozenset[str]
    queue: int
    capacity: int
    promisable: dict[int, int]  # sku_id -> what this location may still promise to the channel


@dataclass(frozen=True)
class Request:
    mode: str
    lines: tuple[Line, ...]
    store_id: int | None = None  # the customer's chosen store (pickup) or the till's store (in_store)
    service: str | None = None  # processing service for pickup_with_processing
    service_minutes: int = 0
    allow_split: bool = False


@dataclass
class Verdict:
    location_id: int
    code: str
    name: str
    distance_km: float | None
    eligible: bool
    score: float | None = None
    reasons: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"location_id": self.location_id, "code": self.code, "name": self.name,
                "distance_km": self.distance_km, "eligible": self.eligible,
                "score": None if self.score is None else round(self.score, 1), "reasons": self.reasons,
                "missing_skus": self.missing}


@dataclass
class Assignment:
    location_id: int
    code: str
    lines: list[Line]
    promise_minutes: int


@dataclass
class Decision:
    mode: str
    assignments: list[Assignment]
    verdicts: list[Verdict]
    reason: str

    @property
    def ok(self) -> bool:
        return bool(self.assignments)

    @property
    def split(self) -> bool:
        return len(self.assignments) > 1

    def explanation(self) -> dict:
        return {"mode": self.mode, "decision": self.reason, "split": self.split,
                "chosen": [a.code for a in self.assignments], "candidates": [v.as_dict() for v in self.verdicts]}


def prep_minutes(lines: Sequence[Line], service_minutes: int = 0) -> int:
    """Picking time for a cart, plus any on-site processing."""
    return BASE_PICK_MINUTES + PICK_MINUTES_PER_LINE * len(lines) + service_minutes


def travel_minutes(distance_km: float) -> int:
    """Rider travel time over a city distance."""
    return math.ceil(distance_km / RIDER_KMH * 60)


def ship_days(distance_km: float | None) -> int:
    """Parcel days from a warehouse: next day nearby, a day more per linehaul leg."""
    return 1 + int((distance_km or 0) // SHIP_KMH_PER_DAY)


def _missing(c: Candidate, lines: Sequence[Line]) -> list[str]:
    return [ln.sku_code for ln in lines if c.promisable.get(ln.sku_id, 0) < ln.quantity]


def _blockers(c: Candidate, req: Request) -> list[str]:
    """Reasons a location cannot serve this mode at all, stock aside."""
    reasons = []
    wants_store = req.mode != "ship"
    if wants_store and c.kind != "store":
        reasons.append("not a store")
    if req.mode == "ship" and c.kind != "warehouse":
        reasons.append("not a warehouse")
    if req.mode in ("pickup", "pickup_with_processing", "in_store") and req.store_id not in (None, c.location_id):
        reasons.append("not the store the customer chose")
    if req.mode in ("pickup", "pickup_with_processing") and not c.pickup_enabled:
        reasons.append("no pickup at this store")
    if req.mode == "pickup_with_processing" and req.service not in c.services:
        reasons.append(f"does not offer {req.service}")
    if req.mode == "delivery":
        if c.distance_km is None or c.delivery_radius_km <= 0 or c.distance_km > c.delivery_radius_km:
            reasons.append("customer outside delivery radius")
    if req.mode in ("delivery", "pickup", "pickup_with_processing") and not c.is_open:
        reasons.append("closed now")
    if req.mode != "in_store" and c.capacity and c.queue >= c.capacity:
        reasons.append(f"over capacity ({c.queue}/{c.capacity} open orders)")
    return reasons


def _score(c: Candidate, req: Request, lines: Sequence[Line]) -> tuple[float, int]:
    """(score, promise minutes): minutes until the customer has the goods (ship: days as minutes)."""
    prep = prep_minutes(lines, req.service_minutes) + QUEUE_MINUTES_PER_ORDER * c.queue
    if req.mode == "delivery":
        minutes = prep + travel_minutes(c.distance_km or 0)
    elif req.mode == "ship":
        minutes = ship_days(c.distance_km) * 24 * 60
    elif req.mode == "in_store":
        minutes = 0
    else:
        minutes = prep
    # Nearer wins ties, so pickup customers are sent to the closest able store.
    return minutes + (c.distance_km or 0) / 100, minutes


def route(req: Request, candidates: Sequence[Candidate]) -> Decision:
    """Choose where to fulfil `req`; one location if any can serve every line, else a split if allowed."""
    verdicts, able = _judge(req, candidates)
    complete = [(v, c, m) for v, c, m in able if not v.missing]
    if complete:
        v, c, minutes = min(complete, key=lambda t: (t[0].score, t[1].code))
        return Decision(req.mode, [Assignment(c.location_id, c.code, list(req.lines), minutes)], verdicts,
                        f"{c.code} can serve every line soonest ({minutes} min)")
    if req.allow_split and req.mode in ("delivery", "ship"):
        return _split(req, verdicts, able)
    return Decision(req.mode, [], verdicts, "no single location can serve every line" +
                    ("" if req.allow_split else " and the customer did not allow splitting"))


def _judge(req: Request, candidates: Sequence[Candidate]):
    verdicts, able = [], []
    fresh = any(ln.fresh for ln in req.lines)
    for c in candidates:
        blockers = _blockers(c, req)
        v = Verdict(c.location_id, c.code, c.name, c.distance_km, eligible=False, reasons=list(blockers))
        v.missing = _missing(c, req.lines)
        if v.missing:
            v.reasons.append("no stock of " + ", ".join(v.missing))
        if not blockers:
            score, minutes = _score(c, req, req.lines)
            if req.mode == "delivery" and fresh and minutes > FRESH_PROMISE_MINUTES:
                v.reasons.append(f"fresh food needs {FRESH_PROMISE_MINUTES} min; this store needs {minutes}")
            else:
                v.score = score
                able.append((v, c, minutes))
        v.eligible = not v.reasons
        verdicts.append(v)
    verdicts.sort(key=lambda v: (not v.eligible, v.score if v.score is not None else math.inf, v.code))
    return verdicts, able


def _split(req: Request, verdicts: list[Verdict], able) -> Decision:
    """Greedy split: the location covering most remaining lines first (sooner on ties)."""
    left, assignments = list(req.lines), []
    pool = sorted(able, key=lambda t: (t[0].score, t[1].code))
    while left and pool:
        best = max(pool, key=lambda t: sum(t[1].promisable.get(ln.sku_id, 0) >= ln.quantity for ln in left))
        covered = [ln for ln in left if best[1].promisable.get(ln.sku_id, 0) >= ln.quantity]
        if not covered:
            break
        assignments.append(Assignment(best[1].location_id, best[1].code, covered, best[2]))
        left = [ln for ln in left if ln not in covered]
        pool.remove(best)
    if left:
        return Decision(req.mode, [], verdicts, "even split across locations cannot cover " +
                        ", ".join(ln.sku_code for ln in left))
    return Decision(req.mode, assignments, verdicts,
                    "split: " + "; ".join(f"{a.code} takes {', '.join(ln.sku_code for ln in a.lines)}"
                                          for a in assignments))
