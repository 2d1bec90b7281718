"""Loyalty: the points ledger and coupons.

Points (`models`, `policies`, `service`): an account per member (its balance, and the lock every change takes
first) and an append-only ledger whose positive entries are lots spent and expired first-in-first-out;
earned on `orders.order_completed`, taken back pro rata on `orders.return_received` (spent points leave a
debt, see `policies`), given back on `orders.order_cancelled`, moved on `members.member_merged`.
Coupons (`coupons/`): templates, issuance by campaign, trigger, guide or claim code, redemption once.
Pricing (`zhongtai.pricing`) reads both through the services to quote a cart.
"""
