"""Pure staff rules: which roles need stores, who may manage whom."""

from __future__ import annotations

from zhongtai.kernel.auth import Role


def needs_stores(role: Role) -> bool:
    """Store managers and guides work in stores; head office sees the whole chain."""
    return role in (Role.STORE_MANAGER, Role.GUIDE)


def may_manage(actor_role: Role | None, target_role: Role) -> bool:
    """Head office manages everyone; a store manager manages guides of their own stores."""
    if actor_role == Role.HQ_ADMIN:
        return True
    return actor_role == Role.STORE_MANAGER and target_role == Role.GUIDE
