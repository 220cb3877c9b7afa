"""The embedded broker (a SQLite file under the data dir) through kombu, as Celery uses it."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from kombu import Connection, Exchange, Queue

import ocop_kit.broker  # noqa: F401  (registers the transport)


def _url(tmp_path: Path) -> str:
    return f"ocopsqlite+sqlite:///{tmp_path / 'broker.db'}"


def _pending_rows(tmp_path: Path) -> int:
    with sqlite3.connect(tmp_path / "broker.db") as db:
        return int(db.execute("SELECT count(*) FROM kombu_message").fetchone()[0])


def test_messages_come_out_in_the_order_they_were_sent_and_are_gone_once_taken(
    tmp_path: Path,
) -> None:
    queue = Queue("ocop.test", Exchange("ocop.test"), routing_key="ocop.test")
    with Connection(_url(tmp_path)) as connection:
        producer = connection.Producer()
        for n in range(5):
            producer.publish(
                {"n": n}, exchange=queue.exchange, routing_key="ocop.test", declare=[queue]
            )
        simple = connection.SimpleQueue(queue)
        received = []
        for _ in range(5):
            message = simple.get(timeout=2)
            received.append(message.payload["n"])
            message.ack()
        assert received == [0, 1, 2, 3, 4]
        assert _pending_rows(tmp_path) == 0
        simple.close()


def test_an_empty_queue_answers_empty_without_holding_the_write_lock(tmp_path: Path) -> None:
    queue = Queue("ocop.idle", Exchange("ocop.idle"), routing_key="ocop.idle")
    with Connection(_url(tmp_path)) as connection:
        simple = connection.SimpleQueue(queue)
        writer = sqlite3.connect(tmp_path / "broker.db", timeout=0, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
        try:
            try:
                simple.get(timeout=0.2)
            except simple.Empty:
                pass
            else:  # pragma: no cover - the queue is empty
                raise AssertionError("an empty queue gave a message")
        finally:
            writer.execute("ROLLBACK")
            writer.close()
        simple.close()


def test_two_consumers_never_take_the_same_message(tmp_path: Path) -> None:
    queue = Queue("ocop.shared", Exchange("ocop.shared"), routing_key="ocop.shared")
    total = 200
    with Connection(_url(tmp_path)) as connection:
        producer = connection.Producer()
        for n in range(total):
            producer.publish(
                {"n": n}, exchange=queue.exchange, routing_key="ocop.shared", declare=[queue]
            )
    taken: list[list[int]] = [[], []]

    def consume(into: list[int]) -> None:
        with Connection(_url(tmp_path)) as connection:
            simple = connection.SimpleQueue(queue)
            while True:
                try:
                    message = simple.get(timeout=0.5)
                except simple.Empty:
                    break
                into.append(message.payload["n"])
                message.ack()
            simple.close()

    threads = [threading.Thread(target=consume, args=(into,)) for into in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    everything = taken[0] + taken[1]
    assert sorted(everything) == list(range(total))
    assert len(set(everything)) == total
