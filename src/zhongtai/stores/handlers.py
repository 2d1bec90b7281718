"""Reactions of the stores domain to other domains' events (none yet)."""
