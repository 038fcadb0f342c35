"""Notifications: the in-app inbox first; SMS, voice, e-mail and webhooks plug in behind one interface."""
