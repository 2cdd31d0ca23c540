"""``python -m launchloop`` runs the command line."""

from launchloop.cli import main

main()
