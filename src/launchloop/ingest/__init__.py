"""Ingestion: the native, PostHog and Segment formats, validation, the group-commit writer."""
