"""The finance view has no SQL of its own: each ledger's domain sums its movements by month (its service)."""
