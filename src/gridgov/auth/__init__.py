"""Accounts, sessions, API tokens, roles → permissions, and the data scope of a user."""
