"""OCOP Hub kit: settings, database, Celery, outbox, auth, problem details, pagination, logging."""
