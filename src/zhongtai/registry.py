"""Where the app finds every domain's router and event handlers (imported lazily, no cycles)."""

from __future__ import annotations

import importlib

from fastapi import APIRouter

DOMAINS = ("staff", "stores", "catalog", "inventory", "orders", "members", "loyalty", "pricing", "webhooks",
           "wallet", "finance", "integration")
MODEL_MODULES = ("zhongtai.kernel.outbox", "zhongtai.kernel.idempotency",
                 *(f"zhongtai.{d}.models" for d in DOMAINS), "zhongtai.integration.links")


# Routers whose endpoints every till and app call on each sale go first: a request is matched against the
# routes in order (about 1-2 µs a route), and a quote behind a hundred console and admin routes paid ~0.2 ms
# for it. Safe because none of their paths overlaps another router's (tests/unit/test_registry.py).
HOT_ROUTERS = ("pricing", "orders", "inventory")


def ROUTERS() -> list[APIRouter]:
    order = [*HOT_ROUTERS, *(d for d in DOMAINS if d not in HOT_ROUTERS)]
    routers = [importlib.import_module(f"zhongtai.{d}.router").router for d in order]
    routers.append(importlib.import_module("zhongtai.integration.webhooks_in").router)  # signed order pushes
    routers.append(importlib.import_module("zhongtai.web.routes").router)
    return routers


def load_models() -> None:
    """Import every model module so Base.metadata knows every table."""
    for name in MODEL_MODULES:
        importlib.import_module(name)


def load_handlers() -> None:
    """Import every domain's handlers so their @handles registrations run."""
    load_models()
    for d in DOMAINS:
        importlib.import_module(f"zhongtai.{d}.handlers")


def JOBS():  # noqa: N802
    """Periodic jobs `serve` runs beside the outbox relay."""
    from zhongtai.inventory import service as inventory
    from zhongtai.kernel.jobs import Job

    from zhongtai.loyalty import service as loyalty
    from zhongtai.loyalty.coupons import service as coupons
    from zhongtai.orders import service as orders
    from zhongtai.wallet import service as wallet
    from zhongtai.webhooks import worker as webhooks

    return [Job("inventory.expire_reservations", lambda s: inventory.expire_due(s), every_seconds=15),
            Job("orders.cancel_no_shows", lambda s: orders.cancel_no_shows(s), every_seconds=60),
            Job("loyalty.expire_points", lambda s: loyalty.expire_due(s), every_seconds=3600),
            Job("loyalty.expire_coupons", lambda s: coupons.expire_due(s), every_seconds=3600),
            Job("loyalty.recompute_tiers", lambda s: loyalty.recompute_every_tier(s), every_seconds=86400),
            Job("wallet.expire_gift_cards", lambda s: wallet.expire_cards(s), every_seconds=3600),
            # Sends over HTTP, so it opens its own short transactions (the job's session stays unused).
            Job("webhooks.deliver", lambda s: webhooks.deliver_due(s.get_bind()), every_seconds=5)]
