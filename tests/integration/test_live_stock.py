"""The live stock feed: committed stock changes reach Server-Sent Event subscribers of that location."""

from __future__ import annotations

import asyncio
import json

from zhongtai.inventory.handlers import stock_topic
from zhongtai.kernel import live
from zhongtai.kernel.relay import Relay
from tests import factories as f


class TestLiveStock:
    def test_relay_pushes_stock_changes_to_subscribers(self, engine, settings, db):
        store, sku = f.store(db), f.catalog_sku(db)

        async def listen() -> list[str]:
            frames, stream = [], live.subscribe(stock_topic(store.id), heartbeat_seconds=5)
            frames.append(await stream.__anext__())  # retry hint: subscribed now
            f.stock(db, store, sku, 7)
            await asyncio.get_running_loop().run_in_executor(None, Relay(engine, settings, publisher=None).drain)
            frames.append(await asyncio.wait_for(stream.__anext__(), 5))
            await stream.aclose()
            return frames

        frames = asyncio.run(listen())
        event, data = frames[1].split("\n")[:2]
        assert event == "event: stock_changed"
        payload = json.loads(data.removeprefix("data: "))
        assert (payload["location_id"], payload["sku_id"], payload["on_hand"]) == (store.id, sku.id, 7)
        assert live.subscriber_count(stock_topic(store.id)) == 0

    def test_stream_endpoint_is_scoped(self, client, db):
        from zhongtai.kernel.auth import Role

        mine, other = f.store(db), f.store(db)
        headers = f.as_role(client, db, Role.STORE_MANAGER, [mine])
        assert client.get(f"/api/v1/locations/{other.id}/stock/stream", headers=headers).status_code == 404
