"""The hot routers are matched first; that must never change which endpoint a request reaches."""

from __future__ import annotations

import re

from zhongtai.registry import HOT_ROUTERS, ROUTERS


def _pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")


def test_no_route_of_a_hot_router_overlaps_a_route_of_another_router():
    routes = [(r.endpoint.__module__.split(".")[1], r) for router in ROUTERS() for r in router.routes
              if getattr(r, "methods", None)]
    assert {domain for domain, _ in routes} >= set(HOT_ROUTERS)
    clashes = [(a.path, b.path) for da, a in routes for db, b in routes
               if da != db and da in HOT_ROUTERS and set(a.methods) & set(b.methods)
               and (_pattern(a.path).match(b.path) or _pattern(b.path).match(a.path))]
    assert clashes == []


def test_the_hot_routers_come_first():
    first = [next(r for r in router.routes if getattr(r, "methods", None)).endpoint.__module__.split(".")[1]
             for router in ROUTERS()[:len(HOT_ROUTERS)]]
    assert first == list(HOT_ROUTERS)
