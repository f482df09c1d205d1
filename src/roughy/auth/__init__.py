"""Accounts, API keys, login sessions and request authentication."""
