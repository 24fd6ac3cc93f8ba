"""Append-only, hash-chained audit log.

Each event's hash is SHA-256 over its canonical JSON, which includes the previous event's
hash; `verify()` recomputes the chain and names the first broken link. Appends lock the
single AuditHead row, so sequence numbers are contiguous even under concurrency and a
deleted or inserted row is detected as a gap.
"""

import hashlib
import json

from django.db import transaction
from django.utils import timezone

from .models import AuditEvent, AuditHead

GENESIS = "0" * 64


def jsonable(value):
    return None if value is None else json.loads(json.dumps(value, default=str, ensure_ascii=False))


def _digest(e):
    """SHA-256 over an event's canonical JSON. The actor is named by username, not by row id,
    so deactivating or deleting an account (actor set to NULL) leaves the chain intact."""
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


def record(actor, action, obj=None, *, before=None, after=None, object_type="", object_id=""):
    """Append one event. Call inside the service's transaction: it commits or rolls back with it."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    actor_name = actor.get_username() if actor_id else ""
    before, after = jsonable(before), jsonable(after)
    # savepoint=False: inside a service's transaction this adds no SAVEPOINT round trips;
    # on its own it is still one transaction.
    with transaction.atomic(savepoint=False):
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            seq=head.seq + 1, at=timezone.now(), actor_id=actor_id, actor_name=actor_name, action=action,
            object_type=object_type, object_id=str(object_id), before=before, after=after, prev_hash=head.hash,
        )
        event.hash = _digest(event)
        event.save()
        head.seq, head.hash = event.seq, event.hash
        head.save(update_fields=["seq", "hash"])
    return event


def verify():
    """Return (ok, events_checked, message). The message names the first broken link."""
    expected_seq, prev = 1, GENESIS
    for e in AuditEvent.objects.order_by("seq").iterator(chunk_size=5000):
        if e.seq != expected_seq:
            return False, expected_seq - 1, f"第 {expected_seq} 条审计事件缺失（下一条为第 {e.seq} 条）"
        if e.prev_hash != prev:
            return False, expected_seq - 1, f"第 {e.seq} 条审计事件的前一哈希与链不符"
        if _digest(e) != e.hash:
            return False, expected_seq - 1, f"第 {e.seq} 条审计事件内容已被篡改（哈希不符）"
        prev, expected_seq = e.hash, expected_seq + 1
    head = AuditHead.objects.filter(pk=1).first()
    count = expected_seq - 1
    if head and (head.seq != count or head.hash != prev):
        return False, count, f"审计链末端被截断：链头记录到第 {head.seq} 条，实际只有 {count} 条"
    return True, count, f"审计链完整，共 {count} 条事件"
