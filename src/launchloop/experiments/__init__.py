"""Experiments from events: exposures and metrics read from the store, then the statistics."""
