"""Facts the webhooks domain publishes (none: deliveries are themselves the outbound side of events, and an
event about a delivery would be delivered to the same partners, a loop)."""
