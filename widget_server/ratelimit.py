"""Rate limits (Flask-Limiter): per client IP, and per link token.

Counters live in memory by default, which is right for one process; with
several instances set ``DOTS_RATELIMIT_STORAGE_URL=redis://…`` so they share
them. Behind a load balancer also set ``DOTS_PROXY_HOPS`` so the client IP is
read from ``X-Forwarded-For``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

from widget_server.influencers.auth import bearer_token

limiter = Limiter(key_func=get_remote_address, headers_enabled=True)

#: The limits, read from the app's config on each request. Flask-Limiter keeps
#: one global state per limiter, so tests and load runs raise these instead of
#: switching limiting off (which would switch it off for every app).
DEFAULT_LIMITS = {
    # Submissions per link token: a person sends a few requests, not dozens.
    "RATELIMIT_SUBMIT_PER_TOKEN": "10/minute;60/day",
    # Submissions per client IP: several influencers may share an office network.
    "RATELIMIT_SUBMIT_PER_IP": "30/minute",
    # Session checks and reads per client IP.
    "RATELIMIT_READ_PER_IP": "120/minute",
    # Sign-in attempts per client IP.
    "RATELIMIT_SIGN_IN_PER_IP": "10/minute",
}


def configured(key: str) -> Callable[[], str]:
    """A limit that Flask-Limiter reads from ``app.config[key]`` when it applies."""
    return lambda: current_app.config[key]


PER_TOKEN_SUBMIT = configured("RATELIMIT_SUBMIT_PER_TOKEN")
PER_IP_SUBMIT = configured("RATELIMIT_SUBMIT_PER_IP")
PER_IP_READ = configured("RATELIMIT_READ_PER_IP")
PER_IP_SIGN_IN = configured("RATELIMIT_SIGN_IN_PER_IP")


def token_key() -> str:
    """Rate-limit key of the bearer token (hashed: keys may be stored in Redis)."""
    token = bearer_token() or ""
    return "token:" + hashlib.sha256(token.encode()).hexdigest()[:24]


F = TypeVar("F", bound=Callable[..., Any])


def limit_writes(view: F) -> F:
    """The limits of every widget endpoint that writes: per client IP and per link token.

    Sending a request, withdrawing one and stating an account all count
    separately (each endpoint has its own counters).
    """
    per_token = limiter.limit(PER_TOKEN_SUBMIT, key_func=token_key)
    return limiter.limit(PER_IP_SUBMIT)(per_token(view))  # type: ignore[return-value]


def init_app(app: Flask) -> None:
    """Configure storage from ``DOTS_RATELIMIT_STORAGE_URL`` and trust proxies if told."""
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "dots")
    for key, value in DEFAULT_LIMITS.items():
        app.config.setdefault(key, value)
    limiter.init_app(app)
