"""Outbound webhooks: partners subscribe URLs to event types; every matching outbox event becomes a delivery
row in the relay's transaction (`handlers`), and a worker (`worker`) POSTs due deliveries signed with the
subscription's secret, retrying with backoff (`policies`) until delivered or dead-lettered. Every attempt
is logged; dead letters can be replayed. The event catalogue (`zhongtai.kernel.catalogue`) lists what can
be subscribed to.
"""
