"""Detectors that turn data into signals, and the drafting of insights from those signals."""
