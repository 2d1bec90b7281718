"""The event catalogue: every event type the platform publishes, with its JSON schema, a description and an
example, read from the pydantic `Event` classes in each domain's `events.py` (the code is the source).

The API serves it (`GET /api/v1/events/catalogue`), webhook subscriptions are checked against it, and
`docs/events.md` is generated from it (`zhongtai events catalogue --markdown -o docs/events.md`).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from zhongtai.kernel.outbox import Event

DEFAULT_PREFIX = "zhongtai"
_EXAMPLE_UUID = "0193b0c2-7a1e-7c3e-9f00-2a4c5d6e7f80"
_EXAMPLE_STRINGS = {"channel": "pos", "mode": "delivery", "reason": "customer_request",
                    "number": "SH001-20261125-0001", "code": "SH001", "name": "鲜丰汇 徐汇店"}


@dataclass(frozen=True)
class EventType:
    """One event type as partners see it: name, owning domain, what it means, its payload schema, an example."""

    name: str
    domain: str
    description: str
    schema: dict[str, Any]
    example: dict[str, Any]
    model: type[Event]

    def subject(self, prefix: str = DEFAULT_PREFIX) -> str:
        """The NATS JetStream subject the relay publishes this type on."""
        return f"{prefix}.{self.name}"


def default_modules() -> list[str]:
    """`zhongtai.<domain>.events` for every registered domain that has one."""
    from zhongtai.registry import DOMAINS  # the registry names the domains; the kernel imports none itself

    names = [f"zhongtai.{d}.events" for d in DOMAINS]
    return [n for n in names if importlib.util.find_spec(n) is not None]


def collect(modules: Iterable[str]) -> list[EventType]:
    """The event types declared in `modules`, sorted by name."""
    found: dict[str, EventType] = {}
    for name in modules:
        for cls in _event_classes(importlib.import_module(name)):
            found[cls.event_type] = describe(cls)
    return [found[k] for k in sorted(found)]


def _event_classes(module: Any) -> list[type[Event]]:
    return [cls for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, Event) and cls is not Event and cls.__module__ == module.__name__
            and isinstance(getattr(cls, "event_type", None), str)]


def describe(cls: type[Event]) -> EventType:
    """The catalogue entry of one Event class."""
    schema = cls.model_json_schema()
    schema.pop("description", None)
    description = _description(cls)
    schema = {"title": cls.event_type, "description": description, **schema}
    schema["title"] = cls.event_type
    return EventType(name=cls.event_type, domain=cls.event_type.split(".", 1)[0], description=description,
                     schema=schema, example=example_for(schema), model=cls)


def _description(cls: type[Event]) -> str:
    doc = inspect.getdoc(cls) if cls.__doc__ else None
    if doc and doc != inspect.getdoc(Event):
        return " ".join(doc.split())
    domain, event = cls.event_type.split(".", 1)
    return f"{event.replace('_', ' ').capitalize()} (published by the {domain} domain)."


@lru_cache
def catalogue() -> tuple[EventType, ...]:
    """Every event type of the registered domains (computed once per process)."""
    return tuple(collect(default_modules()))


def find(name: str) -> EventType | None:
    """One event type by name, or None."""
    return next((e for e in catalogue() if e.name == name), None)


def event_types() -> list[str]:
    return [e.name for e in catalogue()]


# --- examples -------------------------------------------------------------------------------------------

def example_for(schema: dict[str, Any]) -> dict[str, Any]:
    """A payload that satisfies `schema`, with plausible values picked by field name and type."""
    defs = schema.get("$defs", {})
    return {name: _value(name, prop, defs) for name, prop in schema.get("properties", {}).items()}


def _value(name: str, prop: dict[str, Any], defs: dict[str, Any]) -> Any:
    if "$ref" in prop:
        return example_for({**defs[prop["$ref"].rsplit("/", 1)[1]], "$defs": defs})
    for key in ("examples", "enum"):
        if prop.get(key):
            return prop[key][0]
    if "const" in prop or "default" in prop:
        return prop.get("const", prop.get("default"))
    if "anyOf" in prop:
        options = [o for o in prop["anyOf"] if o.get("type") != "null"] or [{"type": "null"}]
        return _value(name, options[0], defs)
    return _by_type(name, prop, defs)


def _by_type(name: str, prop: dict[str, Any], defs: dict[str, Any]) -> Any:
    kind = prop.get("type")
    if kind == "integer":
        return 1990 if name.endswith("_fen") else 42 if re.search(r"(^|_)ids?$", name) else 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "array":
        return [_value(name.removesuffix("s"), prop.get("items", {}), defs)]
    if kind == "object":
        return example_for({**prop, "$defs": defs}) if "properties" in prop else {}
    return _string(name, prop.get("format"))


def _string(name: str, fmt: str | None) -> str:
    if fmt == "date-time" or name.endswith("_at"):
        return "2026-11-25T08:30:00Z"
    if fmt == "date" or name.endswith(("_on", "_to", "_from")):
        return "2026-12-25"
    if fmt == "uuid" or name.endswith("_id"):
        return _EXAMPLE_UUID
    return _EXAMPLE_STRINGS.get(name, name)


# --- markdown -------------------------------------------------------------------------------------------

_HEADER = """# Event catalogue

<!-- Generated from the code by `zhongtai events catalogue --markdown -o docs/events.md`; do not edit by hand.
     A test fails when this file and the Event classes disagree. -->

Every change other systems must hear about is written as an event in the **same transaction** as the change
(the transactional outbox) and delivered **at least once** after commit. Each event has an id (a UUIDv7,
time-ordered): consumers deduplicate by it.

Ways to receive them:

- **Signed webhooks** to partner URLs (see [webhooks.md](webhooks.md)); subscribe to exact types or to a whole
  domain with `<domain>.*`.
- **NATS JetStream**: when `ZHONGTAI_NATS_URL` is set, the outbox relay publishes every event to the stream
  `ZHONGTAI` (`ZHONGTAI_NATS_STREAM`) on subject `<prefix>.<event type>`, i.e. `{prefix}.<domain>.<event>`
  with the default prefix `{prefix}` (`ZHONGTAI_NATS_SUBJECT_PREFIX`); the stream holds `{prefix}.>`. The
  event id is sent as `Nats-Msg-Id`, so JetStream drops duplicates within its window. Subscribe to one
  domain with `{prefix}.orders.>` or to one type with its subject below.
- **The catalogue itself**: `GET /api/v1/events/catalogue` (scope `events:read`) and
  `GET /api/v1/events/catalogue/{{event_type}}` return these entries with their full JSON schemas.

Webhook bodies and NATS messages carry the same envelope; `data` is the payload described below:

```json
{{"id": "{uuid}", "type": "orders.order_placed", "occurred_at": "2026-11-25T08:30:00+00:00",
 "store_id": 3, "data": {{"...": "the event's payload"}}}}
```

| event type | NATS subject | description |
|---|---|---|
"""


def to_markdown(entries: Iterable[EventType], *, prefix: str = DEFAULT_PREFIX) -> str:
    """The catalogue as a Markdown document (docs/events.md)."""
    entries = list(entries)
    out = [_HEADER.format(prefix=prefix, uuid=_EXAMPLE_UUID)]
    out += [f"| [`{e.name}`](#{_anchor(e.name)}) | `{e.subject(prefix)}` | {_cell(e.description)} |\n"
            for e in entries]
    for e in entries:
        out.append(_section(e, prefix))
    return "".join(out)


def _section(e: EventType, prefix: str) -> str:
    required = set(e.schema.get("required", ()))
    rows = "".join(f"| `{name}` | {_type_name(prop)} | {'yes' if name in required else 'no'} |\n"
                   for name, prop in e.schema.get("properties", {}).items())
    example = json.dumps(e.example, ensure_ascii=False, indent=2)
    return (f"\n## {e.name}\n\n{e.description}\n\nNATS subject: `{e.subject(prefix)}`\n\n"
            f"| field | type | required |\n|---|---|---|\n{rows}\nExample `data`:\n\n```json\n{example}\n```\n")


def _type_name(prop: dict[str, Any]) -> str:
    if "anyOf" in prop:
        return " or ".join(_type_name(p) for p in prop["anyOf"])
    if prop.get("type") == "array":
        return f"array of {_type_name(prop.get('items', {}))}"
    if "$ref" in prop:
        return prop["$ref"].rsplit("/", 1)[1]
    return str(prop.get("type", "any")) + (f" ({prop['format']})" if "format" in prop else "")


def _anchor(name: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "", name.lower())


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
