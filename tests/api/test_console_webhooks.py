"""The console's webhook pages through HTTP: head office sees subscriptions and each one's delivery log with
every attempt, and replays dead letters with a CSRF-protected form; store staff are refused."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.api.test_console import csrf_token, signed_in_as
from tests.integration.test_webhooks import Receiver, deliver, relay
from zhongtai.kernel.auth import Role
from zhongtai.webhooks import service
from zhongtai.webhooks.models import WebhookDelivery
from zhongtai.webhooks.schemas import SubscriptionCreate

HTML = {"Accept": "text/html"}


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def dead_letter(db, engine, settings, receiver):
    """A subscription whose one delivery died after two failed attempts (the receiver was down)."""
    sub = service.create(db, principal=f.SYSTEM, sub_in=SubscriptionCreate(
        name="会员系统同步", partner="CRM", url=receiver.url, event_types=["stores.*"], max_attempts=2))
    db.commit()
    f.store(db)
    relay(engine, settings, db)
    receiver.fail = 2
    deliver(engine, db)
    return sub


def statuses(html: str) -> list[str]:
    return re.findall(r'data-status="(\w+)"', html)


class TestSubscriptionsPage:
    def test_head_office_sees_subscriptions_with_counts_in_chinese(self, client, db, dead_letter):
        signed_in_as(client, db, Role.HQ_ADMIN)
        page = client.get("/console/webhooks", headers=HTML)
        assert page.status_code == 200 and "<h1>Webhook 订阅</h1>" in page.text
        assert "会员系统同步" in page.text and dead_letter.url in page.text
        assert re.search(r'data-count="dead">1<', page.text)
        assert 'href="/console/webhooks"' in page.text  # the nav entry

    def test_english_labels(self, client, db, dead_letter):
        signed_in_as(client, db, Role.HQ_ADMIN)
        token = csrf_token(client, "/console/webhooks")
        client.post("/console/locale", data={"csrf_token": token, "locale": "en", "next": "/console/webhooks"})
        assert "<h1>Webhooks</h1>" in client.get("/console/webhooks").text

    @pytest.mark.parametrize("role", [Role.STORE_MANAGER, Role.GUIDE])
    def test_store_staff_are_refused_and_have_no_nav_entry(self, client, db, role, dead_letter):
        shop = f.store(db)
        signed_in_as(client, db, role, [shop])
        resp = client.get("/console/webhooks", headers=HTML)
        assert resp.status_code == 403 and "仅总部可管理 Webhook" in resp.text
        assert client.get(f"/console/webhooks/{dead_letter.id}", headers=HTML).status_code == 403
        assert 'href="/console/webhooks"' not in client.get("/console/", headers=HTML).text


class TestDeliveryLog:
    def test_shows_each_delivery_with_its_attempts(self, client, db, dead_letter):
        signed_in_as(client, db, Role.HQ_ADMIN)
        page = client.get(f"/console/webhooks/{dead_letter.id}", headers=HTML).text
        assert statuses(page) == ["dead"] and "stores.store_created" in page
        assert page.count('data-ok="false"') == 2 and "partner is down" in page and "503" in page
        assert 'id="replay-dead"' in page and "重新投递 1 条死信" in page

    def test_filters_by_status(self, client, db, dead_letter):
        signed_in_as(client, db, Role.HQ_ADMIN)
        assert statuses(client.get(f"/console/webhooks/{dead_letter.id}?status=delivered").text) == []
        assert statuses(client.get(f"/console/webhooks/{dead_letter.id}?status=dead").text) == ["dead"]

    def test_unknown_subscription_is_404(self, client, db):
        signed_in_as(client, db, Role.HQ_ADMIN)
        assert client.get("/console/webhooks/987654", headers=HTML).status_code == 404


class TestReplay:
    def test_replaying_dead_letters_queues_them_and_they_are_delivered(self, client, db, engine, dead_letter,
                                                                       receiver):
        signed_in_as(client, db, Role.HQ_ADMIN)
        token = csrf_token(client, f"/console/webhooks/{dead_letter.id}")
        resp = client.post(f"/console/webhooks/{dead_letter.id}/replay-dead", data={"csrf_token": token},
                           follow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"].endswith(f"/{dead_letter.id}?replayed=1")
        page = client.get(resp.headers["location"]).text
        assert "已重新排队 1 条投递" in page and statuses(page) == ["pending"]
        assert deliver(engine, db).delivered == 1
        assert db.scalar(select(WebhookDelivery.status)) == "delivered"

    def test_replay_without_the_csrf_token_is_refused_and_changes_nothing(self, client, db, dead_letter):
        signed_in_as(client, db, Role.HQ_ADMIN)
        resp = client.post(f"/console/webhooks/{dead_letter.id}/replay-dead", data={}, headers=HTML)
        assert resp.status_code == 403
        db.rollback()
        assert db.scalar(select(WebhookDelivery.status)) == "dead"

    def test_replaying_a_pending_delivery_says_why_not(self, client, db, dead_letter):
        signed_in_as(client, db, Role.HQ_ADMIN)
        row = db.scalar(select(WebhookDelivery))
        token = csrf_token(client, f"/console/webhooks/{dead_letter.id}")
        path = f"/console/webhooks/{dead_letter.id}/deliveries/{row.id}/replay"
        assert client.post(path, data={"csrf_token": token}, follow_redirects=False).status_code == 303
        again = client.post(path, data={"csrf_token": token}, headers=HTML)
        assert again.status_code == 409 and "该投递仍在尝试中" in again.text
