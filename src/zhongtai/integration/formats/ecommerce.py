"""E-commerce platform order events (JSON), read through the source's declarative field mapping.

A payload is either JSON lines (one platform body per line: how files of many events stream in bounded
memory) or one JSON document (a webhook body, pretty-printed or not, up to MAX_DOCUMENT_BYTES). Each
body yields the events its mapping finds in it; each event becomes one record keyed by the platform's
event id (or "<order id>:<event>"), whose data is the canonical event (see `zhongtai.integration.mapping`)
and whose raw text is the platform's own JSON of that event.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import IO, Any

from zhongtai.integration.formats.base import Parsed, register, text_lines
from zhongtai.integration.mapping import FieldMapping, MappingError, MappingInvalid, compile_mapping
from zhongtai.integration.mapping_presets import PRESETS
from zhongtai.integration.policies import raw_key

MAX_DOCUMENT_BYTES = 16 * 1024 * 1024


def mapping_of(config: Mapping[str, Any] | None) -> FieldMapping:
    """The source's mapping: a preset's name or a whole mapping object in `config["mapping"]`."""
    spec = (config or {}).get("mapping")
    if spec is None:
        raise MappingInvalid(["the source has no mapping (set config.mapping to a preset name or an object)"])
    if isinstance(spec, str):
        if spec not in PRESETS:
            raise MappingInvalid([f"unknown preset {spec!r} (known: {', '.join(PRESETS)})"])
        spec = PRESETS[spec]
    return compile_mapping(spec)


def parse_orders_json(stream: IO[bytes], config: Mapping[str, Any]) -> Iterator[Parsed]:
    """Platform bodies → one record per event (streaming over JSON lines)."""
    mapping, unusable = None, None
    try:
        mapping = mapping_of(config)
    except MappingInvalid:
        unusable = "mapping_invalid" if (config or {}).get("mapping") is not None else "no_mapping"
    for line_no, raw, body, reason in _bodies(stream):
        if reason or mapping is None:
            yield Parsed(external_id=raw_key(raw), line_no=line_no, raw=raw, reason=reason or unusable)
            continue
        yield from records_of(mapping, body, line_no, raw)


def records_of(mapping: FieldMapping, body: Any, line_no: int, raw: str) -> Iterator[Parsed]:
    """The records of one platform body: one per event, or one refusal if the body has no event list."""
    try:
        events = list(mapping.events(body))
    except MappingError as exc:
        yield Parsed(external_id=raw_key(raw), line_no=line_no, raw=raw, reason=exc.reason)
        return
    for event in events:
        text = json.dumps(event, ensure_ascii=False, sort_keys=True)
        try:
            data = mapping.apply(event)
        except MappingError as exc:
            yield Parsed(external_id=raw_key(text), line_no=line_no, raw=text, reason=exc.reason)
            continue
        data["platform"] = mapping.platform
        yield Parsed(external_id=mapping.external_id(data)[:200], line_no=line_no, raw=text, data=data)


def _bodies(stream: IO[bytes]) -> Iterator[tuple[int, str, Any, str | None]]:
    """(line number, raw text, parsed JSON or None, reason or None) per body."""
    lines, first = text_lines(stream), True
    for line_no, raw, reason in lines:
        if not raw.strip():
            continue
        if reason:
            yield line_no, raw, None, reason
        else:
            try:
                yield line_no, raw, json.loads(raw), None
            except json.JSONDecodeError:
                if first:  # a document spread over lines (a pretty-printed webhook body)
                    yield _whole_document(line_no, raw, lines)
                    return
                yield line_no, raw, None, "malformed"
        first = False


def _whole_document(line_no: int, first: str, rest: Iterator[tuple[int, str, str | None]]):
    """The first line did not stand alone: the payload is one (pretty-printed) JSON document."""
    parts, size, bad = [first], len(first), None
    for _no, raw, reason in rest:
        parts.append(raw)
        size += len(raw) + 1
        bad = bad or reason
        if size > MAX_DOCUMENT_BYTES:
            return line_no, "\n".join(parts)[:10_000], None, "too_large"
    text = "\n".join(parts)
    if bad:
        return line_no, text, None, bad
    try:
        return line_no, text, json.loads(text), None
    except json.JSONDecodeError:
        return line_no, text, None, "malformed"


def _register() -> None:
    from zhongtai.integration import appliers_ecommerce

    register("orders", "json", parse_orders_json, appliers_ecommerce.apply_orders, default=True)


_register()
