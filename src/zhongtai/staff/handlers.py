"""Reactions of the staff domain to other domains' events (none yet)."""
