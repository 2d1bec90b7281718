"""The finance view reacts to no events: it reads the ledgers when asked."""
