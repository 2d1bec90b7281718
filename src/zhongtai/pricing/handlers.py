"""Reactions of the pricing domain to other domains' events (none: prices are read when quoting)."""
