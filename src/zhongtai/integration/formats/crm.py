"""CRM CSV: members with their identities, profile and consent flags (columns in
docs/integration-erp-crm-ecommerce.md). Phones and e-mails are checked here, before anything is posted."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import IO, Any

from zhongtai.integration import csv_fields as f
from zhongtai.integration.formats.base import Parsed, register
from zhongtai.members import policies as member_rules

GENDERS = {"female": "female", "f": "female", "女": "female", "male": "male", "m": "male", "男": "male",
           "unknown": "unknown", "u": "unknown"}
PURPOSES = ("marketing_messages", "wecom_contact", "personalised_recommendations")


def read_member(row: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """A CRM member row: at least one of phone, email or pos_card; consents only where the file states them."""
    crm_id = f.text(row, "crm_id", required=True, max_length=100)
    identities = _identities(row)
    if not identities:
        raise f.Bad("missing_field", "phone")
    data = {"crm_id": crm_id, "identities": identities, "name": f.text(row, "name", max_length=100),
            "gender": f.choice(row, "gender", GENDERS, "unknown"), "birthday": f.day(row, "birthday"),
            "store_code": f.text(row, "store_code") or None,
            "consents": {p: v for p in PURPOSES if (v := f.flag(row, p)) is not None}}
    return f.versioned_id(crm_id, row), data


def _identities(row: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    phone = f.text(row, "phone", max_length=32)
    if phone:
        try:
            member_rules.normalise_phone(phone)
        except member_rules.IdentityValueError as exc:
            raise f.Bad("bad_phone", "phone") from exc
        verified = f.flag(row, "phone_verified")
        out.append({"kind": "phone", "value": phone, "verified": True if verified is None else verified})
    email = f.text(row, "email", max_length=128)
    if email:
        try:
            member_rules.normalise_email(email)
        except member_rules.IdentityValueError as exc:
            raise f.Bad("bad_email", "email") from exc
        out.append({"kind": "email", "value": email, "verified": bool(f.flag(row, "email_verified"))})
    card = f.text(row, "pos_card", max_length=64)
    if card:
        try:
            member_rules.normalise_identity("pos_card", card)
        except member_rules.IdentityValueError as exc:
            raise f.Bad("bad_value", "pos_card") from exc
        out.append({"kind": "pos_card", "value": card, "verified": False})
    return out


def parse_members_csv(stream: IO[bytes], config: Mapping[str, Any]) -> Iterator[Parsed]:
    """CRM member rows → records (streaming)."""
    return f.parse_csv(stream, read_member, required=("crm_id",))


def _register() -> None:
    from zhongtai.integration import appliers_crm

    register("members", "csv", parse_members_csv, appliers_crm.apply_members, default=True)


_register()
