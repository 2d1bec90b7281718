"""Declarative field mapping: a platform's order JSON → zhongtai's canonical order event. Pure, no I/O.

A new e-commerce platform is configuration, not code: its mapping (JSON, stored in the source's
``config["mapping"]``, or the name of a shipped preset) says where each canonical field is found::

    {"platform": "tmall",                      # the buyer ids' app_id and the prefix of external_ref
     "events": "",                             # path to a list of events in a body ("" = one event)
     "fields": {"event": "topic", "order_id": "tid", "lines[].sku_code": "orders[].outer_sku_id", ...},
     "values": {"event": {"TradeCreate": "created", "TradeRated": "ignore"}, "mode": {"express": "ship"}},
     "transforms": {"payment.amount_fen": "yuan_to_fen", "occurred_at": "datetime_cn"},
     "defaults": {"mode": "ship", "payment.provider": "alipay"}}

Paths are dot-separated keys; ``name[3]`` indexes a list, and ``name[]`` (once per path) walks a list, so
``"lines[].quantity": "items[].num"`` makes one canonical line per element of ``items``. Every
``lines[]`` field must walk the same source list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

EVENTS = ("created", "paid", "cancelled", "refunded", "ignore")
MODES = ("ship", "delivery", "pickup")
PROVIDERS = ("wechat_pay", "alipay", "card", "cash", "points", "stored_value")
# canonical field -> default transform (type)
TARGETS: dict[str, str] = {
    "event_id": "str", "event": "str", "order_id": "str", "occurred_at": "datetime", "mode": "str",
    "store_code": "str", "buyer_id": "str", "reason": "str",
    "contact.name": "str", "contact.phone": "str", "contact.address": "str",
    "contact.latitude": "float", "contact.longitude": "float",
    "lines[].sku_code": "str", "lines[].quantity": "int",
    "payment.provider": "str", "payment.transaction_id": "str", "payment.amount_fen": "int",
}
CHOICES = {"event": EVENTS, "mode": MODES, "payment.provider": PROVIDERS}
REQUIRED = ("event", "order_id")
CHINA = timezone(timedelta(hours=8))
_SEGMENT = re.compile(r"^([^.\[\]]+)(\[(\d*)\])?$")


class MappingInvalid(ValueError):
    """The mapping itself is wrong; `problems` lists each mistake."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


class MappingError(ValueError):
    """A payload does not fit the mapping; `reason` is a stable quarantine code."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


# --- paths --------------------------------------------------------------------------------------------

def _segments(path: str) -> list[tuple[str, str | None]]:
    """[(key, None | "" (walk) | "3" (index))] or ValueError."""
    out = []
    for part in path.split("."):
        m = _SEGMENT.match(part)
        if not m:
            raise ValueError(f"bad path segment {part!r} in {path!r}")
        out.append((m.group(1), m.group(3) if m.group(2) else None))
    return out


def get_path(doc: Any, path: str) -> Any:
    """The value at `path` (no list walks), or None when any step is missing."""
    if not path:
        return doc
    for key, index in _segments(path):
        doc = doc.get(key) if isinstance(doc, dict) else None
        if index is not None and index != "":
            doc = doc[int(index)] if isinstance(doc, list) and int(index) < len(doc) else None
        if doc is None:
            return None
    return doc


def split_walk(path: str) -> tuple[str, str] | None:
    """For a path with one `[]`: (list path, path inside each element); None if it walks no list."""
    if path.count("[]") > 1:
        raise ValueError(f"at most one [] per path: {path!r}")
    if "[]" not in path:
        return None
    head, _, tail = path.partition("[]")
    return head, tail.lstrip(".")


# --- transforms ---------------------------------------------------------------------------------------

def _yuan_to_fen(value: Any) -> int:
    amount = Decimal(str(value).strip())
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"{value!r} has more than two decimals")
    return int(fen)


def _datetime(value: Any, default_tz=UTC) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC).isoformat()
    parsed = datetime.fromisoformat(str(value).strip())
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=default_tz)).astimezone(UTC).isoformat()


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError("not a number")
    number = Decimal(str(value).strip())
    if number != number.to_integral_value():
        raise ValueError(f"{value!r} is not a whole number")
    return int(number)


TRANSFORMS = {
    "str": lambda v: str(v).strip(),
    "int": _int,
    "float": lambda v: float(Decimal(str(v).strip())),
    "yuan_to_fen": _yuan_to_fen,
    "fen": _int,
    "datetime": _datetime,
    "datetime_cn": lambda v: _datetime(v, CHINA),
    "epoch_s": lambda v: datetime.fromtimestamp(_int(v), UTC).isoformat(),
    "epoch_ms": lambda v: datetime.fromtimestamp(_int(v) / 1000, UTC).isoformat(),
    "upper": lambda v: str(v).strip().upper(),
    "lower": lambda v: str(v).strip().lower(),
}


# --- the compiled mapping -----------------------------------------------------------------------------

@dataclass(frozen=True)
class FieldMapping:
    """A declarative mapping, checked once (`compile_mapping`) and then applied to any number of payloads."""

    platform: str
    events_path: str
    fields: dict[str, str]
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    transforms: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)

    def events(self, body: Any) -> Iterator[Any]:
        """The events a body carries: the list at `events` (every element), or the body itself."""
        if not self.events_path:
            yield body
            return
        found = get_path(body, self.events_path)
        if not isinstance(found, list):
            raise MappingError("missing_field", f"no list of events at {self.events_path!r}")
        yield from found

    def apply(self, event: Any) -> dict[str, Any]:
        """The canonical event (nested: contact, payment, lines) for one platform event."""
        if not isinstance(event, dict):
            raise MappingError("malformed", "an event must be a JSON object")
        flat = {t: self._value(t, get_path(event, p)) for t, p in self.fields.items() if "[]" not in t}
        for target, default in self.defaults.items():
            if flat.get(target) is None:
                flat[target] = self._value(target, default, canonical=True)
        missing = [t for t in REQUIRED if flat.get(t) in (None, "")]
        if missing:
            raise MappingError("missing_field", f"missing {', '.join(missing)}")
        canonical = _nest(flat)
        if flat["event"] == "created":
            canonical["lines"] = self._lines(event)
        return canonical

    def external_id(self, canonical: Mapping[str, Any]) -> str:
        """The event's key: its own id if the platform sends one, else order id and event."""
        return canonical.get("event_id") or f"{canonical['order_id']}:{canonical['event']}"

    def _value(self, target: str, raw: Any, *, canonical: bool = False) -> Any:
        if raw is None or raw == "":
            return None
        if target in self.values and not canonical:  # defaults are canonical values already
            key = str(raw).strip()
            if key not in self.values[target]:
                code = "unknown_event" if target == "event" else "unmapped_value"
                raise MappingError(code, f"{target}: no mapping for {key!r}")
            raw = self.values[target][key]
        try:
            kind = TARGETS[target] if canonical else self.transforms.get(target, TARGETS[target])
            value = TRANSFORMS[kind](raw)
        except (ValueError, TypeError, InvalidOperation, OverflowError) as exc:
            raise MappingError("bad_number" if TARGETS[target] != "datetime" else "bad_timestamp",
                               f"{target}: {exc}") from exc
        if target in CHOICES and value not in CHOICES[target]:
            raise MappingError("unmapped_value", f"{target}: {value!r} is not one of {', '.join(CHOICES[target])}")
        return value

    def _lines(self, event: dict) -> list[dict[str, Any]]:
        walks = {t: split_walk(p) for t, p in self.fields.items() if t.startswith("lines[].")}
        if not walks:
            raise MappingError("missing_field", "the mapping names no order lines")
        list_path = next(iter(walks.values()))[0]  # type: ignore[index]
        items = get_path(event, list_path)
        if not isinstance(items, list) or not items:
            raise MappingError("missing_field", f"no order lines at {list_path!r}")
        lines = []
        for item in items:
            line = {t.split(".", 1)[1]: self._value(t, get_path(item, w[1])) for t, w in walks.items()}
            if line.get("sku_code") in (None, "") or line.get("quantity") is None:
                raise MappingError("missing_field", "every line needs sku_code and quantity")
            if line["quantity"] <= 0:
                raise MappingError("negative_quantity", f"quantity {line['quantity']} for {line['sku_code']}")
            lines.append(line)
        return lines


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for target, value in flat.items():
        head, _, tail = target.partition(".")
        if tail:
            out.setdefault(head, {})[tail] = value
        else:
            out[target] = value
    return out


# --- checking a mapping -------------------------------------------------------------------------------

def compile_mapping(spec: Mapping[str, Any]) -> FieldMapping:
    """Check a mapping spec and build it; MappingInvalid lists every problem at once."""
    if not isinstance(spec, Mapping):
        raise MappingInvalid(["a mapping is a JSON object"])
    problems: list[str] = []
    unknown_keys = sorted(set(spec) - {"platform", "events", "fields", "values", "transforms", "defaults",
                                       "description"})
    problems += [f"unknown key {k!r}" for k in unknown_keys]
    fields = _dict_of_str(spec.get("fields"), "fields", problems)
    values = spec.get("values") or {}
    transforms = _dict_of_str(spec.get("transforms") or {}, "transforms", problems)
    defaults = spec.get("defaults") or {}
    problems += _check_targets(fields, values, transforms, defaults)
    problems += _check_paths(fields, str(spec.get("events") or ""))
    problems += _check_values(values)
    platform = str(spec.get("platform") or "")
    if not re.match(r"^[A-Za-z0-9_.-]{1,64}$", platform):
        problems.append("platform must be 1-64 letters, digits, _ . or -")
    if problems:
        raise MappingInvalid(problems)
    return FieldMapping(platform=platform, events_path=str(spec.get("events") or ""), fields=fields,
                        values={k: {str(a): str(b) for a, b in v.items()} for k, v in values.items()},
                        transforms=transforms, defaults=dict(defaults))


def _dict_of_str(value: Any, name: str, problems: list[str]) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        problems.append(f"{name} must map names to strings")
        return {}
    return dict(value)


def _check_targets(fields: dict, values: Any, transforms: dict, defaults: Any) -> list[str]:
    problems = [f"unknown field {t!r} (known: {', '.join(TARGETS)})" for t in fields if t not in TARGETS]
    problems += [f"{name} names unknown field {t!r}" for name, group in
                 (("values", values), ("transforms", transforms), ("defaults", defaults))
                 if isinstance(group, Mapping) for t in group if t not in TARGETS]
    problems += [f"unknown transform {v!r} for {t!r}" for t, v in transforms.items() if v not in TRANSFORMS]
    problems += [f"defaults cannot set list field {t!r}" for t in (defaults if isinstance(defaults, Mapping) else {})
                 if "[]" in t]
    problems += [f"fields must map {t!r}" for t in REQUIRED if t not in fields]
    if not isinstance(values, Mapping) or not isinstance(defaults, Mapping):
        problems.append("values and defaults must be objects")
    return problems


def _check_paths(fields: dict[str, str], events_path: str) -> list[str]:
    problems, lists = [], set()
    for target, path in [*fields.items(), *([("events", events_path)] if events_path else [])]:
        try:
            walk = split_walk(path)
            for piece in (walk or (path,)):
                if piece:
                    _segments(piece)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        if target.startswith("lines[].") != (walk is not None):
            problems.append(f"{target!r}: line fields (and only they) walk a list with []")
        elif walk:
            lists.add(walk[0])
    if len(lists) > 1:
        problems.append(f"every lines[] field must walk the same list (got {', '.join(sorted(lists))})")
    return problems


def _check_values(values: Any) -> list[str]:
    if not isinstance(values, Mapping):
        return []
    problems = [f"values[{t!r}] must be an object" for t, v in values.items() if not isinstance(v, Mapping)]
    for target, allowed in CHOICES.items():
        table = values.get(target)
        if isinstance(table, Mapping):
            bad = sorted({str(v) for v in table.values()} - set(allowed))
            problems += [f"values[{target!r}] maps to {b!r}, not one of {', '.join(allowed)}" for b in bad]
    return problems
