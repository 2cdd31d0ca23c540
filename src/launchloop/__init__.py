"""launchloop: turn every product launch into a learning loop."""

__version__ = "0.1.0"
