"""Group commit: intakes that arrive together are stored in one transaction.

Every thread that brings an item waits until its item is stored (or has failed), so a
reply still follows the commit. The first thread to arrive stores the whole queue as one
batch; items that arrive meanwhile queue for the next batch, which the first of them
stores when woken. Under load a batch is as large as the requests that arrived during the
previous commit: the transaction's fixed costs (round trips, the audit chain's head, the
figures' hot rows, the commit's fsync) are paid once per batch instead of once per request.
A lone request is a batch of one, stored at once.
"""

import threading


class _Ticket:
    __slots__ = ("item", "wake", "leads", "finished", "result", "error")

    def __init__(self, item):
        self.item, self.wake = item, threading.Event()
        self.leads = self.finished = False
        self.result = self.error = None


class GroupCommit:
    def __init__(self, store_all, store_one):
        """store_all(items) stores a batch in one transaction and returns one result per item;
        if it raises, each item is stored on its own by store_one(item), whose result or
        error goes to that item's thread alone."""
        self._store_all, self._store_one = store_all, store_one
        self._lock = threading.Lock()
        self._queue = []
        self._busy = False  # a thread is storing a batch

    def store(self, item):
        ticket = _Ticket(item)
        with self._lock:
            self._queue.append(ticket)
            ticket.leads = not self._busy
            self._busy = True
        while not ticket.finished:
            if ticket.leads:
                self._lead()
            else:
                ticket.wake.wait()
                ticket.wake.clear()
        if ticket.error is not None:
            raise ticket.error
        return ticket.result

    def _lead(self):
        with self._lock:
            batch, self._queue = self._queue, []
        try:
            self._store(batch)
        finally:
            for ticket in batch:
                ticket.finished = True
                ticket.wake.set()
            with self._lock:
                if self._queue:  # hand over: the first one waiting stores the next batch
                    self._queue[0].leads = True
                    self._queue[0].wake.set()
                else:
                    self._busy = False

    def _store(self, batch):
        try:
            results = self._store_all([t.item for t in batch]) if len(batch) > 1 else None
        except Exception:
            results = None  # a conflict (or fault) in one item must not fail the others
        if results is not None:
            for ticket, result in zip(batch, results):
                ticket.result = result
            return
        for ticket in batch:
            try:
                ticket.result = self._store_one(ticket.item)
            except Exception as error:
                ticket.error = error
