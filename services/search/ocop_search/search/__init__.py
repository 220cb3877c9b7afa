"""Searching: the public search and suggest endpoints."""
