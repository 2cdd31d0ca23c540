"""Experiment statistics over sufficient statistics, in agreement with GrowthBook's gbstats.

Pure functions: the store computes per-variant counts, sums and sums of squares; these modules
turn them into lifts, intervals, p-values, chances to win, SRM checks, corrections and power.
"""
