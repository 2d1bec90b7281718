"""Reactions of the members domain to other domains' events (none yet: orders will call `recompute_tier`)."""
