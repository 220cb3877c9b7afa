"""How far a sheet import has gone, and whether its progress page keeps refreshing (pure rules).

An import is read in three stages: the registry reads the rows, then search makes the products
findable, then the marketplaces list them. The page refreshes itself until every product is
searchable and listed; some never will be (a product without an OCOP certificate or without a
chosen channel is not listed), so once the import is done and the figures stay the same for
`QUIET_SECONDS`, the page stops and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

REFRESH_SECONDS = 2
QUIET_SECONDS = 60
FINISHED = ("done", "failed")


def _count(payload: dict[str, Any], key: str) -> int:
    value = payload.get(key)
    return value if isinstance(value, int) and value > 0 else 0


@dataclass(frozen=True)
class Stage:
    """One progress bar: `done` of `total`."""

    done: int
    total: int

    @property
    def percent(self) -> float:
        """0–100; a stage with nothing to do yet is at 0."""
        return 100.0 * min(self.done, self.total) / self.total if self.total else 0.0

    @property
    def complete(self) -> bool:
        return self.done >= self.total


@dataclass(frozen=True)
class ImportProgress:
    """The registry's `GET /v1/imports/{id}` answer, as the page reads it."""

    status: str
    rows: Stage
    rows_imported: int
    searchable: Stage
    listed: Stage

    @classmethod
    def of(cls, payload: dict[str, Any]) -> ImportProgress:
        products = _count(payload, "products")
        return cls(
            status=str(payload.get("status") or "queued"),
            rows=Stage(_count(payload, "rows_processed"), _count(payload, "rows_total")),
            rows_imported=_count(payload, "rows_imported"),
            searchable=Stage(_count(payload, "searchable"), products),
            listed=Stage(_count(payload, "listed"), products),
        )

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def live(self) -> bool:
        """Imported, and every product of it searchable and listed."""
        return self.status == "done" and self.searchable.complete and self.listed.complete

    @property
    def signature(self) -> str:
        """The figures that move; the same signature twice means nothing changed."""
        return ".".join(
            str(part)
            for part in (
                self.status,
                self.rows.done,
                self.rows_imported,
                self.searchable.done,
                self.listed.done,
                self.searchable.total,
            )
        )


@dataclass(frozen=True)
class Refresh:
    """What the page does next: poll again (carrying what it saw and since when), or stop."""

    again: bool
    seen: str
    since: int
    quiet: bool  # stopped because the figures stayed the same for QUIET_SECONDS


def plan_refresh(
    progress: ImportProgress, seen: str | None, since: int | None, now: int
) -> Refresh:
    """Keep refreshing while anything can still move.

    `seen` and `since` are what the previous poll saw and when those figures first appeared
    (seconds); a new figure restarts the quiet clock. A failed import, or one whose products are
    all searchable and listed, stops at once; a done import stops after `QUIET_SECONDS` without
    change. Before the import is done the page always refreshes (the rows are still being read)."""
    changed = seen != progress.signature or since is None or since > now
    first_seen = now if changed or since is None else since
    if progress.status == "failed" or progress.live:
        return Refresh(False, progress.signature, first_seen, quiet=False)
    quiet = progress.status == "done" and now - first_seen >= QUIET_SECONDS
    return Refresh(not quiet, progress.signature, first_seen, quiet=quiet)
