"""Channels as configuration data: base URL, shops and credentials, rate limit, mappings."""
