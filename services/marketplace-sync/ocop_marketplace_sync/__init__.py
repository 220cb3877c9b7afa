"""OCOP Hub Marketplace sync service.

Channels, listings, adapters, rate limits and reconciliation.
"""

SERVICE = "marketplace_sync"
