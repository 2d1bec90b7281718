"""The finance view publishes no events."""
