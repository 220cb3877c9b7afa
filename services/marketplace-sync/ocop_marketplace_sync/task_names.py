"""Names of this service's own Celery tasks (the scheduled one is fixed by ocop_contracts)."""

SYNC_CHANNEL = "ocop.marketplace_sync.sync_channel"
RECONCILE = "ocop.marketplace_sync.reconcile"
SYNC_DUE = "ocop.marketplace_sync.sync_due"
