"""`zhongtai webhooks …` and `zhongtai events catalogue` as an operator runs them."""

from __future__ import annotations

from sqlalchemy import select

from tests import factories as f
from tests.integration.test_webhooks import Receiver, relay, verify_signature
from zhongtai.kernel import catalogue
from zhongtai.webhooks import service
from zhongtai.webhooks.models import WebhookDelivery
from zhongtai.webhooks.schemas import SubscriptionCreate


def subscribe(db, url: str, **extra):
    sub = service.create(db, principal=f.SYSTEM, sub_in=SubscriptionCreate(
        name="BI feed", url=url, event_types=["stores.store_created"], **extra))
    db.commit()
    return sub


class TestDeliver:
    def test_deliver_once_sends_what_is_due_signed(self, zt, db, engine, settings):
        receiver = Receiver()
        try:
            sub = subscribe(db, receiver.url)
            f.store(db)
            relay(engine, settings, db)
            out = zt("webhooks", "deliver", "--once").stdout
            assert "attempted 1: delivered 1" in out
            (headers, body, _), = receiver.requests
            assert verify_signature(sub.secret, headers, body)
        finally:
            receiver.close()

    def test_list_and_replay_dead_letters(self, zt, db, engine, settings):
        receiver = Receiver(fail=1)
        try:
            sub = subscribe(db, receiver.url, max_attempts=1)
            f.store(db)
            relay(engine, settings, db)
            assert "dead 1" in zt("webhooks", "deliver", "--once").stdout
            listed = zt("webhooks", "list").stdout
            assert "BI feed" in listed and receiver.url in listed
            assert "requeued 1 deliveries" in zt("webhooks", "replay", str(sub.id)).stdout
            assert "delivered 1" in zt("webhooks", "deliver", "--once").stdout
            db.rollback()
            assert db.scalar(select(WebhookDelivery.status)) == "delivered"
        finally:
            receiver.close()

    def test_replaying_an_unknown_subscription_is_a_clean_error(self, zt):
        proc = zt("webhooks", "replay", "999", ok=False)
        assert proc.returncode == 2 and "webhook_subscription_not_found" in proc.stderr, proc.stdout + proc.stderr


class TestCatalogueCommand:
    def test_markdown_is_the_generated_document(self, zt, tmp_path):
        assert zt("events", "catalogue", "--markdown").stdout == catalogue.to_markdown(catalogue.catalogue())
        target = tmp_path / "events.md"
        zt("events", "catalogue", "--markdown", "-o", str(target))
        assert target.read_text(encoding="utf-8") == catalogue.to_markdown(catalogue.catalogue())

    def test_table_lists_the_types_and_subjects(self, zt):
        out = zt("events", "catalogue").stdout
        assert "orders.order_placed" in out and "zhongtai.orders.order_placed" in out
