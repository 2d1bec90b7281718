"""Facts the staff domain publishes."""

from __future__ import annotations

from zhongtai.kernel.outbox import Event


class UserCreated(Event):
    """A staff user was created with a role and stores."""

    event_type = "staff.user_created"
    user_id: int
    username: str
    role: str
    store_ids: list[int]


class ApiClientCreated(Event):
    """A connected system (API client) was registered with scopes and stores."""

    event_type = "staff.api_client_created"
    client_id: int
    code: str
    kind: str
    scopes: list[str]
