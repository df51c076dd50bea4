"""``python -m widget_server`` is the ``widget-server`` command."""

from widget_server.cli import main

main()
