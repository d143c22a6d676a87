"""Accounts: organisations, users, sessions, password resets and API tokens."""
