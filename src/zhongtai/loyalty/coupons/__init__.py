"""Coupons: templates, issuance (campaign, event, guide, claim code), exactly-once redemption, restoration."""
