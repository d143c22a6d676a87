"""Realistic, invented demo data (`flask seed-demo`)."""
