"""The group-commit writer: one thread owns the store's writes and commits requests together.

A request hands its batch to :meth:`GroupWriter.submit` and is answered once the group that
carries it has committed, so an HTTP 2xx always means "on disk" (DESIGN.md, ingestion
guarantees). Grouping amortizes the ~5 ms cost of a durable commit over many requests.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass

from launchloop.errors import OverCapacity, StorageFull
from launchloop.ingest.batch import WriteBatch
from launchloop.store.base import EventStore

_STOP = object()


@dataclass(slots=True)
class _Pending:
    batch: WriteBatch
    future: Future[int]


class GroupWriter:
    """Commit batches in groups of up to ``group_events`` events or ``group_wait_ms``."""

    def __init__(
        self,
        store: EventStore,
        *,
        group_events: int = 10_000,
        group_wait_ms: float = 2.0,
        queue_events: int = 200_000,
    ) -> None:
        self.store = store
        self.group_events = group_events
        self.group_wait = group_wait_ms / 1000
        self.queue_events = queue_events
        self._queue: queue.SimpleQueue[_Pending | object] = queue.SimpleQueue()
        self._pending_events = 0
        self._count_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="launchloop-writer", daemon=True)
        self._thread.start()

    @property
    def pending_events(self) -> int:
        """Events accepted but not committed yet."""
        return self._pending_events

    def submit(self, batch: WriteBatch) -> Future[int]:
        """Queue a batch; the future gives how many events were new once committed.

        :raises OverCapacity: when the queue already holds ``queue_events`` events.
        """
        size = max(len(batch.rows), 1)
        with self._count_lock:
            # An empty queue takes any batch, so one larger than the queue is not refused forever.
            if self._pending_events and self._pending_events + size > self.queue_events:
                raise OverCapacity(retry_after=1)
            self._pending_events += size
        future: Future[int] = Future()
        self._queue.put(_Pending(batch, future))
        return future

    async def write(self, batch: WriteBatch) -> int:
        """Submit a batch and wait, without blocking the event loop, until it is committed."""
        return await asyncio.wrap_future(self.submit(batch))

    def write_sync(self, batch: WriteBatch) -> int:
        """Submit a batch and block until it is committed (for importers and the CLI)."""
        return self.submit(batch).result()

    def close(self) -> None:
        """Commit everything queued, then stop the thread."""
        self._queue.put(_STOP)
        self._thread.join()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            group, stop = self._gather(first)  # type: ignore[arg-type]
            self._commit(group)
            if stop:
                return

    def _gather(self, first: _Pending) -> tuple[list[_Pending], bool]:
        group, size = [first], len(first.batch.rows)
        deadline = time.monotonic() + self.group_wait
        while size < self.group_events:
            remaining = deadline - time.monotonic()
            try:
                item = (
                    self._queue.get(timeout=remaining)
                    if remaining > 0
                    else self._queue.get_nowait()
                )
            except queue.Empty:
                break
            if item is _STOP:
                return group, True
            assert isinstance(item, _Pending)
            group.append(item)
            size += len(item.batch.rows)
        return group, False

    def _commit(self, group: list[_Pending]) -> None:
        combined = WriteBatch()
        for pending in group:
            combined.extend(pending.batch)
        try:
            self.store.write(combined)
        except StorageFull as error:
            self._fail(group, error)
        except Exception as error:
            # One request's odd batch must not fail its neighbours: retry each on its own.
            if len(group) == 1:
                self._fail(group, error)
            else:
                for pending in group:
                    self._commit([pending])
                return
        else:
            for pending in group:
                pending.future.set_result(len(pending.batch.rows))
        with self._count_lock:
            self._pending_events -= sum(max(len(p.batch.rows), 1) for p in group)

    @staticmethod
    def _fail(group: list[_Pending], error: Exception) -> None:
        for pending in group:
            pending.future.set_exception(error)
