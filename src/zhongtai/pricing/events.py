"""Facts the pricing domain publishes (none: a quote changes nothing)."""
