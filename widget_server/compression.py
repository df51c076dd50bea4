"""Compressed JSON answers.

An influencer's page view asks ``POST /v1/session`` for the page's products:
for a 200-product grid that is about 57 KB of JSON, and a few KB in brotli
or gzip. Only JSON is compressed here: the widget's scripts are precompressed
once (widget/assets.py, left alone because they carry Content-Encoding), and
HTML pages, which hold CSRF tokens next to what a visitor typed, are not
compressed at all (BREACH).
"""

from __future__ import annotations

from flask import Flask
from flask_compress import Compress

compress = Compress()


def init_app(app: Flask) -> None:
    """Compress JSON answers of 1 KB or more, as the client accepts (brotli, then gzip)."""
    app.config.setdefault("COMPRESS_MIMETYPES", ["application/json"])
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    # Fast levels: a session answer is compressed on every page view, and the
    # higher levels buy a few hundred bytes for several times the CPU.
    app.config.setdefault("COMPRESS_BR_LEVEL", 4)
    app.config.setdefault("COMPRESS_LEVEL", 6)
    app.config.setdefault("COMPRESS_MIN_SIZE", 1024)
    app.config.setdefault("COMPRESS_STREAMS", False)
    compress.init_app(app)
