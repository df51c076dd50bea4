"""The bare Flask routes the throughput bench compares Dots with (bench/throughput.py).

Each does the same job as a Dots endpoint with nothing else: no database, no
validation, no hooks. Served by the same gunicorn settings in the same run,
they are what "as fast as Flask can be here" means on this machine.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, request

from widget_server.widget.assets import build_bundle, js_root

app = Flask(__name__)
_LOADER = build_bundle(js_root()).loader


@app.get("/static")
def static_bytes() -> Response:
    """The loader's brotli bytes, as they are (the job of ``GET /v1/dots.js``)."""
    response = Response(_LOADER.brotli, content_type=_LOADER.content_type)
    response.headers["Content-Encoding"] = "br"
    return response


@app.post("/json")
def json_echo() -> Response:
    """Parse a JSON body, answer JSON (the job of ``POST /v1/session`` and ``/v1/requests``)."""
    return jsonify(request.get_json())


@app.get("/query")
def query_echo() -> Response:
    """Read query arguments, answer JSON (the job of ``GET /v1/products``)."""
    return jsonify(request.args.to_dict())
