"""The event catalogue is read from the code: every Event class of every domain, with a schema its example
satisfies, and docs/events.md is exactly what the code generates."""

from __future__ import annotations

from pathlib import Path

from zhongtai.kernel import catalogue
from zhongtai.kernel.outbox import Event
from zhongtai.registry import DOMAINS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def _declared_event_types() -> set[str]:
    import importlib

    found = set()
    for d in DOMAINS:
        try:
            module = importlib.import_module(f"zhongtai.{d}.events")
        except ModuleNotFoundError:
            continue
        found |= {c.event_type for c in vars(module).values()
                  if isinstance(c, type) and issubclass(c, Event) and c is not Event}
    return found


class TestCatalogue:
    def test_lists_every_event_type_the_domains_declare(self):
        names = catalogue.event_types()
        assert set(names) == _declared_event_types() and names == sorted(names)
        assert {"orders.order_placed", "stores.store_created", "loyalty.points_changed"} <= set(names)

    def test_every_example_is_a_valid_payload_of_its_type(self):
        for entry in catalogue.catalogue():
            entry.model.model_validate(entry.example)
            assert set(entry.example) == set(entry.schema["properties"])

    def test_every_entry_has_a_schema_a_description_and_a_subject(self):
        entry = catalogue.find("orders.order_placed")
        assert entry.schema["title"] == "orders.order_placed" and "store_id" in entry.schema["required"]
        assert entry.description and entry.subject() == "zhongtai.orders.order_placed"
        assert entry.subject("acme") == "acme.orders.order_placed"
        assert catalogue.find("orders.nope") is None

    def test_a_docstring_is_the_description(self):
        assert catalogue.find("members.member_erased").description.startswith("Other domains remove")


class TestDocs:
    def test_docs_events_md_is_up_to_date_with_the_code(self):
        expected = catalogue.to_markdown(catalogue.catalogue())
        assert DOCS.read_text(encoding="utf-8") == expected, (
            "docs/events.md is stale: run `zhongtai events catalogue --markdown -o docs/events.md`")

    def test_docs_name_the_nats_subjects(self):
        text = DOCS.read_text(encoding="utf-8")
        assert "`zhongtai.orders.order_placed`" in text and "zhongtai.<domain>.<event>" in text


class TestNatsSubjects:
    """With default settings the relay publishes each event on `zhongtai.<domain>.<event>` (the real JetStream
    round trip, with a test prefix, is in tests/integration/test_outbox.py)."""

    def test_default_prefix_gives_zhongtai_domain_event(self):
        import asyncio

        from zhongtai.config import Settings
        from zhongtai.kernel.nats import JetStreamPublisher

        prefix = Settings(_env_file=None).nats_subject_prefix
        sent: list[str] = []

        class Stream:
            async def publish(self, subject, data, headers):
                sent.append(subject)

        publisher = JetStreamPublisher.__new__(JetStreamPublisher)  # no connection: only the subject is checked
        publisher.prefix, publisher._js = prefix, Stream()
        publisher._call = asyncio.run
        for entry in catalogue.catalogue():
            publisher.publish(entry.name, b"{}", msg_id="x")
        assert sent == [e.subject() for e in catalogue.catalogue()]
        assert sent and all(s == f"zhongtai.{e.domain}.{e.name.split('.', 1)[1]}"
                            for s, e in zip(sent, catalogue.catalogue(), strict=True))
