"""Facts the staff domain publishes."""

from __future__ import annotations

from zhongtai.kernel.outbox import Event


class UserCreated(Event):
    event_type = "staff.user_created"
    user_id: int
    username: str
    role: str
    store_ids: list[int]


class ApiClientCreated(Event):
    event_type = "staff.api_client_created"
    client_id: int
    code: str
    kind: str
    scopes: list[str]
