"""Serving the browser code: the loader, the overlay bundle and the request panel."""
