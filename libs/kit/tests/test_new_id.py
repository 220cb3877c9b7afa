"""Record ids: time-ordered UUIDs (version 7) that sort by creation and never repeat, not even
across the processes a Celery worker forks."""

from __future__ import annotations

import os
import uuid

from ocop_kit.db import new_id


def test_ids_are_uuid_version_7_in_canonical_text():
    made = new_id()
    parsed = uuid.UUID(made)
    assert str(parsed) == made
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122


def test_ids_sort_in_the_order_they_were_made():
    made = [new_id() for _ in range(10_000)]
    assert sorted(made) == made
    assert len(set(made)) == len(made)


def test_a_forked_child_makes_other_ids_than_its_parent():
    new_id()  # the generator is in use before the fork, as in a Celery worker
    read_end, write_end = os.pipe()
    child = os.fork()
    made = [new_id() for _ in range(1_000)]
    if child == 0:
        os.write(write_end, "\n".join(made).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        from_child = set(pipe.read().split("\n"))
    os.waitpid(child, 0)
    assert len(from_child) == 1_000
    assert from_child.isdisjoint(made)
