"""Offerings (中试资源与服务): equipment, sites, services and processes of a platform."""
