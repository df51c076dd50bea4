"""Inviting influencers from the browser: invitations, the open invitation, auto-accept.

A brand invites someone by email (or a CSV of people), manages each link
(revoke, extend, send again), and posts one open invitation link
(``/apply/<slug>``) where anyone may apply; confirmed applications wait on the
Influencers page for Accept or Decline, or are accepted at once by the
brand's auto-accept rules. Everything reuses the influencer services, the one
outbox and the review site's sign-in, CSRF and brand-scoped lookups.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Hang the console pages under /review and serve the public /apply pages.

    Runs before the review blueprint is registered: the console pages are a
    blueprint nested in it, so they share its sign-in, CSRF and error pages.
    """
    from widget_server.invitations import apply, console, rules
    from widget_server.review.routes import bp as review_bp

    nested = [child for child, _options in review_bp._blueprints]
    for child in (console.bp, rules.bp):
        # Blueprints live as long as the process; apps (one per test) come and go.
        if child not in nested:
            review_bp.register_blueprint(child)
    app.register_blueprint(apply.bp)
