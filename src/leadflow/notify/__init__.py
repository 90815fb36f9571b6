"""Notifications: the transactional outbox and its delivery over email, Slack-style and signed webhooks."""
