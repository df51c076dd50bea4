"""Rate limits (Flask-Limiter): per client IP, and per influencer link.

Counters live in memory by default, which holds only inside one process:
``widget-server serve`` then runs a single worker with threads (see
:func:`storage_is_shared`). With ``DOTS_RATELIMIT_STORAGE_URL=redis://…`` the
counters are shared by any number of workers and instances. Behind a load
balancer also set ``DOTS_PROXY_HOPS`` so the client IP is read from
``X-Forwarded-For``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, current_app, g
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.storage import MemoryStorage
from werkzeug.middleware.proxy_fix import ProxyFix

from widget_server.config import RATE_LIMITS, SETTINGS
from widget_server.errors import ApiError
from widget_server.influencers.auth import bearer_token
from widget_server.influencers.tokens import read_link_token

F = TypeVar("F", bound=Callable[..., Any])


def _locked(method: F) -> F:
    @wraps(method)
    def call(self: LockedMemoryStorage, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            return method(self, *args, **kwargs)

    return call  # type: ignore[return-value]


class LockedMemoryStorage(MemoryStorage):
    """``memory://`` counters that stay exact when threads of one process count at once.

    limits' own memory storage reads, counts and schedules its expiry timer
    under per-key locks that it also drops and recreates: with threads at once
    it loses increments (18 of 3,200 in a measured burst, so more requests pass
    than the limit) and may start one timer thread twice (a 500). ``serve``
    runs one worker with threads on this storage, so every operation here takes
    one lock. Registering the ``memory`` scheme makes ``memory://`` mean this.
    """

    STORAGE_SCHEME = ["memory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        self.lock = threading.RLock()
        self._next_sweep = 0.0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 (limits' private name)
        """Drop expired counters inline, at most once a second, instead of in a new thread.

        limits starts a 10 ms ``Timer`` thread on a count whenever the last
        one has ended: under steady traffic, a thread start (and a wait for
        it to be scheduled) every few requests, the largest part of what a
        limited call cost on a busy machine. Reads already ignore an expired
        counter (``get``), so the sweep only frees memory; it runs under the
        lock the caller holds.
        """
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + 1.0
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]

    incr = _locked(MemoryStorage.incr)
    decr = _locked(MemoryStorage.decr)
    get = _locked(MemoryStorage.get)
    get_expiry = _locked(MemoryStorage.get_expiry)
    clear = _locked(MemoryStorage.clear)
    reset = _locked(MemoryStorage.reset)
    acquire_entry = _locked(MemoryStorage.acquire_entry)
    get_moving_window = _locked(MemoryStorage.get_moving_window)
    acquire_sliding_window_entry = _locked(MemoryStorage.acquire_sliding_window_entry)
    get_sliding_window = _locked(MemoryStorage.get_sliding_window)
    clear_sliding_window = _locked(MemoryStorage.clear_sliding_window)


limiter = Limiter(key_func=get_remote_address, headers_enabled=True)

#: The default limits, by config key. Each is read from the app's config when it
#: applies, and set by its ``DOTS_RATELIMIT_*`` variable (``widget_server.config``
#: says what each limits and checks the value at start-up). Flask-Limiter keeps
#: one global state per limiter, so tests, load runs and the browser tests raise
#: these instead of switching limiting off (which would switch it off for every app).
DEFAULT_LIMITS = {key: SETTINGS[key][1] for key in RATE_LIMITS}


def configured(key: str) -> Callable[[], str]:
    """A limit that Flask-Limiter reads from ``app.config[key]`` when it applies."""
    return lambda: current_app.config[key]


PER_TOKEN_SUBMIT = configured("RATELIMIT_SUBMIT_PER_TOKEN")
PER_IP_SUBMIT = configured("RATELIMIT_SUBMIT_PER_IP")
PER_IP_READ = configured("RATELIMIT_READ_PER_IP")
PER_IP_SIGN_IN = configured("RATELIMIT_SIGN_IN_PER_IP")
PER_IP_APPLY = configured("RATELIMIT_APPLY_PER_IP")
PER_STORE_KEY = configured("RATELIMIT_STORE_PER_KEY")
PER_USER_MESSAGES = configured("RATELIMIT_MESSAGES_PER_USER")


def user_key() -> str:
    """Rate-limit key of the signed-in brand user (``user:<id>``), else the client's IP."""
    user = g.get("user")
    return f"user:{user.id}" if user is not None else f"ip:{get_remote_address()}"


def token_key() -> str:
    """Rate-limit key of the link a bearer token names: ``link:<id>``.

    Keyed on the link id, never the token string, so respelling a token cannot
    buy a fresh counter. Runs before the view, so the token is read without the
    database (signature and canonical spelling only). A token that does not
    verify gets its caller's IP as key instead: it can neither spend a real
    link's allowance nor escape the per-IP limits.
    """
    token = bearer_token()
    if token:
        try:
            link_id, _nonce = read_link_token(token)
        except ApiError:
            pass
        else:
            return f"link:{link_id}"
    return f"no-link:{get_remote_address()}"


#: Storage schemes whose counters every process and instance can reach.
SHARED_SCHEMES = ("redis", "rediss", "redis+sentinel", "redis+cluster", "memcached", "valkey")


def storage_is_shared(url: str) -> bool:
    """True when rate-limit counters in ``url`` are seen by every process.

    ``memory://`` lives inside one process: two gunicorn workers would each
    count separately and so double every limit.
    """
    return urlsplit(url).scheme.lower() in SHARED_SCHEMES


def describe_storage(url: str) -> str:
    """``url`` for a start-up line, without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return parts._replace(netloc=user + netloc).geturl()


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
    limiter.init_app(app)
    if not _limits_outside_views():
        # Flask-Limiter's before-request pass only applies limits that are
        # not on a view (default, application, blueprint and meta limits);
        # every limit here is on its view and checked by its decorator. The
        # pass would cost every call for nothing.
        app.before_request_funcs[None].remove(limiter._check_request_limit)


def _limits_outside_views() -> bool:
    """Whether any limit needs Flask-Limiter's before-request pass (none does today)."""
    manager = limiter.limit_manager
    return bool(
        manager._default_limits
        or manager._application_limits
        or manager._blueprint_limits
        or limiter._meta_limits
    )
