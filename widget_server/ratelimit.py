"""Rate limits (Flask-Limiter): per client IP, and per link token.

Counters live in memory by default, which is right for one process; with
several instances set ``DOTS_RATELIMIT_STORAGE_URL=redis://…`` so they share
them. Behind a load balancer also set ``DOTS_PROXY_HOPS`` so the client IP is
read from ``X-Forwarded-For``.
"""

from __future__ import annotations

import hashlib

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

from widget_server.influencers.auth import bearer_token

limiter = Limiter(key_func=get_remote_address, headers_enabled=True)

#: Submissions per link token (a person sends a few requests, not dozens).
PER_TOKEN_SUBMIT = "10/minute;60/day"
#: Submissions per client IP (several influencers may share an office network).
PER_IP_SUBMIT = "30/minute"
#: Reads and session checks per client IP.
PER_IP_READ = "120/minute"


def token_key() -> str:
    """Rate-limit key of the bearer token (hashed: keys may be stored in Redis)."""
    token = bearer_token() or ""
    return "token:" + hashlib.sha256(token.encode()).hexdigest()[:24]


def init_app(app: Flask) -> None:
    """Configure storage from ``DOTS_RATELIMIT_STORAGE_URL`` and trust proxies if told."""
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "dots")
    limiter.init_app(app)
