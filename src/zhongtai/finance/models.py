"""The finance view keeps no tables of its own: it is computed from the points, stored-value and gift-card
ledgers, so it always reconciles with them."""
