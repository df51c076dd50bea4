"""Every model, imported in one place so Alembic and tests see the whole schema."""

from widget_server.analytics.models import SurveyAnswer
from widget_server.brands.models import Brand, BrandUser, ReviewSession
from widget_server.catalog.models import Product, Variant
from widget_server.console.models import AuditEntry, UserToken
from widget_server.db import Base
from widget_server.influencers.models import Influencer, InfluencerLink, SocialHandle
from widget_server.invitations.models import Application, ApplyRules
from widget_server.notifications.models import OutboxMessage, WebhookAttempt
from widget_server.product_requests.models import (
    ProductRequest,
    ReminderSent,
    RequestCount,
    RequestDayCount,
    RequestEvent,
    RequestItem,
    RequestMessage,
)
from widget_server.ratings.models import Rating

__all__ = [
    "Application",
    "ApplyRules",
    "AuditEntry",
    "Base",
    "Brand",
    "BrandUser",
    "Influencer",
    "InfluencerLink",
    "OutboxMessage",
    "Product",
    "ProductRequest",
    "Rating",
    "ReminderSent",
    "RequestCount",
    "RequestDayCount",
    "RequestEvent",
    "RequestItem",
    "RequestMessage",
    "ReviewSession",
    "SocialHandle",
    "SurveyAnswer",
    "UserToken",
    "Variant",
    "WebhookAttempt",
]
