"""CRM applier: each member row joins through the members service (matched, merged or created by its
identity rules) and records the consents the row states."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from zhongtai.integration.appliers_support import Refused, actor, each, location_ids, location_of
from zhongtai.integration.formats.base import Parsed
from zhongtai.members import service as members
from zhongtai.members.schemas import ConsentIn, IdentityIn, ProfileIn

CHANNEL = "crm"


def apply_members(session: Session, *, source: Any, batch: Any, records: list[Parsed]) -> dict[str, str]:
    """Join every member row; an unverified identity of another member is a conflict left for review."""
    stores = location_ids(session, {r.data["store_code"] for r in records if r.data["store_code"]})

    def one(record: Parsed) -> None:
        data = record.data
        store_id = location_of(stores, data["store_code"]) if data["store_code"] else None
        outcome = members.join(
            session, channel=CHANNEL, identities=[IdentityIn(**i) for i in data["identities"]],
            profile=ProfileIn(display_name=data["name"], gender=data["gender"],
                              birthday=date.fromisoformat(data["birthday"]) if data["birthday"] else None),
            store_id=store_id, consents=[ConsentIn(purpose=p, granted=g) for p, g in data["consents"].items()],
            actor=actor(source))
        if outcome.outcome == "claimed":
            # Only an unverified phone/e-mail matched someone: nothing was recorded, a person must decide.
            raise Refused("identity_conflict")

    return each(session, records, one)
