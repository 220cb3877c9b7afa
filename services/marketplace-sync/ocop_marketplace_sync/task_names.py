"""Names of this service's own Celery tasks (the scheduled one is fixed by ocop_contracts)."""

REQUEST_SYNC = "ocop.marketplace_sync.request_sync"
RECONCILE = "ocop.marketplace_sync.reconcile"
SYNC_DUE = "ocop.marketplace_sync.sync_due"
