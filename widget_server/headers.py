"""Security headers, set in one place for every response.

- Every response: ``X-Content-Type-Options: nosniff``, and HSTS when the
  request came over https (``request.is_secure``, which honours
  ``X-Forwarded-Proto`` behind ``DOTS_PROXY_HOPS``) or the public URL is https.
- The brand's review pages (everything under ``/review``, error pages too)
  and the public application pages (``/apply``):
  a Content-Security-Policy without inline script or style that no one may
  frame (or a stricter one the view set), ``X-Frame-Options: DENY``,
  ``Referrer-Policy: same-origin``, and
  ``Cache-Control: no-store`` on pages and exports (they carry names, emails
  and addresses); the stylesheet alone may be cached.

The request panel (``/v1/panel``) is framed by the brand's store, so it keeps
the policy its view sets (``frame-ancestors`` = that store): nothing here sets
a frame or script policy outside ``/review``.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

#: One year; no ``includeSubDomains``: other hosts of the operator's domain are not ours to pin.
HSTS = "max-age=31536000"

#: Server-rendered pages of ours: the brand's review site and the public /apply pages.
_PAGE_PREFIXES = ("/review", "/apply")


def review_policy(secure: bool) -> str:
    """The review pages' CSP: our own files only, nothing inline, never framed.

    Product images come from the store's CDN, so any https image is allowed
    (and http ones only while the page itself is plain http, as in the demo).
    """
    images = "'self' data: https:" + ("" if secure else " http:")
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {images}",
            "font-src 'self'",
            "connect-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    )


def _served_securely() -> bool:
    return request.is_secure or str(current_app.config.get("PUBLIC_URL", "")).startswith("https://")


def _is_review_page() -> bool:
    path = request.path
    return any(path == prefix or path.startswith(prefix + "/") for prefix in _PAGE_PREFIXES)


def set_security_headers(response: Response) -> Response:
    """The ``after_request`` hook: see the module's docstring."""
    secure = _served_securely()
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if secure:
        response.headers["Strict-Transport-Security"] = HSTS
    if _is_review_page():
        # A view may set a stricter policy of its own (a served screenshot).
        response.headers.setdefault("Content-Security-Policy", review_policy(secure))
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        if request.endpoint != "review.static":
            response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Register the one hook that sets these headers."""
    app.after_request(set_security_headers)
