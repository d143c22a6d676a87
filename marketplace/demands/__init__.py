"""Demands (中试需求): firms post technology-conversion needs; platforms see the open ones."""
