"""Pricing: one engine for the till, the app and the order flow (line prices, markdowns, coupons, points)."""
