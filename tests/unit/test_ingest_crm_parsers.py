"""CRM member CSV reader: identities checked before anything is posted, consents only where stated."""

from __future__ import annotations

from pathlib import Path

from zhongtai.integration.formats.crm import parse_members_csv

DATA = Path(__file__).parents[1] / "data" / "ingest"


def parse(name: str) -> list:
    with open(DATA / name, "rb") as fh:
        return list(parse_members_csv(fh, {}))


class TestCrmMembers:
    def test_identities_consents_and_profile(self):
        first, second = parse("members.csv")[:2]
        assert first.data["identities"] == [{"kind": "phone", "value": "13900000001", "verified": True},
                                            {"kind": "email", "value": "li@example.com", "verified": False}]
        assert first.data["consents"] == {"marketing_messages": True, "wecom_contact": False}
        assert first.data["gender"] == "male" and first.data["birthday"] == "1990-05-01"
        assert second.data["identities"][1] == {"kind": "pos_card", "value": "CARD0002", "verified": False}
        assert second.data["consents"] == {"marketing_messages": True, "wecom_contact": True,
                                           "personalised_recommendations": False}

    def test_bad_rows(self):
        assert [r.reason for r in parse("members.csv")] == [
            None, None, "bad_phone", "missing_field", None, None, "bad_encoding"]
