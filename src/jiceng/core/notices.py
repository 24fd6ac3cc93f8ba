"""Notices: written once per (user, key) and passed to the message backend when new."""

from django.db import transaction
from django.utils import timezone

from . import messaging
from .models import Notice


def notify(user, key, title, body="", link=""):
    """Create the notice unless this user already has one with `key`; return it and whether it is new."""
    notice, created = Notice.objects.get_or_create(user=user, key=key,
                                                   defaults={"title": title, "body": body, "link": link})
    if created:
        transaction.on_commit(lambda: messaging.backend().send(user, title, body, link))
    return notice, created


def unread(user):
    return Notice.objects.filter(user=user, read_at__isnull=True)


def mark_read(user, ids=None):
    rows = unread(user)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=timezone.now())
