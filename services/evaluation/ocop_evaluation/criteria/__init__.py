"""Criteria sets: the versioned legal tables councils score on (data files, a schema, a loader)."""
