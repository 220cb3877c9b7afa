"""Shop tokens (Shopee's rotating refresh chain, Tiki's client-credential tokens) in the
service's database, so every worker shares one chain."""

from __future__ import annotations

from ocop_kit.db import ServiceDatabase
from ocop_marketplace_sync.adapters.base import Token
from ocop_marketplace_sync.listings.models import ChannelToken


class DbTokenStore:
    """The adapters' token store, one row per channel and shop."""

    def __init__(self, db: ServiceDatabase) -> None:
        self.db = db

    def load(self, channel: str, shop_id: str) -> Token | None:
        """The shop's current tokens, or None before its first token call."""
        with self.db.session() as session:
            row = session.get(ChannelToken, (channel, shop_id))
            if row is None:
                return None
            return Token(
                row.access_token,
                row.access_expires_at,
                row.refresh_token,
                row.refresh_expires_at,
            )

    def save(self, channel: str, shop_id: str, token: Token) -> None:
        """Keep the shop's new tokens (a refresh token is valid only once on Shopee)."""
        with self.db.session() as session:
            row = session.get(ChannelToken, (channel, shop_id))
            if row is None:
                row = ChannelToken(channel=channel, shop_id=shop_id, access_token="")
                session.add(row)
            row.access_token = token.access_token
            row.access_expires_at = token.access_expires_at
            row.refresh_token = token.refresh_token
            row.refresh_expires_at = token.refresh_expires_at
