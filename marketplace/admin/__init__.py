"""Administrators' pages: the platform review queue and moderation."""
