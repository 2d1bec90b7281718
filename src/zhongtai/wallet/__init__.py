"""Stored value (储值) with principal and bonus kept apart, and gift cards (礼品卡)."""
