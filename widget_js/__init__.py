"""Browser code of Dots, shipped as package data and served by widget_server."""
