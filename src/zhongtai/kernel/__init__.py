"""Small shared kernel: errors, ids, clock, money, outbox, auth primitives. Imports no domain."""
