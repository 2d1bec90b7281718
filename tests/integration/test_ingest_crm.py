"""CRM member CSV end to end: members join through the members service with their consents; bad rows
are quarantined by reason; a replay changes nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests import factories
from zhongtai.config import get_settings
from zhongtai.integration import service as integration
from zhongtai.integration.schemas import SourceCreate
from zhongtai.members import service as members

DATA = Path(__file__).parents[1] / "data" / "ingest"


def ingest(db, source, body: bytes):
    payload = integration.land(db, source=source, kind="members", format_name=None, stream=io.BytesIO(body),
                               via="cli", settings=get_settings())
    batch = integration.process(db, source=source, payload=payload, settings=get_settings())
    db.commit()
    assert batch.records == batch.accepted + batch.duplicates + batch.quarantined
    return batch


def member_by_phone(db, phone: str):
    rows, _total, _masks = members.search(db, principal=factories.SYSTEM, phone=phone, limit=5, offset=0)
    assert len(rows) == 1
    return rows[0]


@pytest.fixture
def crm(db):
    factories.store(db, code="SH001")
    factories.store(db, code="SH002")
    source, _key, _secret = integration.register_source(db, source_in=SourceCreate(code="crm", name="CRM",
                                                                                    type="crm"))
    db.commit()
    return source


def quarantine(db, source) -> list[str]:
    rows, _ = integration.quarantined(db, source=source, reason=None, limit=100, offset=0)
    return sorted(r.reason for r in rows)


class TestMembers:
    def test_joins_members_with_consents_and_quarantines_bad_rows(self, db, crm):
        batch = ingest(db, crm, (DATA / "members.csv").read_bytes())
        assert (batch.records, batch.accepted, batch.quarantined) == (7, 3, 4)
        assert quarantine(db, crm) == ["bad_encoding", "bad_phone", "missing_field", "unknown_store"]
        li = member_by_phone(db, "13900000001")
        assert li.display_name == "李雷" and li.gender == "male" and li.joined_channel == "crm"
        # C0006 is the same verified phone: the same member, whose marketing consent it then withdrew
        assert members.has_consent(db, member_id=li.id, purpose="marketing_messages") is False
        assert members.has_consent(db, member_id=li.id, purpose="wecom_contact") is False
        han = member_by_phone(db, "13900000002")
        assert members.has_consent(db, member_id=han.id, purpose="wecom_contact") is True
        assert {i.kind for i in members.identities(db, member_id=han.id)} == {"phone", "pos_card"}

    def test_replay_is_all_duplicates(self, db, crm):
        ingest(db, crm, (DATA / "members.csv").read_bytes())
        before = quarantine(db, crm), [m.id for m in (member_by_phone(db, "13900000001"),
                                                       member_by_phone(db, "13900000002"))]
        again = ingest(db, crm, (DATA / "members.csv").read_bytes())
        assert (again.duplicates, again.accepted, again.quarantined) == (7, 0, 0)
        assert (quarantine(db, crm), [member_by_phone(db, p).id for p in ("13900000001", "13900000002")]) == before

    def test_unknown_store_is_replayable_once_the_store_exists(self, db, crm):
        ingest(db, crm, (DATA / "members.csv").read_bytes())
        factories.store(db, code="SH777")
        assert integration.replay(db, source=crm, reason="unknown_store")["accepted"] == 1
        db.commit()
        assert member_by_phone(db, "13900000005").display_name == "王五"

    def test_an_unverified_phone_of_another_member_is_a_conflict_not_a_merge(self, db, crm):
        ingest(db, crm, (DATA / "members.csv").read_bytes())
        batch = ingest(db, crm, "crm_id,phone,phone_verified,name\nC0100,13900000001,0,冒名\n".encode())
        assert (batch.accepted, batch.quarantined) == (0, 1)
        assert "identity_conflict" in quarantine(db, crm)
        assert member_by_phone(db, "13900000001").display_name == "李雷"
