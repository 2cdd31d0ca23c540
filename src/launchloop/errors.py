"""Core exceptions, mapped to HTTP statuses in ``web/errors.py`` and CLI messages in ``cli``."""

from __future__ import annotations


class LaunchloopError(Exception):
    """Base of every error launchloop raises on purpose."""


class NotFound(LaunchloopError):
    """The thing asked for does not exist (or belongs to another project)."""


class InvalidInput(LaunchloopError):
    """Input that breaks a rule; ``field`` names where."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class Unauthorized(LaunchloopError):
    """No key, or a key that no project has."""


class Forbidden(LaunchloopError):
    """A known caller whose role does not allow the operation."""


class OverCapacity(LaunchloopError):
    """The writer's queue is full: try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int = 1) -> None:
        super().__init__(f"over capacity, retry after {retry_after}s")
        self.retry_after = retry_after


class RateLimited(LaunchloopError):
    """A public key over its rate limit: try again after ``retry_after`` seconds (429)."""

    def __init__(self, retry_after: int = 1) -> None:
        super().__init__(f"rate limit exceeded, retry after {retry_after}s")
        self.retry_after = retry_after


class TooLarge(LaunchloopError):
    """A body, batch or event above the documented limits."""


class StorageFull(LaunchloopError):
    """The store cannot write (disk full); nothing of the request was acknowledged."""
