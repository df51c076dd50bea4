"""Email notifications through a transactional outbox.

Services call :func:`widget_server.notifications.outbox.enqueue_email` inside
their unit of work, so the email row commits (or rolls back) together with the
state change it announces. A sender (:mod:`.sender`) delivers the rows later,
over SMTP (:mod:`.smtp`) or, without SMTP configured, as ``.eml`` files.
"""
