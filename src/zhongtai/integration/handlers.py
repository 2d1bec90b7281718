"""Reactions of the integration domain to other domains' events: none yet (inbound data drives the
other domains through their services; it does not listen to them)."""

from __future__ import annotations
