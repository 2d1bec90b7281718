"""Members through the HTTP API: one customer across channels, proven merges (undoable), duplicates for
review, masked personal data, consents, export and erasure, tiers."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from tests import factories as f
from zhongtai.kernel.auth import Role
from zhongtai.kernel.outbox import OutboxEvent
from zhongtai.members.models import Member, MemberConsent, MemberIdentity

JOIN = "/api/v1/members/join"


def _phone(value: str, verified: bool = True) -> dict:
    return {"kind": "phone", "value": value, "verified": verified}


def _unionid(value: str) -> dict:
    return {"kind": "wechat_unionid", "value": value}


def _join(client, headers, identities, channel="pos", **extra):
    return client.post(JOIN, headers=headers, json={"channel": channel, "identities": identities, **extra})


def _client(db, store=None, scopes=("members:read", "members:write")) -> dict:
    key = f.api_client(db, scopes=list(scopes), stores=[store] if store else [], all_stores=store is None)
    return {"X-API-Key": key}


def _count(db, model) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(model))


def _events(db, event_type: str) -> list[dict]:
    db.rollback()
    return [e.payload for e in db.scalars(select(OutboxEvent).where(OutboxEvent.event_type == event_type)
                                          .order_by(OutboxEvent.id))]


def _get(client, headers, member_id):
    resp = client.get(f"/api/v1/members/{member_id}", headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


def _kinds(member: dict) -> set[str]:
    return {i["kind"] for i in member["identities"]}


class TestJoin:
    def test_till_then_wechat_then_ecommerce_is_one_member(self, client, db):
        store, phone = f.store(db), f.phone()
        pos = _join(client, _client(db, store), [_phone(phone), {"kind": "pos_card", "value": "CARD-0001"}],
                    profile={"display_name": "李娜"})
        assert pos.status_code == 201, pos.text
        member = pos.json()["member"]
        assert pos.json()["outcome"] == "created" and member["home_store_id"] == store.id
        wechat = _join(client, _client(db), [_unionid("oUnionLina0001"), _phone(phone),
                                             {"kind": "wechat_openid", "value": "oOpenLina0001", "app_id": "wxmini"}],
                       channel="mini_program")
        assert wechat.status_code == 200 and wechat.json()["outcome"] == "matched"
        assert wechat.json()["member"]["id"] == member["id"]
        assert sorted(wechat.json()["linked_identities"]) == ["wechat_openid", "wechat_unionid"]
        shop = _join(client, _client(db), [{"kind": "ecommerce_buyer", "value": "tb_lina", "app_id": "tmall"},
                                           _phone(f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}")], channel="ecommerce")
        assert shop.json()["member"]["id"] == member["id"]
        seen = _get(client, f.as_role(client, db, Role.HQ_ADMIN), member["id"])
        assert _kinds(seen) == {"phone", "pos_card", "wechat_unionid", "wechat_openid", "ecommerce_buyer"}
        assert seen["display_name"] == "李娜" and _count(db, Member) == 1
        assert [e["member_id"] for e in _events(db, "members.member_joined")] == [member["id"]]

    def test_joining_again_with_a_known_identity_finds_the_member_and_changes_nothing(self, client, db):
        pos, phone = _client(db), f.phone()
        first = _join(client, pos, [_phone(phone)]).json()
        again = _join(client, pos, [_phone(phone)])
        assert again.status_code == 200 and again.json()["outcome"] == "matched"
        assert again.json()["member"]["id"] == first["member"]["id"] and again.json()["linked_identities"] == []
        assert _count(db, MemberIdentity) == 1

    def test_profile_of_a_known_member_only_fills_blanks(self, client, db):
        pos, phone = _client(db), f.phone()
        _join(client, pos, [_phone(phone)], profile={"display_name": "王芳"})
        again = _join(client, pos, [_phone(phone)], profile={"display_name": "别人", "birthday": "1990-05-01"})
        seen = _get(client, f.as_role(client, db, Role.HQ_ADMIN), again.json()["member"]["id"])
        assert (seen["display_name"], seen["birthday"]) == ("王芳", "1990-05-01")

    def test_malformed_phone_is_422_with_a_stable_code_and_changes_nothing(self, client, db):
        pos = _client(db)
        for bad in ("1381234567", "12812345678", "abc", "+1 415 555 0100"):
            resp = _join(client, pos, [{"kind": "pos_card", "value": "CARD-9"}, _phone(bad)])
            assert resp.status_code == 422 and resp.json()["error"] == "phone_invalid", resp.text
            assert resp.json()["detail"]["index"] == 1
        assert _count(db, Member) == 0 and _count(db, MemberIdentity) == 0

    def test_other_malformed_identities_have_their_own_codes(self, client, db):
        pos = _client(db)
        cases = [({"kind": "email", "value": "nope"}, "email_invalid"),
                 ({"kind": "wechat_openid", "value": "oOpen123456"}, "identity_app_required"),
                 ({"kind": "wechat_unionid", "value": "has space"}, "identity_invalid")]
        for identity, code in cases:
            resp = _join(client, pos, [identity])
            assert resp.status_code == 422 and resp.json()["error"] == code
        assert _join(client, pos, []).json()["error"] == "validation_error"
        assert _count(db, Member) == 0

    def test_unverified_phone_of_another_member_is_a_claim_never_linked(self, client, db):
        pos, phone = _client(db), f.phone()
        owner = _join(client, pos, [_phone(phone)]).json()["member"]["id"]
        claim = _join(client, pos, [_phone(phone, verified=False)])
        assert claim.status_code == 200 and claim.json()["outcome"] == "claimed"
        assert claim.json()["member"]["id"] == owner
        newcomer = _join(client, _client(db), [_unionid("oUnionStranger1"), _phone(phone, verified=False)],
                         channel="mini_program")
        assert newcomer.status_code == 201 and newcomer.json()["duplicate_candidates"] == 1
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        assert _kinds(_get(client, hq, newcomer.json()["member"]["id"])) == {"wechat_unionid"}
        dupes = client.get("/api/v1/members/duplicates", headers=hq).json()["items"]
        assert [(d["reason"], d["score"]) for d in dupes] == [("unverified_phone", 90)]
        assert _count(db, Member) == 2

    def test_join_with_a_key_is_idempotent(self, client, db):
        pos = {**_client(db), "Idempotency-Key": "join-1"}
        body = [_phone(f.phone()), {"kind": "pos_card", "value": "CARD-IDEM"}]
        first, second = _join(client, pos, body), _join(client, pos, body)
        assert first.status_code == second.status_code == 201 and second.json() == first.json()
        assert second.headers["idempotent-replayed"] == "true" and _count(db, Member) == 1

    def test_consents_given_at_join_are_recorded_with_the_channel(self, client, db):
        resp = _join(client, _client(db), [_unionid("oUnionConsent1")], channel="mini_program",
                     consents=[{"purpose": "marketing_messages", "granted": True}])
        consents = client.get(f"/api/v1/members/{resp.json()['member']['id']}/consents",
                              headers=f.as_role(client, db, Role.HQ_ADMIN)).json()["current"]
        marketing = next(c for c in consents if c["purpose"] == "marketing_messages")
        assert marketing["granted"] and marketing["channel"] == "mini_program"

    def test_home_store_must_be_one_the_caller_may_see(self, client, db):
        mine, other = f.store(db), f.store(db)
        resp = _join(client, _client(db, mine), [_phone(f.phone())], store_id=other.id)
        assert resp.status_code == 404 and resp.json()["error"] == "store_not_found"
        assert _count(db, Member) == 0

    def test_read_only_clients_cannot_join(self, client, db):
        resp = _join(client, _client(db, scopes=["members:read"]), [_phone(f.phone())])
        assert resp.status_code == 403 and _count(db, Member) == 0


class TestMerge:
    def _two_members(self, client, db):
        """A: joined at the till with a verified phone; B: joined later in the mini-program, unionid only."""
        store, phone = f.store(db), f.phone()
        a = _join(client, _client(db, store), [_phone(phone), {"kind": "pos_card", "value": "CARD-A"}],
                  profile={"display_name": "张伟"}).json()["member"]["id"]
        b = _join(client, _client(db), [_unionid("oUnionZhangWei1")], channel="mini_program",
                  profile={"birthday": "1988-03-02"},
                  consents=[{"purpose": "personalised_recommendations", "granted": True}]).json()["member"]["id"]
        return store, phone, a, b

    def _prove(self, client, db, phone):
        return _join(client, _client(db), [_unionid("oUnionZhangWei1"), _phone(phone)], channel="mini_program")

    def test_proven_identity_merges_moving_identities_and_consents_with_an_audit(self, client, db):
        _store, phone, a, b = self._two_members(client, db)
        resp = self._prove(client, db, phone)
        assert resp.status_code == 200, resp.text
        assert (resp.json()["outcome"], resp.json()["member"]["id"], resp.json()["merged_member_ids"]) == (
            "merged", a, [b])
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        survivor, merged = _get(client, hq, a), _get(client, hq, b)
        assert _kinds(survivor) == {"phone", "pos_card", "wechat_unionid"}
        assert survivor["display_name"] == "张伟" and survivor["birthday"] == "1988-03-02"  # blanks filled
        assert {c["purpose"]: c["granted"] for c in survivor["consents"]}["personalised_recommendations"]
        assert (merged["status"], merged["merged_into_id"], merged["identities"]) == ("merged", a, [])
        (audit,) = survivor["merges"]
        assert (audit["survivor_id"], audit["merged_id"], audit["rule"]) == (a, b, "proven:phone+wechat_unionid")
        assert audit["merged_by"].startswith("client:") and audit["undone_at"] is None
        assert _events(db, "members.member_merged") == [
            {"merge_id": audit["id"], "survivor_id": a, "merged_id": b, "rule": "proven:phone+wechat_unionid"}]

    def test_head_office_can_undo_a_merge_exactly(self, client, db):
        _store, phone, a, b = self._two_members(client, db)
        self._prove(client, db, phone)
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        merge_id = _get(client, hq, a)["merges"][0]["id"]
        resp = client.post(f"/api/v1/members/merges/{merge_id}/undo", headers=hq)
        assert resp.status_code == 200 and resp.json()["undone_at"] is not None
        survivor, restored = _get(client, hq, a), _get(client, hq, b)
        assert _kinds(survivor) == {"phone", "pos_card"} and survivor["birthday"] is None
        assert (restored["status"], restored["merged_into_id"]) == ("active", None)
        assert _kinds(restored) == {"wechat_unionid"} and restored["birthday"] == "1988-03-02"
        assert {c["purpose"]: c["granted"] for c in restored["consents"]}["personalised_recommendations"]
        assert _events(db, "members.merge_undone")[0]["merge_id"] == merge_id
        again = client.post(f"/api/v1/members/merges/{merge_id}/undo", headers=hq)
        assert again.status_code == 409 and again.json()["error"] == "merge_already_undone"

    def test_only_head_office_may_undo(self, client, db):
        store, phone, a, _b = self._two_members(client, db)
        self._prove(client, db, phone)
        merge_id = _get(client, f.as_role(client, db, Role.HQ_ADMIN), a)["merges"][0]["id"]
        manager = f.as_role(client, db, Role.STORE_MANAGER, [store])
        assert client.post(f"/api/v1/members/merges/{merge_id}/undo", headers=manager).status_code == 403

    def test_the_member_with_a_verified_phone_survives_even_if_newer(self, client, db):
        phone = f.phone()
        older = _join(client, _client(db), [_unionid("oUnionOlder0001")], channel="mini_program").json()
        newer = _join(client, _client(db), [_phone(phone)]).json()
        resp = _join(client, _client(db), [_unionid("oUnionOlder0001"), _phone(phone)], channel="mini_program")
        assert resp.json()["member"]["id"] == newer["member"]["id"]
        assert resp.json()["merged_member_ids"] == [older["member"]["id"]]

    def test_linking_a_proven_identity_of_another_member_merges_them(self, client, db):
        _store, phone, a, b = self._two_members(client, db)
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        resp = client.post(f"/api/v1/members/{b}/identities", headers=hq,
                           json={"kind": "phone", "value": phone, "verified": True, "channel": "console"})
        assert resp.status_code == 200 and resp.json()["outcome"] == "merged"
        assert resp.json()["member"]["id"] == a and resp.json()["merged_member_ids"] == [b]

    def test_linking_an_unverified_phone_of_another_member_is_409_and_changes_nothing(self, client, db):
        _store, phone, _a, b = self._two_members(client, db)
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        resp = client.post(f"/api/v1/members/{b}/identities", headers=hq,
                           json={"kind": "phone", "value": phone, "verified": False, "channel": "console"})
        assert resp.status_code == 409 and resp.json()["error"] == "identity_in_use"
        assert _kinds(_get(client, hq, b)) == {"wechat_unionid"} and _events(db, "members.member_merged") == []

    def test_a_merged_member_cannot_be_merged_again(self, client, db):
        _store, phone, a, b = self._two_members(client, db)
        self._prove(client, db, phone)
        c = _join(client, _client(db), [_phone(f.phone())]).json()["member"]["id"]
        resp = client.post("/api/v1/members/merges", headers=f.as_role(client, db, Role.HQ_ADMIN),
                           json={"member_ids": [b, c]})
        assert resp.status_code == 409 and resp.json()["error"] == "member_not_active"
        same = client.post("/api/v1/members/merges", headers=f.as_role(client, db, Role.HQ_ADMIN),
                           json={"member_ids": [a, a]})
        assert same.status_code == 422 and same.json()["error"] == "merge_same_member"


class TestDuplicates:
    def test_same_name_and_birthday_is_listed_for_review_not_merged(self, client, db):
        store = f.store(db)
        a = f.member(db, phone=f.phone(), store=store, name="刘洋", birthday=date(1992, 7, 1))
        b = f.member(db, phone=f.phone(), store=store, name="刘洋", birthday=date(1992, 7, 1))
        manager = f.as_role(client, db, Role.STORE_MANAGER, [store])
        (cand,) = client.get("/api/v1/members/duplicates", headers=manager).json()["items"]
        assert (cand["member_a_id"], cand["member_b_id"], cand["reason"]) == (a.id, b.id, "same_name_birthday")
        assert _get(client, manager, a.id)["status"] == _get(client, manager, b.id)["status"] == "active"

    def test_same_name_and_phone_shape_is_listed(self, client, db):
        f.member(db, phone="13911115678", name="陈静")
        f.member(db, phone="13922225678", name="陈静")
        f.member(db, phone="13933335679", name="陈静")
        items = client.get("/api/v1/members/duplicates", headers=f.as_role(client, db, Role.HQ_ADMIN)).json()["items"]
        assert [c["reason"] for c in items] == ["same_name_phone_shape"]

    def test_dismissed_pairs_are_not_listed_again(self, client, db):
        a = f.member(db, phone=f.phone(), name="赵磊", birthday=date(1980, 1, 2))
        f.member(db, phone=f.phone(), name="赵磊", birthday=date(1980, 1, 2))
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        (cand,) = client.get("/api/v1/members/duplicates", headers=hq).json()["items"]
        resp = client.post(f"/api/v1/members/duplicates/{cand['id']}/dismiss", headers=hq)
        assert resp.status_code == 200 and resp.json()["status"] == "dismissed"
        assert client.post(f"/api/v1/members/{a.id}/duplicates/scan", headers=hq).json() == {"new_candidates": 0}
        assert client.get("/api/v1/members/duplicates", headers=hq).json()["items"] == []
        again = client.post(f"/api/v1/members/duplicates/{cand['id']}/dismiss", headers=hq)
        assert again.status_code == 409 and again.json()["error"] == "duplicate_candidate_closed"

    def test_a_reviewed_candidate_can_be_merged(self, client, db):
        a = f.member(db, phone=f.phone(), name="孙丽", birthday=date(1985, 9, 9))
        b = f.member(db, phone=f.phone(), verified=False, name="孙丽", birthday=date(1985, 9, 9))
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        (cand,) = client.get("/api/v1/members/duplicates", headers=hq).json()["items"]
        resp = client.post("/api/v1/members/merges", headers=hq, json={"candidate_id": cand["id"]})
        assert resp.status_code == 201, resp.text
        assert (resp.json()["survivor_id"], resp.json()["merged_id"]) == (a.id, b.id)
        assert resp.json()["rule"] == "reviewed:same_name_birthday"
        assert client.get("/api/v1/members/duplicates?status=merged", headers=hq).json()["total"] == 1

    def test_store_staff_see_only_pairs_of_their_own_stores(self, client, db):
        mine, other = f.store(db), f.store(db)
        f.member(db, phone=f.phone(), store=mine, name="周杰", birthday=date(1979, 1, 18))
        f.member(db, phone=f.phone(), store=other, name="周杰", birthday=date(1979, 1, 18))
        manager = f.as_role(client, db, Role.STORE_MANAGER, [mine])
        assert client.get("/api/v1/members/duplicates", headers=manager).json()["items"] == []
        guide = f.as_role(client, db, Role.GUIDE, [mine])
        assert client.get("/api/v1/members/duplicates", headers=guide).status_code == 403


class TestPersonalData:
    def test_phones_are_stored_encrypted_with_a_searchable_hash(self, client, db):
        phone = f.phone()
        f.member(db, phone=phone)
        db.rollback()
        row = db.scalar(select(MemberIdentity))
        assert phone not in row.value_encrypted and phone not in row.value_hash
        assert row.masked == f"{phone[:3]}****{phone[-4:]}"

    def test_store_staff_see_phones_masked_and_cannot_reveal(self, client, db):
        store, phone = f.store(db), f.phone()
        member = f.member(db, phone=phone, store=store, identities=[{"kind": "email", "value": "Li.Na@example.com"}])
        for role in (Role.STORE_MANAGER, Role.GUIDE):
            headers = f.as_role(client, db, role, [store])
            resp = client.get(f"/api/v1/members/{member.id}", headers=headers)
            assert resp.status_code == 200 and phone not in resp.text and "li.na@" not in resp.text.lower()
            masked = {i["kind"]: i["masked"] for i in resp.json()["identities"]}
            assert masked == {"phone": f"{phone[:3]}****{phone[-4:]}", "email": "l***@example.com"}
            listed = client.get(f"/api/v1/members?phone={phone}", headers=headers)
            assert phone not in listed.text and listed.json()["items"][0]["phone_masked"] == masked["phone"]
            denied = client.post(f"/api/v1/members/{member.id}/reveal", headers=headers,
                                 json={"purpose": "call back about an order"})
            assert denied.status_code == 403 and denied.json()["error"] == "pii_reveal_forbidden"
        denied = client.post(f"/api/v1/members/{member.id}/reveal", headers=_client(db),
                             json={"purpose": "integration"})
        assert denied.status_code == 403
        log = client.get(f"/api/v1/members/{member.id}/pii-access", headers=f.as_role(client, db, Role.HQ_ADMIN))
        assert log.json() == []

    def test_head_office_reveals_and_every_read_is_logged(self, client, db):
        phone = f.phone()
        member = f.member(db, phone=phone)
        hq_user = f.user(db, role=Role.HQ_ADMIN)
        hq = f.login(client, hq_user.username)
        assert phone not in client.get(f"/api/v1/members/{member.id}", headers=hq).text  # masked by default
        resp = client.post(f"/api/v1/members/{member.id}/reveal", headers=hq, json={"purpose": "delivery problem"})
        assert resp.status_code == 200 and [v["value"] for v in resp.json()["values"]] == [phone]
        (entry,) = client.get(f"/api/v1/members/{member.id}/pii-access", headers=hq).json()
        assert (entry["field"], entry["purpose"], entry["actor_kind"], entry["actor_name"]) == (
            "phone", "delivery problem", "user", hq_user.username)

    def test_another_stores_member_answers_404(self, client, db):
        mine, other = f.store(db), f.store(db)
        phone = f.phone()
        member = f.member(db, phone=phone, store=other)
        online = f.member(db, phone=f.phone())  # no home store: head office only
        for role in (Role.STORE_MANAGER, Role.GUIDE):
            headers = f.as_role(client, db, role, [mine])
            for member_id in (member.id, online.id):
                resp = client.get(f"/api/v1/members/{member_id}", headers=headers)
                assert resp.status_code == 404 and resp.json()["error"] == "member_not_found"
            assert client.get(f"/api/v1/members?phone={phone}", headers=headers).json()["items"] == []
            resp = client.post(f"/api/v1/members/{member.id}/consents", headers=headers,
                               json={"purpose": "wecom_contact", "granted": True, "channel": "wecom"})
            assert resp.status_code == 404
        store_client = _client(db, mine)
        assert client.get(f"/api/v1/members/{member.id}", headers=store_client).status_code == 404
        assert _count(db, MemberConsent) == 0

    def test_search_by_phone_member_number_and_name(self, client, db):
        store, phone = f.store(db), f.phone()
        member = f.member(db, phone=phone, store=store, name="黄晓明")
        f.member(db, phone=f.phone(), store=store, name="黄蓉")
        guide = f.as_role(client, db, Role.GUIDE, [store])
        spaced = f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}"
        assert [m["id"] for m in client.get("/api/v1/members", headers=guide,
                                            params={"phone": spaced}).json()["items"]] == [member.id]
        by_no = client.get(f"/api/v1/members?member_no={member.member_no}", headers=guide).json()["items"]
        assert [m["id"] for m in by_no] == [member.id]
        assert client.get("/api/v1/members?q=黄", headers=guide).json()["total"] == 2
        assert client.get("/api/v1/members?q=%25", headers=guide).json()["total"] == 0
        bad = client.get("/api/v1/members?phone=12345", headers=guide)
        assert bad.status_code == 422 and bad.json()["error"] == "phone_invalid"


class TestConsents:
    def test_latest_decision_wins_and_missing_means_no(self, client, db):
        store = f.store(db)
        member = f.member(db, phone=f.phone(), store=store)
        guide = f.as_role(client, db, Role.GUIDE, [store])
        url = f"/api/v1/members/{member.id}/consents"
        assert client.get(f"{url}/wecom_contact", headers=guide).json()["granted"] is False
        for granted in (True, False, True):
            resp = client.post(url, headers=guide, json={"purpose": "wecom_contact", "granted": granted,
                                                         "channel": "wecom"})
            assert resp.status_code == 201
        assert client.get(f"{url}/wecom_contact", headers=guide).json()["granted"] is True
        client.post(url, headers=guide, json={"purpose": "wecom_contact", "granted": False, "channel": "wecom"})
        body = client.get(url, headers=guide).json()
        assert {c["purpose"]: c["granted"] for c in body["current"]} == {
            "marketing_messages": False, "wecom_contact": False, "personalised_recommendations": False}
        assert [h["granted"] for h in body["history"]] == [True, False, True, False]
        assert body["history"][0]["recorded_by"].startswith("user:")
        assert client.get(f"{url}/marketing_messages", headers=guide).json()["granted"] is False
        assert len(_events(db, "members.consent_changed")) == 4

    def test_unknown_purpose_is_422(self, client, db):
        member = f.member(db, phone=f.phone())
        resp = client.post(f"/api/v1/members/{member.id}/consents", headers=f.as_role(client, db, Role.HQ_ADMIN),
                           json={"purpose": "spam", "granted": True, "channel": "pos"})
        assert resp.status_code == 422 and _count(db, MemberConsent) == 0

    def test_has_consent_is_a_pure_question_to_the_service(self, db):
        from zhongtai.members import service

        member = f.member(db, phone=f.phone())
        assert not service.has_consent(db, member_id=member.id, purpose="marketing_messages")
        service.set_consent(db, member_id=member.id, purpose="marketing_messages", granted=True, channel="app",
                            actor="tests")
        assert service.has_consent(db, member_id=member.id, purpose="marketing_messages")


class TestExportAndErase:
    def _rich_member(self, client, db):
        phone = f.phone()
        member = f.member(db, phone=phone, name="马丽", birthday=date(1991, 2, 3),
                          identities=[{"kind": "email", "value": "ma.li@example.com", "verified": True}])
        _join(client, _client(db), [_unionid("oUnionMaLi0001")], channel="mini_program",
              consents=[{"purpose": "marketing_messages", "granted": True}])
        _join(client, _client(db), [_unionid("oUnionMaLi0001"), _phone(phone)], channel="mini_program")
        return member, phone

    def test_export_contains_everything_held_and_is_logged(self, client, db):
        member, phone = self._rich_member(client, db)
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        resp = client.get(f"/api/v1/members/{member.id}/export", headers=hq)
        assert resp.status_code == 200
        data = resp.json()
        assert data["member"]["display_name"] == "马丽" and data["member"]["birthday"] == "1991-02-03"
        assert {(i["kind"], i["value"]) for i in data["identities"]} == {
            ("phone", phone), ("email", "ma.li@example.com"), ("wechat_unionid", "oUnionMaLi0001")}
        assert [(c["purpose"], c["granted"]) for c in data["consents"]] == [("marketing_messages", True)]
        assert len(data["merged_members"]) == 1 and len(data["merges"]) == 1
        assert [a["field"] for a in data["personal_data_access"]] == ["export"]
        manager = f.as_role(client, db, Role.STORE_MANAGER, [f.store(db)])
        assert client.get(f"/api/v1/members/{member.id}/export", headers=manager).status_code == 403

    def test_erase_removes_personal_data_and_keeps_the_row_anonymised(self, client, db):
        member, phone = self._rich_member(client, db)
        hq = f.as_role(client, db, Role.HQ_ADMIN)
        resp = client.post(f"/api/v1/members/{member.id}/erase", headers=hq, json={"reason": "customer request"})
        assert resp.status_code == 200, resp.text
        erased = resp.json()
        assert (erased["status"], erased["display_name"], erased["birthday"], erased["identities"]) == (
            "erased", "", None, [])
        assert erased["member_no"] == member.member_no and not any(c["granted"] for c in erased["consents"])
        merged_id = erased["merges"][0]["merged_id"]
        assert _get(client, hq, merged_id)["status"] == "erased"
        assert _count(db, MemberIdentity) == 0 and _count(db, MemberConsent) == 0
        assert client.get(f"/api/v1/members?phone={phone}", headers=hq).json()["items"] == []
        assert client.get(f"/api/v1/members/{member.id}/export", headers=hq).json()["identities"] == []
        assert _events(db, "members.member_erased") == [{"member_id": member.id,
                                                         "member_ids": [member.id, merged_id]}]
        rejoin = _join(client, _client(db), [_phone(phone)])
        assert rejoin.status_code == 201 and rejoin.json()["member"]["id"] != member.id
        again = client.post(f"/api/v1/members/{member.id}/erase", headers=hq, json={"reason": "again"})
        assert again.status_code == 200 and again.json()["status"] == "erased"

    def test_erasing_needs_head_office_and_a_reason(self, client, db):
        store = f.store(db)
        member = f.member(db, phone=f.phone(), store=store)
        manager = f.as_role(client, db, Role.STORE_MANAGER, [store])
        url = f"/api/v1/members/{member.id}/erase"
        assert client.post(url, headers=manager, json={"reason": "asked"}).status_code == 403
        resp = client.post(url, headers=f.as_role(client, db, Role.HQ_ADMIN), json={})
        assert resp.status_code == 422 and resp.json()["error"] == "validation_error"
        assert client.post("/api/v1/members/999999/erase", headers=f.as_role(client, db, Role.HQ_ADMIN),
                           json={"reason": "asked"}).status_code == 404


class TestTiers:
    def test_tiers_and_benefits_are_published(self, client, db):
        tiers = client.get("/api/v1/members/tiers", headers=_client(db)).json()
        assert [(t["code"], t["min_spend_fen"], t["free_delivery"]) for t in tiers] == [
            ("regular", 0, False), ("silver", 200_000, False), ("gold", 800_000, True), ("diamond", 2_000_000, True)]

    def test_recomputed_spend_sets_the_tier_shown_in_the_member_view(self, client, db):
        from zhongtai.members import service

        member = f.member(db, phone=f.phone())
        service.recompute_tier(db, member_id=member.id, spend_fen=850_000)
        db.commit()
        tier = _get(client, f.as_role(client, db, Role.HQ_ADMIN), member.id)["tier"]
        assert (tier["code"], tier["free_delivery"], tier["points_multiplier"]) == ("gold", True, "1.5")
        assert (tier["next_tier"], tier["to_next_tier_fen"]) == ("diamond", 1_150_000)
        assert _events(db, "members.tier_changed")[0]["tier"] == "gold"
