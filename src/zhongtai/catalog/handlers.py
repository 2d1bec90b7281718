"""Reactions of the catalogue to other domains' events (none yet)."""
