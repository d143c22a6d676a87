"""Bulk data in and out in the `zhongshi/v1` interchange format."""
