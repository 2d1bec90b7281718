"""The console's customer pages through HTTP: member search and the Customer 360, masked for store staff,
with head office's logged reveal of a phone number."""

from __future__ import annotations

import re

import pytest

from tests import factories as f
from tests.api.test_console import csrf_token, signed_in_as
from tests.api.test_console_orders import HTML, HX, open_shop, place, section, text
from zhongtai.kernel.auth import Role
from zhongtai.members import service as members

PHONE = "13812345678"


def listed(html: str) -> list[str]:
    return re.findall(r'<tr data-member-id="\d+" data-member-no="([^"]+)"', html)


def reveal(client, member, purpose: str, headers=HX):
    token = csrf_token(client, f"/console/members/{member.id}")
    return client.post(f"/console/members/{member.id}/reveal", data={"csrf_token": token, "purpose": purpose},
                       headers=headers)


@pytest.fixture
def shop(client, db):
    return open_shop(db)


@pytest.fixture
def people(db, shop):
    """A member of each store; the far store's has a similar name."""
    near = f.member(db, phone=PHONE, store=shop["near"], name="王芳")
    far = f.member(db, phone="13987654321", store=shop["far"], name="王芳芳")
    return near, far


class TestMemberSearch:
    def test_finds_by_exact_phone_and_shows_it_masked(self, client, db, shop, people):
        near, _far = people
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["near"]])
        resp = client.get("/console/members", params={"q": "138-1234-5678"}, headers=HTML)
        assert resp.status_code == 200 and "<h1>顾客</h1>" in resp.text
        assert listed(resp.text) == [near.member_no] and 'data-by="phone"' in resp.text
        assert "138****5678" in resp.text and PHONE not in resp.text.replace("138-1234-5678", "")
        assert listed(client.get("/console/members", params={"q": "13812345679"}).text) == []

    def test_a_partial_phone_number_is_not_searched(self, client, db, shop, people):
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["near"]])
        page = client.get("/console/members", params={"q": "1381234"}).text
        assert listed(page) == [] and 'data-by="partial_phone"' in page and "手机号须完整输入 11 位" in page

    def test_finds_by_member_number_or_name_within_the_managers_stores(self, client, db, shop, people):
        near, far = people
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["near"]])
        by_number = client.get("/console/members", params={"q": near.member_no.lower()}).text
        assert listed(by_number) == [near.member_no]
        assert listed(client.get("/console/members", params={"q": far.member_no}).text) == []
        by_name = client.get("/console/members", params={"q": "王芳"}).text
        assert listed(by_name) == [near.member_no] and 'data-by="name"' in by_name
        assert listed(client.get("/console/members").text) == [near.member_no]

    def test_head_office_finds_members_of_every_store(self, client, db, shop, people):
        near, far = people
        signed_in_as(client, db, Role.HQ_ADMIN)
        found = client.get("/console/members", params={"q": "王芳"}).text
        assert listed(found) == [far.member_no, near.member_no]

    def test_says_so_when_nobody_matches(self, client, db, shop, people):
        signed_in_as(client, db, Role.GUIDE, [shop["near"]])
        assert "没有找到会员" in client.get("/console/members", params={"q": "李"}).text


class TestCustomer360:
    def test_manager_sees_the_member_masked_without_a_reveal_button(self, client, db, shop, people):
        near, _far = people
        members.set_consent(db, member_id=near.id, purpose="marketing_messages", granted=True, channel="pos",
                            actor="tests")
        db.commit()
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["near"]])
        resp = client.get(f"/console/members/{near.id}", headers=HTML)
        assert resp.status_code == 200 and "王芳" in resp.text and near.member_no in resp.text
        assert "138****5678" in resp.text and PHONE not in resp.text
        assert "普通会员" in resp.text and 'id="reveal-phone"' not in resp.text
        assert 'data-purpose="marketing_messages" data-granted="yes"' in resp.text
        assert 'data-purpose="wecom_contact" data-granted="no"' in resp.text and "未询问" in resp.text

    def test_another_stores_member_is_a_404_page(self, client, db, shop, people):
        _near, far = people
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["near"]])
        resp = client.get(f"/console/members/{far.id}", headers=HTML)
        assert resp.status_code == 404 and "会员不存在，或你无权查看" in resp.text
        assert far.member_no not in resp.text

    def test_lists_the_members_orders_across_channels(self, client, db, shop, people):
        near, _far = people
        by_app = place(client, shop, member_id=near.id)
        by_mini = place(client, shop, mode="pickup", store=shop["near"], channel="mini_program",
                        member_id=near.id)
        someone_else = place(client, shop)
        signed_in_as(client, db, Role.GUIDE, [shop["near"]])
        page = client.get(f"/console/members/{near.id}").text
        orders = section(page, "member-orders")
        assert by_app["number"] in orders and by_mini["number"] in orders
        assert someone_else["number"] not in orders
        assert re.findall(r'data-channel="([^"]+)">', orders)[:2] == ["app", "mini_program"]
        assert "App 1" in text(orders) and "小程序 1" in text(orders)

    def test_links_to_all_the_members_orders_when_there_are_many(self, client, db, shop, people, monkeypatch):
        from zhongtai.web import members_view

        near, _far = people
        monkeypatch.setattr(members_view, "RECENT_ORDERS", 1)
        numbers = [place(client, shop, member_id=near.id)["number"] for _ in range(2)]
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["near"]])
        page = client.get(f"/console/members/{near.id}").text
        assert f'href="/console/orders?member={near.id}"' in page and "查看全部 2 单" in page
        listing = client.get("/console/orders", params={"member": near.id}).text
        assert all(n in listing for n in numbers) and f"仅显示会员 #{near.id} 的订单" in listing

    def test_shows_a_merge(self, client, db, shop):
        kept = f.member(db, phone=PHONE, store=shop["near"], name="王芳")
        other = f.member(db, store=shop["near"], name="王芳")
        members.merge_pair(db, member_ids=[kept.id, other.id], actor="user:tests")
        db.commit()
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["near"]])
        page = client.get(f"/console/members/{kept.id}").text
        merges = section(page, "member-merges")
        assert "本会员" in merges and f"#{other.id}" in merges and "user:tests" in merges
        merged = client.get(f"/console/members/{other.id}").text
        assert 'id="member-merged"' in merged and f'href="/console/members/{kept.id}"' in merged


class TestRevealPhone:
    def test_head_office_sees_the_number_and_the_read_is_logged(self, client, db, shop, people):
        near, _far = people
        signed_in_as(client, db, Role.HQ_ADMIN)
        page = client.get(f"/console/members/{near.id}").text
        assert 'id="reveal-phone"' in page and PHONE not in page
        resp = reveal(client, near, "顾客来电核实订单")
        assert resp.status_code == 200 and resp.text.lstrip().startswith('<div id="phone-reveal"')
        assert PHONE in resp.text and "本次查看已记录（用途：顾客来电核实订单）" in resp.text
        log = members.access_log(db, member_id=near.id)
        assert [(a.field, a.purpose, a.actor_kind) for a in log] == [("phone", "顾客来电核实订单", "user")]

    def test_a_purpose_is_required(self, client, db, shop, people):
        near, _far = people
        signed_in_as(client, db, Role.HQ_ADMIN)
        resp = reveal(client, near, " ")
        assert resp.status_code == 422 and "请填写查看用途" in resp.text and PHONE not in resp.text
        assert members.access_log(db, member_id=near.id) == []

    def test_a_manager_may_not_reveal(self, client, db, shop, people):
        near, _far = people
        signed_in_as(client, db, Role.STORE_MANAGER, [shop["near"]])
        resp = reveal(client, near, "想看看")
        assert resp.status_code == 403 and "你的角色不能查看完整个人信息" in resp.text
        assert PHONE not in resp.text
        assert members.access_log(db, member_id=near.id) == []

    def test_without_javascript_the_page_comes_back_with_the_number(self, client, db, shop, people):
        near, _far = people
        signed_in_as(client, db, Role.HQ_ADMIN)
        resp = reveal(client, near, "售后回访", headers=HTML)
        assert resp.status_code == 200 and "<html" in resp.text
        assert PHONE in resp.text and "已记录" in resp.text

    def test_needs_the_csrf_token(self, client, db, shop, people):
        near, _far = people
        signed_in_as(client, db, Role.HQ_ADMIN)
        resp = client.post(f"/console/members/{near.id}/reveal", data={"purpose": "核实"}, headers=HX)
        assert resp.status_code == 403 and members.access_log(db, member_id=near.id) == []
