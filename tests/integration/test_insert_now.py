"""`db.session.insert_now`: new ORM objects written with Core statements at once, then attached to the
session as if loaded, with their column defaults applied and nothing left to read back."""

from __future__ import annotations

from sqlalchemy import event, select

from zhongtai.db.session import insert_now
from zhongtai.kernel.outbox import OutboxEvent


def test_rows_are_written_with_defaults_and_the_objects_stay_usable(db):
    first, second = OutboxEvent(event_type="t.one", payload={"n": 1}), OutboxEvent(event_type="t.two", payload={})
    insert_now(db, [first, second])
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_rest):
        statements.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        # every column was set (defaults included): reading them sends nothing to the database
        assert first.id is not None and first.attempts == 0 and first.occurred_at is not None
        assert first.dispatched_at is None and second.payload == {}
        assert statements == []
        first.attempts = 3  # attached as persistent: a change is an UPDATE at the next flush
        db.flush()
        assert [s for s in statements if s.lstrip().upper().startswith("UPDATE")]
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    db.commit()
    rows = {r.event_type: r for r in db.scalars(select(OutboxEvent).where(OutboxEvent.event_type.like("t.%")))}
    assert rows["t.one"].attempts == 3 and rows["t.one"].payload == {"n": 1} and rows["t.two"].attempts == 0
