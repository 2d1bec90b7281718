"""Managing e-commerce sources' field mappings (shared by the API and the console): read, check and set
one, and preview what a platform body would become. Setting a mapping is head office's job; callers check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from zhongtai.integration import service
from zhongtai.integration.formats.base import Parsed
from zhongtai.integration.formats.ecommerce import mapping_of, records_of
from zhongtai.integration.mapping import FieldMapping, MappingInvalid
from zhongtai.integration.models import Source
from zhongtai.kernel.errors import InvalidInput


class MappingRefused(InvalidInput):
    code, message = "mapping_invalid", "The field mapping is not valid"


class WrongSourceType(InvalidInput):
    code, message = "wrong_source_type", "Field mappings and order webhooks are for e-commerce sources"


@dataclass(frozen=True)
class SourceMapping:
    """An e-commerce source with its mapping as stored, and what it compiles to (or why it does not)."""

    source: Source
    stored: str | dict[str, Any] | None
    mapping: FieldMapping | None
    problems: list[str]


def compiled(config: dict | None) -> FieldMapping:
    """The mapping a source configuration names; MappingRefused (422) listing every problem."""
    try:
        return mapping_of(config)
    except MappingInvalid as exc:
        raise MappingRefused(detail={"problems": exc.problems}) from exc


def of_source(source: Source) -> SourceMapping:
    """A source's mapping, usable or not."""
    stored = (source.config or {}).get("mapping")
    try:
        return SourceMapping(source, stored, mapping_of(source.config), [])
    except MappingInvalid as exc:
        return SourceMapping(source, stored, None, exc.problems)


def ecommerce_sources(session: Session) -> list[SourceMapping]:
    """Every e-commerce source with its mapping."""
    return [of_source(s) for s in service.list_sources(session) if s.type == "ecommerce"]


def set_mapping(session: Session, *, code: str, mapping: str | dict[str, Any]) -> Source:
    """Check a mapping (a preset name or an object) and make it the source's."""
    source = service.get_source(session, code=code)
    if source.type != "ecommerce":
        raise WrongSourceType(detail={"source": code, "type": source.type})
    compiled({"mapping": mapping})
    source.config = {**(source.config or {}), "mapping": mapping}
    session.flush()
    return source


def preview(session: Session, *, code: str, body: Any) -> list[Parsed]:
    """The records a platform body would yield under the source's mapping; writes nothing."""
    return list(records_of(compiled(service.get_source(session, code=code).config), body, 1, ""))
