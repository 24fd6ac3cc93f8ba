"""Append-only, hash-chained audit log.

Each event's hash is SHA-256 over its canonical JSON, which includes the previous event's
hash in its chain; `verify()` recomputes every chain and names the first broken link.

The log is CHAINS parallel chains, each with its own head row (AuditHead, pk = chain).
An append locks a head until its transaction commits, so that the chain's sequence
numbers are contiguous and a deleted or inserted row shows as a gap. With one head every
write in the system would queue behind the one committing (commit and fsync included);
so an append takes the lowest-numbered head that no other transaction holds (FOR UPDATE
SKIP LOCKED), the head it already holds included. On SQLite, whose writers are serial
anyway, that is always chain 1.
"""

import hashlib
import json
import random
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from . import bulk
from .models import AuditEvent, AuditHead

GENESIS = "0" * 64
CHAINS = 16  # more than the writers that commit at once on one database server
BULK_FROM = 100  # events in one record_all from which a bulk load beats bulk_create's one statement


def jsonable(value):
    return None if value is None else json.loads(json.dumps(value, default=str, ensure_ascii=False))


def _head():
    """This transaction's chain head, locked."""
    free = AuditHead.objects.select_for_update(skip_locked=True).order_by("pk")
    head = free.first()
    if head is None and AuditHead.objects.count() < CHAINS:  # the migration's heads were flushed (tests)
        AuditHead.objects.bulk_create([AuditHead(pk=n) for n in range(1, CHAINS + 1)], ignore_conflicts=True)
        head = free.first()
    # Every chain busy: wait for one.
    return head or AuditHead.objects.select_for_update().get(pk=random.randint(1, CHAINS))


def _digest(e):
    """SHA-256 over an event's canonical JSON. The actor is named by username, not by row id,
    so deactivating or deleting an account (actor set to NULL) leaves the chain intact. The
    chain's number is not in it (events made before there were several chains are chain 1's):
    an event moved to another chain breaks that chain's links anyway."""
    payload = json.dumps(
        {
            "seq": e.seq,
            "at": e.at.isoformat(),
            "actor": e.actor_name,
            "action": e.action,
            "object": [e.object_type, str(e.object_id)],
            "before": e.before,
            "after": e.after,
            "prev": e.prev_hash,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


class Entry(NamedTuple):
    """One event to append (the arguments of `record`)."""

    actor: object
    action: str
    obj: object = None
    before: object = None
    after: object = None
    object_type: str = ""
    object_id: object = ""


def record(actor, action, obj=None, *, before=None, after=None, object_type="", object_id=""):
    """Append one event. Call inside the service's transaction: it commits or rolls back with it."""
    return record_all([Entry(actor, action, obj, before, after, object_type, object_id)])[0]


def record_all(entries):
    """Append events in their order, on one chain, with one insert (a batch of intakes).
    Returns them: AuditEvent rows, or for a bulk load (an import's event a row) Link tuples
    with the same fields, which skip a model instance each."""
    at = timezone.now()
    # savepoint=False: inside a service's transaction this adds no SAVEPOINT round trips;
    # on its own it is still one transaction.
    with transaction.atomic(savepoint=False):
        head = _head()
        bulk_load = len(entries) >= BULK_FROM
        ids = bulk.reserve_ids(AuditEvent, len(entries)) if bulk_load else [None] * len(entries)
        links = []
        for e, pk in zip(entries, ids):
            actor_id = e.actor.pk if e.actor is not None and getattr(e.actor, "is_authenticated", False) else None
            link = Link(
                pk, head.pk, head.seq + 1, at, actor_id, e.actor.get_username() if actor_id else "", e.action,
                e.object_type or (e.obj._meta.label_lower if e.obj is not None else ""),
                str(e.object_id or (e.obj.pk if e.obj is not None else "")),
                jsonable(e.before), jsonable(e.after), head.hash, "",
            )
            link = link._replace(hash=_digest(link))
            head.seq, head.hash = link.seq, link.hash
            links.append(link)
        if bulk_load:
            bulk.insert(AuditEvent, Link._fields, links)
        else:
            links = AuditEvent.objects.bulk_create([AuditEvent(**link._asdict()) for link in links])
        head.save(update_fields=["seq", "hash"])
    return links


class Link(NamedTuple):
    """An event as appended: AuditEvent's columns."""

    id: object
    chain: int
    seq: int
    at: object
    actor_id: object
    actor_name: str
    action: str
    object_type: str
    object_id: str
    before: object
    after: object
    prev_hash: str
    hash: str


def verify():
    """Return (ok, events_checked, message). The message names the first broken link."""
    heads = {pk: (seq, hash_) for pk, seq, hash_ in AuditHead.objects.values_list("pk", "seq", "hash")}
    ends = {}  # chain -> (events, last hash) as found
    count, chain, expected_seq, prev = 0, None, 1, GENESIS
    for e in AuditEvent.objects.order_by("chain", "seq").iterator(chunk_size=5000):
        if e.chain != chain:
            chain, expected_seq, prev = e.chain, 1, GENESIS
        if e.seq != expected_seq:
            return False, count, f"{_on(chain)}第 {expected_seq} 条审计事件缺失（下一条为第 {e.seq} 条）"
        if e.prev_hash != prev:
            return False, count, f"{_on(chain)}第 {e.seq} 条审计事件的前一哈希与链不符"
        if _digest(e) != e.hash:
            return False, count, f"{_on(chain)}第 {e.seq} 条审计事件内容已被篡改（哈希不符）"
        prev, expected_seq, count = e.hash, expected_seq + 1, count + 1
        ends[chain] = (e.seq, e.hash)
    # Each head must name its chain's last event: a cut-off tail leaves the head ahead.
    for chain in sorted(heads.keys() | ends.keys()):
        head, found = heads.get(chain, (0, GENESIS)), ends.get(chain, (0, GENESIS))
        if head != found:
            return False, count, f"{_on(chain)}审计链末端被截断：链头记录到第 {head[0]} 条，实际只有 {found[0]} 条"
    return True, count, f"审计链完整，共 {count} 条事件"


def _on(chain):
    """How a message names the chain: chain 1 needs no name (small deployments have only it)."""
    return "" if chain == 1 else f"审计链 {chain}："
